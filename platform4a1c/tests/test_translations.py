"""The Chinese interface has no English holes: every message of the catalogue is translated,
and the compiled catalogue that Django reads says the same as the source."""

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_message_has_its_chinese():
    po = polib.pofile(str(LOCALE / "django.po"))
    untranslated = [e.msgid for e in po if not e.obsolete and (not e.msgstr and not e.msgstr_plural)]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert not untranslated, f"add these to a glossary in locale/zh/*.tsv and run `make messages`: {untranslated}"
    assert not fuzzy, f"fuzzy (guessed) translations: {fuzzy}"


def _translations(catalogue) -> dict:
    return {(e.msgctxt, e.msgid): (e.msgstr_plural and dict(e.msgstr_plural)) or e.msgstr
            for e in catalogue if e.msgid and not getattr(e, "obsolete", False) and (e.msgstr or e.msgstr_plural)}


def test_the_compiled_catalogue_matches_the_source():
    source = _translations(polib.pofile(str(LOCALE / "django.po")))
    compiled = _translations(polib.mofile(str(LOCALE / "django.mo")))
    assert source == compiled, "run `make messages` (compilemessages) and commit the .mo"
