"""Constants of the centre. Each number here is a decision recorded in docs/decisions.md."""

from datetime import timedelta

# --- attachments ------------------------------------------------------------------------------
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024  # 10 MiB
# extension → the content types a browser may send for it; the first bytes are checked too.
ATTACHMENT_TYPES = {
    "pdf": ("application/pdf",),
    "png": ("image/png",),
    "jpg": ("image/jpeg",),
    "jpeg": ("image/jpeg",),
    "csv": ("text/csv", "text/plain", "application/vnd.ms-excel"),
    "txt": ("text/plain",),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/octet-stream",
             "application/zip"),
}
# Magic numbers of the binary formats (text formats must decode as UTF-8 or GBK instead).
ATTACHMENT_MAGIC = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "xlsx": (b"PK\x03\x04",),
}

# --- reports: abuse control -----------------------------------------------------------------
# One agent may file at most this many reports about the same agent per calendar day
# (Asia/Shanghai), and at most REPORTS_PER_REPORTER_PER_DAY in all.
REPORTS_PER_SUBJECT_PER_DAY = 3
REPORTS_PER_REPORTER_PER_DAY = 20

# Weight of a report in later ratings, by verification status and type. An unverified negative
# report counts a quarter; a disputed one a tenth; a rejected one nothing.
REPORT_WEIGHTS = {
    ("verified", "positive"): 1.0, ("verified", "negative"): 1.0, ("verified", "neutral"): 1.0,
    ("unverified", "positive"): 0.5, ("unverified", "neutral"): 0.5, ("unverified", "negative"): 0.25,
    ("disputed", "positive"): 0.1, ("disputed", "neutral"): 0.1, ("disputed", "negative"): 0.1,
    ("rejected", "positive"): 0.0, ("rejected", "neutral"): 0.0, ("rejected", "negative"): 0.0,
}

# --- freshness --------------------------------------------------------------------------------
# A category whose latest item is older than this is "stale" (most facts are yearly).
FRESH_DAYS = 400

# --- the outbox -------------------------------------------------------------------------------
EVENT_LEASE = timedelta(minutes=5)  # a claimed event is picked up again after this
EVENT_BATCH = 500  # events claimed (and handed to each handler) at a time
EVENT_MAX_ATTEMPTS = 20  # after that an event is parked (shown in the admin) instead of retried

# --- pages ------------------------------------------------------------------------------------
PAGE_SIZE = 25
SEARCH_LIMIT = 50
