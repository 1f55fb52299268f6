"""Fault rules: `[[faults]]` in mock-server.toml and POST /__admin/faults, with rate, times, operation and seed; the
same request sequence with the same seed gives the same faults."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mock_server.app import MockApp, create_app
from mock_server.cli import build_parser, main, settings_from_args
from mock_server.faults.rules import ResilienceConfig, RuleError
from mock_server.settings import Settings
from tests.resilience.conftest import PRINTLOUNGE_LIST

REQUESTS = 40


def _faulted(client: TestClient, count: int = REQUESTS, path: str = PRINTLOUNGE_LIST) -> list[bool]:
    """Which of `count` requests got fault=malformed (a body that is not JSON)."""
    pattern = []
    for _ in range(count):
        response = client.get(path)
        assert response.status_code == 200
        pattern.append(not response.text.startswith("["))
    return pattern


def _rule(client: TestClient, **fields: object) -> dict[str, object]:
    response = client.post("/__admin/faults", json={"api": "printlounge", "kind": "malformed", **fields})
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()["faults"][0]
    return created


def test_same_seed_same_request_sequence_gives_the_same_faults(fault_app: MockApp) -> None:
    client = TestClient(fault_app)
    _rule(client, rate=0.5, seed=7)
    first = _faulted(client)
    client.post("/__admin/reset")
    _rule(client, rate=0.5, seed=7)
    again = _faulted(client)
    client.post("/__admin/reset")
    _rule(client, rate=0.5, seed=8)
    other_seed = _faulted(client)
    assert first == again
    assert 5 < sum(first) < REQUESTS - 5, "rate 0.5 faults about half the requests"
    assert other_seed != first


def test_rate_bounds_never_and_always(fault_app: MockApp) -> None:
    client = TestClient(fault_app)
    _rule(client, rate=0.0)
    assert not any(_faulted(client, 10))
    client.delete("/__admin/faults")
    _rule(client, rate=1.0)
    assert all(_faulted(client, 10))


def test_times_applies_to_the_next_n_matching_requests_only(fault_app: MockApp) -> None:
    client = TestClient(fault_app)
    _rule(client, times=2)
    assert _faulted(client, 4) == [True, True, False, False]
    (listed,) = client.get("/__admin/faults").json()["faults"]
    assert (listed["remaining"], listed["matched"], listed["fired"]) == (0, 2, 2)


def test_operation_rule_faults_only_that_operation(fault_app: MockApp) -> None:
    client = TestClient(fault_app)
    auth = {"Authorization": "Bearer rules-test-token"}
    client.post(
        "/__admin/faults", json={"api": "plandocket", "operation": "getServiceOrder", "kind": "code=404"}
    ).raise_for_status()
    listed = client.get("/plandocket/api/v1/service-orders", headers=auth)
    one = listed.json()["data"][0]["id"]
    detail = client.get(f"/plandocket/api/v1/service-orders/{one}", headers=auth)
    assert listed.status_code == 200
    assert detail.status_code == 404
    assert client.get(PRINTLOUNGE_LIST).status_code == 200  # another API: untouched


def test_per_request_fault_wins_over_rules_and_does_not_use_up_times(fault_app: MockApp) -> None:
    client = TestClient(fault_app)
    _rule(client, kind="code=400", times=1)
    assert client.get(PRINTLOUNGE_LIST, headers={"Prefer": "fault=malformed"}).text.startswith("{")
    assert client.get(PRINTLOUNGE_LIST).status_code == 400  # the rule's one time is still there


CONFIG = """
[[faults]]
api = "printlounge"
kind = "malformed"
rate = 0.5
seed = 3

[[faults]]
api = "plandocket"
operation = "getServiceOrder"
kind = "code=404"
times = 1

