"""R14: every catalogue is complete: no empty or fuzzy Russian translation."""

from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
CATALOGUES = sorted(p for p in ROOT.glob("**/locale/ru/LC_MESSAGES/django.po") if ".venv" not in p.parts)


def test_catalogues_exist():
    assert {p.relative_to(ROOT).parts[0] for p in CATALOGUES} >= {"locale", "membership"}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_fully_translated(path):
    po = polib.pofile(str(path))
    missing = [e.msgid for e in po if not e.obsolete and (e.fuzzy or not (e.msgstr or any(e.msgstr_plural.values())))]
    assert missing == []
