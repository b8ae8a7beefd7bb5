"""Bulk data in: firm records from CSV and Excel files.

``columns`` knows the column names (Chinese and English aliases), ``values`` parses one cell,
``readers`` detects encoding and format and yields rows in chunks, ``services`` runs a job
all-or-nothing, ``tasks`` is the Celery entry point, ``views`` the upload, mapping and progress
pages.
"""
