"""Permission matrix rows for lending URLs (issue 3)."""

EXPECTED: dict = {}
