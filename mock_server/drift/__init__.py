"""This package contains drift: what a real API answers that its spec does not say, and the patch that would fix it.

values.py   JSON type names, format checks, masking and hashing of example values
shape.py    a schema inferred from observed values (merged, no raw values kept)
check.py    one value against one raw OpenAPI schema -> observations (pure)
operations.py  method + path -> the spec's operation
recorder.py DriftRecorder: responses in, merged findings out
report.py   the report value, JSON and Markdown rendering, reading a report back
propose.py  the spec with what was observed applied (ruamel.yaml round trip)
proxy.py    the reverse proxy (ASGI) that feeds a recorder
credentials.py  which parts of a request are credentials (they go upstream, nowhere else)
contract_drift.py  a contract run's responses -> a recorder (`contract --drift-report`)
proxy_command.py, check_command.py  `mock-server proxy` and `mock-server drift check`
"""

from __future__ import annotations
