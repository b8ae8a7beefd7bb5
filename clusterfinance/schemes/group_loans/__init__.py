"""Group loans with joint liability (团体贷款, 连带责任): firms form a group by self-selection,
each borrows on its own loan, and every member is liable for the others' overdue instalments
(docs/schemes.md)."""
