"""Constants of the rating. Each number here is a decision recorded in docs/decisions.md."""

# Reports by other agents: how much one counts, by who files it (an institution or the
# government knows a firm's payments; a peer may have an axe to grind) …
REPORTER_KIND_WEIGHTS = {"government": 1.0, "finance_company": 1.0, "institution": 1.0, "enterprise": 0.6,
                         "investor": 0.5}
# … by its verification status and type: a verified negative report weighs most, an unverified
# one a quarter as much, a disputed one little, a rejected one nothing. The subject's reply is
# shown beside a report but changes nothing here — only a verifier's decision does.
VERIFICATION_WEIGHTS = {
    ("verified", "negative"): 1.5, ("verified", "positive"): 1.0, ("verified", "neutral"): 0.0,
    ("unverified", "negative"): 0.375, ("unverified", "positive"): 0.5, ("unverified", "neutral"): 0.0,
    ("disputed", "negative"): 0.1, ("disputed", "positive"): 0.1, ("disputed", "neutral"): 0.0,
    ("rejected", "negative"): 0.0, ("rejected", "positive"): 0.0, ("rejected", "neutral"): 0.0,
}
# … and by its age: half the weight after a year.
REPORT_HALF_LIFE_DAYS = 365

# Reasons shown per rating: the factors that raised and lowered the score most.
TOP_REASONS = 3
PAGE_SIZE = 25
