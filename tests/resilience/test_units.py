"""Pure parts: the Prefer decoding, which operation a request is for, and the rate limiter's windows on a fake
clock."""

from __future__ import annotations

import pytest

from mock_server.app import MockApp
from mock_server.faults.kinds import Fault, FaultKindError, fault_from_prefer, without_fault
from mock_server.faults.operations import OperationIndex
from mock_server.faults.ratelimit import Caller, RateLimiter
from mock_server.faults.rules import RateLimitRule


@pytest.mark.parametrize(
    ("header", "fault"),
    [
        ("fault=reset", Fault("reset")),
        ("FAULT=Slow", Fault("slow")),
        ('fault="truncate"', Fault("truncate")),
        ("example=cancelled, fault=code=503", Fault("code", 503)),
        ("code=404; fault=close", Fault("close")),
        ("code=404", None),
        (None, None),
    ],
)
def test_prefer_decoding(header: str | None, fault: Fault | None) -> None:
    assert fault_from_prefer(header) == fault


def test_prefer_with_an_unknown_fault_names_the_kinds() -> None:
    with pytest.raises(FaultKindError, match="kinds: reset, close, timeout, truncate, malformed, slow, code=NNN"):
        fault_from_prefer("fault=explode")


def test_the_other_preferences_survive() -> None:
    assert without_fault("fault=code=404, example=cancelled") == "example=cancelled"
    assert without_fault("fault=reset") == ""


def test_operation_index_finds_the_operation_or_the_api(fault_app: MockApp) -> None:
    runtime = fault_app.runtime
    index = OperationIndex(runtime.models, runtime.base_path)
    listed = index.find("GET", "/plandocket/api/v1/service-orders")
    one = index.find("GET", "/plandocket/api/v1/service-orders/17")
    head = index.find("HEAD", "/plandocket/api/v1/service-orders/17")
    slash = index.find("GET", "/mittwald/v2/orders/")
    unknown = index.find("GET", "/plandocket/nothing/here")
    assert listed is not None and (listed.api, listed.operation) == ("plandocket", "listServiceOrders")
    assert one is not None and one.operation == "getServiceOrder" and "404" in one.responses
    assert head == one
    assert slash is not None and slash.operation == "order-list-orders"
    assert unknown is not None and (unknown.api, unknown.operation) == ("plandocket", None)
    assert index.find("GET", "/favicon.ico") is None
    assert index.find("GET", "/plandocketx/api/v1/service-orders") is None


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_fixed_window_resets_after_per_and_violations_say_how_early() -> None:
    clock = Clock()
    limiter = RateLimiter(clock)
    limiter.add(RateLimitRule(api="a", requests=2, per_s=10.0))
    caller = Caller("127.0.0.1", None)
    decisions = [limiter.check("a", "op", caller) for _ in range(3)]
    assert [d.limited for d in decisions if d] == [False, False, True]
    assert decisions[2] is not None and decisions[2].retry_after == 10
    clock.now += 4
    early = limiter.check("a", "op", caller)
    assert early is not None and early.limited and early.retry_after == 6
    (violation,) = limiter.violations()
    assert violation["early_seconds"] == 6.0
    clock.now += 6
    again = limiter.check("a", "op", caller)
    assert again is not None and not again.limited
    assert dict(again.headers)["RateLimit-Remaining"] == "1"
    assert limiter.check("b", "op", caller) is None  # another API: no limit applies


def test_the_tightest_of_several_limits_shows_in_the_headers() -> None:
    limiter = RateLimiter(Clock())
    limiter.add(RateLimitRule(api="a", requests=100, per_s=60.0))
    limiter.add(RateLimitRule(api="a", operation="op", requests=3, per_s=1.0))
    decision = limiter.check("a", "op", Caller("127.0.0.1", None))
    assert decision is not None
    assert dict(decision.headers) == {"RateLimit-Limit": "3", "RateLimit-Remaining": "2", "RateLimit-Reset": "1"}
