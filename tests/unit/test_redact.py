"""Credential masking for the journal, logs and contract reports: credentials only, however they are spelled."""

from __future__ import annotations

import pytest

from mock_server.redact import MASK, mask_query, redact_query


@pytest.mark.parametrize(
    "query",
    ["apikey=s3cret-value", "APIKEY=s3cret-value", "api%6Bey=s3cret-value", "x=1&access_token=s3cret-value&y=2"],
)
def test_credential_parameters_are_masked_and_reported(query: str) -> None:
    masked, secrets = mask_query(query)
    assert "s3cret-value" not in masked
    assert secrets == ["s3cret-value"]
    assert MASK in masked or "%5BFiltered%5D" in masked


@pytest.mark.parametrize("query", ["", "event_key=summer-fest&status=confirmed", "last_name=M%C3%BCller&a+b=c"])
def test_queries_without_credentials_come_back_unchanged(query: str) -> None:
    assert mask_query(query) == (query, [])
    assert redact_query(query) == query
