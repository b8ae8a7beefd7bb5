"""Models of the centre (issue 4)."""
