"""R14: every string in the code and templates is in the Russian catalogue, translated.

test_translations.py checks the committed catalogues are complete; this one re-extracts them the
way scripts/i18n/update.sh does, in a copy of the tree, so a new string nobody extracted (or a
changed one whose translation no longer matches) fails here instead of showing English on a
Russian page.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
APPS = ("membership", "offers", "billing", "support")
NOT_SOURCE = (
    ".venv",
    "var",
    "artifacts",
    "mutants",
    "node_modules",
    ".git",
    "tests",
    "bench",
    "scripts",
    "__pycache__",
)


def _copy_tree(target: Path) -> None:
    def ignore(directory, names):
        if Path(directory) == ROOT:
            return [n for n in names if n in NOT_SOURCE]
        return [n for n in names if n == "__pycache__" or n.endswith(".mo")]

    shutil.copytree(ROOT, target, ignore=ignore)


def _makemessages(cwd: Path, *extra: str) -> None:
    manage = cwd / "manage.py" if (cwd / "manage.py").exists() else cwd.parent / "manage.py"
    result = subprocess.run(
        [sys.executable, str(manage), "makemessages", "-l", "ru", "--no-obsolete", *extra],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr


def _untranslated(po_path: Path) -> list[str]:
    po = polib.pofile(str(po_path))
    return [
        entry.msgid
        for entry in po
        if not entry.obsolete and (entry.fuzzy or not (entry.msgstr or any(entry.msgstr_plural.values())))
    ]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    if shutil.which("xgettext") is None:
        pytest.fail("gettext is missing: `make setup` installs it")
    tree = tmp_path_factory.mktemp("i18n") / "tree"
    _copy_tree(tree)
    for app in APPS:
        _makemessages(tree / app)
    ignores = [f"--ignore={app}/*" for app in APPS]
    _makemessages(tree, *ignores)
    return tree


@pytest.mark.slow
@pytest.mark.parametrize("catalogue", [*APPS, "locale"])
def test_every_extracted_string_has_a_russian_translation(extracted, catalogue):
    base = extracted / "locale" if catalogue == "locale" else extracted / catalogue / "locale"
    assert _untranslated(base / "ru" / "LC_MESSAGES" / "django.po") == []


@pytest.mark.slow
def test_every_message_of_the_jinja2_pages_is_extracted(extracted):
    """The Jinja2 pages' ``{% trans %}`` blocks, plurals and ``_()`` reach their app's catalogue
    (partnerportal's makemessages; Django's own would miss the blocks and obsolete their translations)."""
    from django.template import engines

    missing = []
    for template in sorted(ROOT.glob("*/jinja2/**/*.html")):
        app = template.relative_to(ROOT).parts[0]
        base = extracted / "locale" if app == "partnerportal" else extracted / app / "locale"
        msgids = {entry.msgid for entry in polib.pofile(str(base / "ru" / "LC_MESSAGES" / "django.po"))}
        for _line, function, message in engines["jinja2"].env.extract_translations(template.read_text()):
            if message is None:
                continue  # not a constant
            msgid = message[1] if function.startswith("p") or function == "npgettext" else message
            msgid = msgid[0] if isinstance(msgid, tuple) else msgid
            if msgid not in msgids:
                missing.append((str(template.relative_to(ROOT)), msgid))
    assert missing == []
