"""Core's pages are in Spanish too, and its catalogue is complete."""

from pathlib import Path

from django.test import Client
from django.urls import reverse

PO = Path(__file__).resolve().parents[2] / "puente" / "core" / "locale" / "es" / "LC_MESSAGES" / "django.po"


def test_catalogue_is_complete_and_not_fuzzy():
    text = PO.read_text()
    entries = text.split("\n\n")[1:]
    untranslated = [e for e in entries if 'msgstr ""' in e and "\n\"" not in e.split('msgstr ""', 1)[1][:2]]
    assert not untranslated, untranslated[:3]
    assert "#, fuzzy" not in text
    assert PO.with_suffix(".mo").exists()


def test_pages_render_in_spanish(db, coordinator):
    coordinator.language = "es"
    coordinator.save()
    c = Client()
    c.force_login(coordinator)
    assert "Historial de auditoría" in c.get(reverse("core:audit")).content.decode()
    assert "Casos bajo retención legal" in c.get(reverse("core:retention")).content.decode()
    assert "Sesiones activas" in c.get(reverse("core:sessions")).content.decode()
