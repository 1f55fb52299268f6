"""This module contains the benchmarked requests (one list with a filter and the detail endpoints per API) and
their discovery: filter values and ids are picked from the data a running mock-server serves.

Every server gets the same request path; only the base differs (mock-server and the ceiling mount each API under
/<api>, Prism and Connexion's mock serve one spec at /).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from servers import get

TOKEN = "bench-token"
APIKEY = "bench-key"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
APIS = ("plandocket", "eguma", "printlounge", "mittwald")
ROWS = 20
"""The page size of paged lists, and the result size a filter value is chosen to come close to."""


@dataclass(frozen=True)
class Target:
    """One benchmarked request: `path` is relative to the API's base URL; `operation` is the spec path."""

    api: str
    name: str
    kind: str  # "list" | "detail"
    path: str
    operation: str
    headers: tuple[tuple[str, str], ...] = ()
    note: str = ""

    @property
    def id(self) -> str:
        return f"{self.api} {self.name}"

    def header_dict(self) -> dict[str, str]:
        return dict(self.headers)


def _closest(counts: Counter[Any], want: int = ROWS) -> Any:
    """The value whose count is closest to `want` (ties: the larger count, then the smaller value)."""
    return min(counts, key=lambda v: (abs(counts[v] - want), -counts[v], str(v)))


def _json(url: str, headers: dict[str, str]) -> Any:
    status, _, body = get(url, headers, timeout=120)
    if status != 200:
        raise RuntimeError(f"discovery: {url} answered {status}: {body[:300]!r}")
    return json.loads(body)


def growth_targets() -> list[Target]:
    """Filtered, paged lists whose parameters don't depend on the data (the growth curve)."""
    return [
        Target(
            "printlounge",
            "list",
            "list",
            f"/api/order/?orderStatus=61&limit={ROWS}",
            "/api/order/",
            note="orderStatus=61, limit 20, first page (keyset paging)",
        ),
        Target(
            "mittwald",
            "list",
            "list",
            f"/v2/orders/?includesStatus=NEW&limit={ROWS}",
            "/v2/orders/",
            tuple(BEARER.items()),
            note="includesStatus=NEW, limit 20, first page (offset paging)",
        ),
    ]


def discover(base: dict[str, str]) -> list[Target]:
    """The benchmark's requests, with filter values and ids taken from the mock-server at `base[api]`."""
    bearer = tuple(BEARER.items())
    targets: list[Target] = []

    # PlanDocket documents no paging, so a filter alone must keep the answer small: status=confirmed matches about
    # half the orders (megabytes); AND-ed with the participant that has the most confirmed orders it is a handful.
    orders = _json(f"{base['plandocket']}/api/v1/service-orders?status=confirmed", BEARER)["data"]
    participants = Counter(o["event_participant_id"] for o in orders if o.get("event_participant_id") is not None)
    participant = min(participants, key=lambda p: (-participants[p], p))
    targets.append(
        Target(
            "plandocket",
            "list",
            "list",
            f"/api/v1/service-orders?status=confirmed&participant_id={participant}",
            "/api/v1/service-orders",
            bearer,
            note=f"status=confirmed AND participant_id (matches {participants[participant]}; no paging)",
        )
    )
    targets.append(
        Target(
            "plandocket",
            "detail",
            "detail",
            f"/api/v1/service-orders/{orders[0]['id']}",
            "/api/v1/service-orders/{id}",
            bearer,
            note="one service order by id",
        )
    )

    # e-guma: no paging either; the last name whose order count is closest to 20.
    everything = _json(f"{base['eguma']}/v1/ticketing/orders.json?apikey={APIKEY}", {})
    names = Counter(o["customer"]["last_name"] for o in everything if o.get("customer"))
    name = _closest(names)
    targets.append(
        Target(
            "eguma",
            "list",
            "list",
            f"/v1/ticketing/orders.json?apikey={APIKEY}&last_name={quote(name)}",
            "/v1/ticketing/orders.json",
            note=f"last_name (matches {names[name]}; no paging)",
        )
    )

    page = _json(f"{base['printlounge']}/api/order/?orderStatus=61&limit={ROWS}", {})
    code = page[0]["orderCode"]
    paged = growth_targets()
    targets.append(paged[0])
    targets.append(
        Target(
            "printlounge",
            "cart",
            "detail",
            f"/api/cart/{code}",
            "/api/cart/{orderCode}",
            note="the full cart of one order",
        )
    )
    targets.append(
        Target(
            "printlounge",
            "status",
            "detail",
            f"/api/order/{code}",
            "/api/order/{orderCode}",
            note="the status of one order",
        )
    )
    targets.append(paged[1])
    return targets
