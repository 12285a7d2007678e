"""Demo data for the visas app: the real H-2A and H-2B FY2016 disclosure files and the
debarments list, when the shared data folder is there (``$PUENTE_DOL_DATA``, default
<repo>/../shared/data/dol-h2). Each is imported once; running the demo again changes nothing.
"""

import os
import time
from pathlib import Path

from django.conf import settings

from . import actions
from .models import Debarment, ImportedFile

DEMO_FILES = ["H-2A_Disclosure_Data_FY16_updated.xlsx", "H-2B_Disclosure_Data_FY16.xlsx"]


def data_dir() -> Path:
    return Path(os.environ.get("PUENTE_DOL_DATA", Path(settings.BASE_DIR).parent / "shared" / "data" / "dol-h2"))


def load(stdout):
    folder = data_dir()
    if not folder.is_dir():
        stdout.write(f"visas: no OFLC data in {folder}; skipped (set PUENTE_DOL_DATA)")
        return
    start = time.monotonic()
    imported = False
    for name in DEMO_FILES:
        path = folder / name
        if not path.exists() or ImportedFile.objects.filter(name=name).exists():
            continue
        summary = actions.do_import_file(path, acting_user=None, run_resolution=False)
        imported = True
        stdout.write(f"visas: {name}: {summary.rows} rows, {summary.positions_certified} positions certified")
    if imported:
        result = actions.do_resolve(acting_user=None)
        stdout.write(f"visas: employers resolved ({result['merged']} merged, {result['review']} to review)")
    debarments = folder / "debarments_2010_2014.csv"
    if debarments.exists() and not Debarment.objects.filter(source_file=debarments.name).exists():
        actions.do_import_debarments(debarments, acting_user=None)
    if imported:
        stdout.write(f"visas: demo data in {time.monotonic() - start:.0f} s. Import the other years with: "
                     f"puente visas import {folder}/*.csv {folder}/*.xlsx")
