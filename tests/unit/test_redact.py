"""Credential masking for the journal, logs and contract reports: credentials only, however they are spelled."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from starlette.testclient import TestClient

from mock_server.redact import MASK, mask_query, mask_url_password, redact_query, redact_text, replace_secrets


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


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("curl -H 'Authorization: Bearer x' http://127.0.0.1:8000/mittwald/v2/orders/", "t"),
        ("expected: 401 or 403 for a request without valid credentials", "e"),
        ("the field is required; created and updated are read-only", "ed"),
        ("GET /eguma/v1/ticketing/orders.json?event_key=summer&status=confirmed e.g. don't", "e"),
        ("token-suffix and t-shirt and mittwald", "t"),
    ],
)
def test_redact_text_never_cuts_a_secret_out_of_other_words(text: str, secret: str) -> None:
    assert redact_text(text, [secret]) == text


@pytest.mark.parametrize(
    ("text", "secret", "masked"),
    [
        ("Authorization: Bearer t", "t", f"Authorization: Bearer {MASK}"),
        ("orders.json?apikey=ed&last_name=Muster", "ed", f"orders.json?apikey={MASK}&last_name=Muster"),
        ('{"token": "e", "note": "e.g."}', "e", f'{{"token": "{MASK}", "note": "e.g."}}'),
        ("/v2/orders/s3cret-value/items", "s3cret-value", f"/v2/orders/{MASK}/items"),
        ("key 'ed' is not valid.", "ed", f"key '{MASK}' is not valid."),
        ("ends with the secret ed.", "ed", f"ends with the secret {MASK}."),
    ],
)
def test_redact_text_masks_a_secret_where_it_stands(text: str, secret: str, masked: str) -> None:
    assert redact_text(text, [secret]) == masked


def test_replace_secrets_prefers_the_longest_and_uses_each_replacement() -> None:
    replaced = replace_secrets("Authorization: Bearer tok; key tok2", {"tok": "$TOKEN", "tok2": "$KEY"})
    assert replaced == "Authorization: Bearer $TOKEN; key $KEY"


def test_mask_query_masks_values_holding_a_carried_secret_but_not_words_containing_it() -> None:
    carried = ["abcdefgh-123"]
    masked, _ = mask_query("q=abcdefgh-123&note=Bearer+abcdefgh-123&other=xabcdefgh-123x", carried)
    assert parse_qs(masked) == {"q": [MASK], "note": [f"Bearer {MASK}"], "other": ["xabcdefgh-123x"]}
    assert mask_query("status=confirmed&name=abcdefgh", carried) == ("status=confirmed&name=abcdefgh", [])


def test_mask_url_password_masks_only_the_password() -> None:
    assert mask_url_password("https://user:p%40ss@example.test/api") == f"https://user:{MASK}@example.test/api"
    assert mask_url_password("http://127.0.0.1:8000/eguma") == "http://127.0.0.1:8000/eguma"


def test_journal_masks_a_carried_credential_where_it_stands_only(client: TestClient) -> None:
    # a token pasted into a filter is masked there; a longer word that merely contains it is not cut up
    token = "frontend-dev-42"
    headers = {"Authorization": f"Bearer {token}"}
    path = "/plandocket/api/v1/service-orders"
    client.get(f"{path}?event_key={token}", headers=headers)
    client.get(f"{path}?event_key=my-{token}-party", headers=headers)
    pasted, containing = client.get("/__admin/requests").json()["requests"][-2:]
    assert token not in pasted["query"] and "event_key=" in pasted["query"]
    assert containing["query"] == f"event_key=my-{token}-party"
    assert containing["path"] == pasted["path"] == path


def test_mask_query_keeps_every_other_byte_of_the_query_as_sent() -> None:
    """Masking a credential must not re-encode the rest (an access line or journal entry the user can paste)."""
    query = "apikey=dev&updated_at_after=2025-06-01T00:00:00&last_name=M%C3%BCller+Z&flag"
    assert mask_query(query)[0] == "apikey=[Filtered]&updated_at_after=2025-06-01T00:00:00&last_name=M%C3%BCller+Z&flag"