[[rate_limits]]
api = "printlounge"
requests = 100
per = "60s"
key = "credential"
"""


def _settings(tmp_path: Path, text: str) -> Settings:
    config = tmp_path / "mock-server.toml"
    config.write_text(text, encoding="utf-8")
    return settings_from_args(build_parser().parse_args(["serve", "--config", str(config)]))


def test_config_tables_become_the_settings_rules(tmp_path: Path) -> None:
    resilience = _settings(tmp_path, CONFIG).resilience
    assert [(f.api, f.operation, str(f.fault), f.rate, f.times, f.seed) for f in resilience.faults] == [
        ("printlounge", None, "malformed", 0.5, None, 3),
        ("plandocket", "getServiceOrder", "code=404", 1.0, 1, 0),
    ]
    (limit,) = resilience.rate_limits
    assert (limit.api, limit.requests, limit.per_s, limit.key) == ("printlounge", 100, 60.0, "credential")


def test_configured_faults_play_and_reset_restores_them(tmp_path: Path) -> None:
    settings = _settings(tmp_path, CONFIG)
    client = TestClient(create_app(Settings.for_tests(resilience=settings.resilience)))
    first = _faulted(client, 20)
    client.post("/__admin/faults", json={"api": "printlounge", "kind": "code=400"}).raise_for_status()
    client.post("/__admin/reset").raise_for_status()
    assert len(client.get("/__admin/faults").json()["faults"]) == 2  # the configured ones, the added one gone
    assert _faulted(client, 20) == first  # and their draws start over


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[faults]]\napi = "printlounge"\nkind = "explode"\n', "faults[0].kind: 'explode' is not a fault kind"),
        ('[[faults]]\napi = "printlounge"\nkind = "reset"\nrate = 1.5\n', "faults[0].rate: must be a number from 0"),
        ('[[faults]]\napi = "printlounge"\nkind = "reset"\ntimes = 0\n', "faults[0].times: must be a positive"),
        ('[[faults]]\nkind = "reset"\n', "faults[0].api: required"),
        ('[[faults]]\napi = "printlounge"\nkind = "reset"\nodds = 1\n', "faults[0].odds: unknown key"),
        ("faults = 3\n", "faults: must be an array of tables"),
        ('[[rate_limits]]\napi = "printlounge"\nrequests = 5\nper = "soon"\n', "rate_limits[0].per: must be a"),
        ('[[rate_limits]]\napi = "printlounge"\nper = "1s"\n', "rate_limits[0].requests: required"),
        ('[[rate_limits]]\napi = "printlounge"\nrequests = 1\nper = "1s"\nkey = "ip"\n', "rate_limits[0].key:"),
    ],
)
def test_bad_config_is_one_line_naming_the_key_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    config = tmp_path / "mock-server.toml"
    config.write_text(text, encoding="utf-8")
    assert main(["serve", "--config", str(config), "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"{config}: {message}" in err, err


def test_config_rule_for_an_api_that_is_not_mounted_stops_serve(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "mock-server.toml"
    config.write_text('[[faults]]\napi = "nope"\nkind = "reset"\n', encoding="utf-8")
    assert main(["serve", "--config", str(config), "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "faults[0].api: no mounted API 'nope'; mounted: eguma, mittwald, plandocket, printlounge" in err, err


@pytest.mark.parametrize(
    ("per", "seconds"), [("60s", 60.0), ("500ms", 0.5), ("2m", 120.0), ("1h", 3600.0), (30, 30.0), ("1.5s", 1.5)]
)
def test_durations(per: object, seconds: float) -> None:
    config = ResilienceConfig.from_config({"rate_limits": [{"api": "a", "requests": 1, "per": per}]})
    assert config.rate_limits[0].per_s == seconds


@pytest.mark.parametrize("per", ["0s", "-1s", "fast", True, "1d"])
def test_bad_durations(per: object) -> None:
    with pytest.raises(RuleError, match=r"rate_limits\[0\]\.per"):
        ResilienceConfig.from_config({"rate_limits": [{"api": "a", "requests": 1, "per": per}]})


@pytest.mark.parametrize(
    ("option", "value"), [("--fault-timeout", "0"), ("--fault-timeout", "x"), ("--fault-slow", "0")]
)
def test_fault_timing_options_are_checked(capsys: pytest.CaptureFixture[str], option: str, value: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["serve", option, value])
    assert exit_info.value.code == 2
    assert option in capsys.readouterr().err


def test_fault_timing_options_reach_the_settings() -> None:
    args = build_parser().parse_args(["serve", "--fault-timeout", "2.5", "--fault-slow", "250"])
    settings = settings_from_args(args)
    assert (settings.fault_timeout_s, settings.fault_slow_ms) == (2.5, 250)
    defaults = settings_from_args(build_parser().parse_args(["serve"]))
    assert (defaults.fault_timeout_s, defaults.fault_slow_ms) == (30.0, 5000)
