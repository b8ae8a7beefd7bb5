"""The group tests' fixtures (defined beside the first tests) shared with the other test modules."""

from .test_group_loans import called, members, policy  # noqa: F401
