"""Fill empty Russian translations of a .po file from a JSON object {msgid: msgstr} and list what is missing.

Usage: .venv/bin/python scripts/i18n/fill_po.py PATH/TO/django.po translations.json
A msgid with a plural form takes a list of msgstrs in JSON. Fuzzy entries are cleared and refilled.
"""

import json
import sys

import polib


def main(po_path, json_path=None):
    po = polib.pofile(po_path)
    mapping = json.load(open(json_path, encoding="utf-8")) if json_path else {}
    for entry in po:
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.msgstr = ""
            entry.msgstr_plural = {k: "" for k in entry.msgstr_plural} if entry.msgstr_plural else {}
        if entry.msgid in mapping:
            value = mapping[entry.msgid]
            if entry.msgid_plural:
                entry.msgstr_plural = {i: v for i, v in enumerate(value)}
            else:
                entry.msgstr = value
    po.metadata["Language"] = "ru"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.metadata["Plural-Forms"] = (
        "nplurals=4; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<12 || n%100>14) ? 1 : "
        "n%10==0 || (n%10>=5 && n%10<=9) || (n%100>=11 && n%100<=14)? 2 : 3);"
    )
    po.save()
    missing = [e.msgid for e in po if not e.obsolete and not (e.msgstr or any(e.msgstr_plural.values()))]
    for msgid in missing:
        print("untranslated:", msgid)
    print(f"{po_path}: {len(po) - len(missing)} translated, {len(missing)} missing")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
