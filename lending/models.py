"""Models of lending and the ledger (issue 3)."""
