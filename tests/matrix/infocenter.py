"""Permission matrix rows for the centre's URLs (issue 4)."""

from . import Case, public

EXPECTED = {
    "infocenter:hub": Case(public()),
}
