"""The JSON API for institutions' and the government's systems: per-agent tokens,
the same ``restrict()`` rules as the pages, idempotency keys on writes, OpenAPI 3 schema."""
