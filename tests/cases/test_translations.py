"""The cases catalogue is complete: a Defender reads every page, notification and contract note of
the case in Spanish (DEVELOPERS.md)."""

import re
from pathlib import Path

PO = Path(__file__).resolve().parents[2] / "puente" / "cases" / "locale" / "es" / "LC_MESSAGES" / "django.po"


def _entries(text):
    """(msgid, [msgstr, ...]) of each entry but the header, continuation lines joined."""
    for block in text.split("\n\n")[1:]:
        if block.lstrip().startswith("#~"):
            continue
        fields, current = {}, None
        for line in block.splitlines():
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if "msgid" in fields:
            yield fields["msgid"], [v for k, v in fields.items() if k.startswith("msgstr")]


def test_catalogue_is_complete_and_not_fuzzy():
    text = PO.read_text(encoding="utf-8")
    untranslated = [msgid for msgid, msgstrs in _entries(text) if not msgstrs or not all(msgstrs)]
    assert not untranslated, untranslated[:5]
    assert "#, fuzzy" not in text
    assert PO.with_suffix(".mo").exists()
