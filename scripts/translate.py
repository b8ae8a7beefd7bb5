#!/usr/bin/env python
"""Fill the Simplified Chinese catalogue from the glossaries in ``locale/zh/*.tsv``.

Source strings are English. Each app keeps its Chinese in ``locale/zh/<app>.tsv`` (one
``msgid<TAB>msgstr`` per line; ``\\n`` for a newline). ``make messages`` runs makemessages, this
script, then compilemessages; the compiled catalogues are committed. Untranslated strings are
listed so they can be added to a glossary.
"""

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def load_glossary() -> dict[str, str]:
    table: dict[str, str] = {}
    for tsv in sorted((ROOT / "locale" / "zh").glob("*.tsv")):
        for n, line in enumerate(tsv.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            try:
                msgid, msgstr = line.split("\t")
            except ValueError:
                sys.exit(f"{tsv.name}:{n}: expected exactly one tab")
            table[msgid.replace("\\n", "\n")] = msgstr.replace("\\n", "\n")
    return table


def main() -> int:
    glossary = load_glossary()
    missing = []
    for domain in ("django", "djangojs"):
        path = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po"
        if not path.exists():
            continue
        po = polib.pofile(str(path))
        for entry in po:
            if entry.obsolete:
                continue
            if entry.msgid_plural:
                text = glossary.get(entry.msgid)
                plural = glossary.get(entry.msgid_plural, text)
                if text:
                    entry.msgstr_plural = {0: plural or text}
                    entry.flags = [f for f in entry.flags if f != "fuzzy"]
                else:
                    missing.append(entry.msgid)
                continue
            if entry.msgid in glossary:
                entry.msgstr = glossary[entry.msgid]
                entry.flags = [f for f in entry.flags if f != "fuzzy"]
            elif not entry.msgstr or "fuzzy" in entry.flags:  # a fuzzy msgstr is makemessages' guess
                missing.append(entry.msgid)
        po.metadata["Language"] = "zh_Hans"
        po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
        po.save()
    if missing:
        print(f"{len(missing)} strings have no Chinese yet:", file=sys.stderr)
        for m in missing:
            print("  " + m.replace("\n", "\\n"), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
