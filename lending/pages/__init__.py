"""The lending pages (issue 3): borrower, lender, loan and government views, split by area."""
