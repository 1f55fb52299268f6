"""This package contains faults and rate limits chosen per request: the fault kinds and the `Prefer: fault=` header
(kinds.py), the `[[faults]]`/`[[rate_limits]]` rules (rules.py), their run-time state (state.py, ratelimit.py), the
ASGI middleware that applies them around connexion (middleware.py, effects.py) and the /__admin routes (admin.py).

Nothing is imported here: settings.py imports rules.py, and the middleware imports settings.
"""
