"""This module contains the timestamps of generated records: the spans of the record clock, the strftime format a
string field holds timestamps in, parsing them back, and fast renderers.

Timestamps lie before the reference date, never relative to "now".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from mock_server.types import Schema

HISTORY = timedelta(days=365)
"""Records are spread over this span before the reference date, oldest first."""
SPREAD = timedelta(days=14)
"""The timestamps of one record lie within this span after the record's anchor."""
DATE_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
DATE_FORMAT = "%Y-%m-%d"
TIMESTAMP_FORMATS = (DATE_TIME_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", DATE_FORMAT)
"""strftime formats a `pattern` is tried against before it is treated as a plain regular expression."""
_PROBES = (datetime(2001, 2, 3, 4, 5, 6), datetime(2099, 12, 28, 23, 59, 58))


def parse_timestamp(value: object) -> datetime | None:
    """A timestamp string in any of TIMESTAMP_FORMATS (or ISO 8601) as a naive UTC datetime; None otherwise."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def timestamp_format(schema: Schema) -> str | None:
    """The strftime format in which a string field holds timestamps, or None when it holds none."""
    if "x-mock-format" in schema:
        return str(schema["x-mock-format"])
    if schema.get("format") == "date-time":
        return DATE_TIME_FORMAT
    if schema.get("format") == "date":
        return DATE_FORMAT
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and not re.search(pattern, "x"):
        for fmt in TIMESTAMP_FORMATS:
            if all(re.search(pattern, probe.strftime(fmt)) for probe in _PROBES):
                return fmt
    return None


def formatter(fmt: str) -> Callable[[datetime], str]:
    """A fast renderer of datetimes (whole seconds) in a strftime format; isoformat where it gives the same."""
    fast: dict[str, Callable[[datetime], str]] = {
        DATE_TIME_FORMAT: lambda moment: moment.isoformat("T", "seconds") + "Z",
        "%Y-%m-%dT%H:%M:%S": lambda moment: moment.isoformat("T", "seconds"),
        "%Y-%m-%d %H:%M:%S": lambda moment: moment.isoformat(" ", "seconds"),
        DATE_FORMAT: lambda moment: moment.date().isoformat(),
    }
    return fast.get(fmt) or (lambda moment: moment.strftime(fmt))
