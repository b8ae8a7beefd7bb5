"""HTML views of lending: borrower, lender, loan and government pages, split by area."""
