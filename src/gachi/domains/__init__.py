"""One folder per domain: repository (queries), service (rules; flushes, never commits),
schemas (Pydantic, API shapes), api (JSON under /api/v1), pages (HTML), templates."""
