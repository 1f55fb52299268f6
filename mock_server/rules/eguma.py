"""This module contains e-guma's business rules: line, ticket, people and payment sums in cents, opt-in, starts_at.

Amounts are integer cents. An order line is an admission when its name says so (ADMISSION); only admissions may have
no `starts_at`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from mock_server.rules.base import Context, Rule, RuleSet, Violation, first_name_for, ordered, person_email
from mock_server.types import Record

if TYPE_CHECKING:
    from mock_server.generate import Generator

ORDERS = "orders"
ADMISSION = re.compile(r"eintritt|admission|entrée|ingresso", re.IGNORECASE)
"""Order line names of admission tickets (day tickets, exhibitions) as opposed to dated events."""
MAX_QUANTITY = 6
"""Tickets per order line: the spec gives quantity no bounds, so larger generated values are redrawn."""
EVENT_TIMES = ((10, 0), (14, 0), (18, 30), (19, 30), (20, 0))


def _is_admission(line: Record) -> bool:
    return bool(ADMISSION.search(str(line.get("name", ""))))


def _fix_lines(order: Record, ctx: Context, gen: Generator) -> None:
    created = gen.anchor
    for line in order["order_lines"]:
        if not 1 <= line["quantity"] <= MAX_QUANTITY:
            line["quantity"] = gen.rng.randint(1, 4)
        quantity = line["quantity"]
        tickets = line["tickets"][:quantity]
        tickets += [gen.value(ORDERS, "order_lines/*/tickets/*") for _ in range(quantity - len(tickets))]
        line["tickets"] = tickets
        line["total_price_in_cents"] = quantity * line["unit_price_in_cents"]
        line["total_count_people"] = sum(ticket["count_people"] for ticket in tickets)
        if _is_admission(line) and gen.rng.random() < 0.7:
            line["starts_at"] = None
        else:
            hour, minute = gen.pick(EVENT_TIMES)
            day = created + gen.gap(timedelta(days=1), timedelta(days=90))
            line["starts_at"] = gen.stamp(
                ORDERS, "order_lines/*/starts_at", day.replace(hour=hour, minute=minute, second=0)
            )


def _fix_totals(order: Record, ctx: Context, gen: Generator) -> None:
    lines = sum(line["total_price_in_cents"] for line in order["order_lines"])
    discount = order["discount_in_cents"]
    if not 0 <= discount <= lines // 2 or discount % 100:
        # Mostly no discount; otherwise a round voucher of about a fifth of the order.
        order["discount_in_cents"] = 0 if gen.rng.random() < 0.7 else (lines // 5) // 500 * 500
    grand = lines - order["discount_in_cents"]
    order["grand_total_in_cents"] = grand
    payments = order["payments"][: 1 if gen.rng.random() < 0.85 else 2] or [gen.value(ORDERS, "payments/*")]
    first = grand if len(payments) == 1 else grand - grand // 2 // 100 * 100
    amounts = [first, *[grand - first] * (len(payments) - 1)]
    for payment, amount in zip(payments, amounts, strict=True):
        payment["amount_in_cents"] = amount
        payment["is_complimentary"] = payment["is_complimentary"] and amount == 0
    order["payments"] = payments


def _fix_times(order: Record, ctx: Context, gen: Generator) -> None:
    created = gen.anchor
    # "When an order is created then updated_at has the same value as created_at."
    updated = created if gen.rng.random() < 0.6 else created + gen.gap(timedelta(minutes=1), timedelta(days=10))
    order["created_at"] = gen.stamp(ORDERS, "created_at", created)
    order["updated_at"] = gen.stamp(ORDERS, "updated_at", updated)
    customer = order["customer"]
    if customer is not None:
        if customer["title"] != "Company":
            customer["first_name"] = first_name_for(gen, customer["title"])
        customer["email"] = person_email(customer["first_name"], customer["last_name"], customer["email"])
        confirmed = None
        if customer["accepts_marketing"]:
            confirmed = gen.stamp(
                ORDERS,
                "customer/double_opt_in_confirmed_at",
                created - gen.gap(timedelta(minutes=10), timedelta(days=300)),
            )
        customer["double_opt_in_confirmed_at"] = confirmed


def _lines(order: Record) -> Iterator[tuple[int, Record]]:
    return ((i, line) for i, line in enumerate(order["order_lines"]) if isinstance(line, dict))


def _check_line_totals(order: Record, ctx: Context) -> Iterator[Violation]:
    for i, line in _lines(order):
        expected = line["quantity"] * line["unit_price_in_cents"]
        if line["total_price_in_cents"] != expected:
            yield Violation(
                f"/order_lines/{i}/total_price_in_cents",
                f"total_price_in_cents {line['total_price_in_cents']} is not quantity * unit_price_in_cents"
                f" ({line['quantity']} * {line['unit_price_in_cents']} = {expected})",
            )


def _check_tickets(order: Record, ctx: Context) -> Iterator[Violation]:
    for i, line in _lines(order):
        if len(line["tickets"]) != line["quantity"]:
            yield Violation(
                f"/order_lines/{i}/tickets",
                f"{len(line['tickets'])} tickets for quantity {line['quantity']} (one ticket per unit of quantity)",
            )


def _check_people(order: Record, ctx: Context) -> Iterator[Violation]:
    for i, line in _lines(order):
        expected = sum(ticket["count_people"] for ticket in line["tickets"])
        if line["total_count_people"] != expected:
            yield Violation(
                f"/order_lines/{i}/total_count_people",
                f"total_count_people {line['total_count_people']} is not the sum of the tickets' "
                f"count_people ({expected})",
            )


def _check_grand_total(order: Record, ctx: Context) -> Iterator[Violation]:
    lines = sum(line["total_price_in_cents"] for _, line in _lines(order))
    expected = lines - order["discount_in_cents"]
    if order["grand_total_in_cents"] != expected:
        yield Violation(
            "/grand_total_in_cents",
            f"grand_total_in_cents {order['grand_total_in_cents']} is not the sum of the line totals minus "
            f"discount_in_cents ({lines} - {order['discount_in_cents']} = {expected})",
        )


def _check_payments(order: Record, ctx: Context) -> Iterator[Violation]:
    paid = sum(payment["amount_in_cents"] for payment in order["payments"])
    if paid != order["grand_total_in_cents"]:
        yield Violation(
            "/payments", f"payments add up to {paid}, not to grand_total_in_cents {order['grand_total_in_cents']}"
        )


def _check_opt_in(order: Record, ctx: Context) -> Iterator[Violation]:
    customer: Any = order["customer"]
    if customer and not customer["accepts_marketing"] and customer["double_opt_in_confirmed_at"] is not None:
        yield Violation(
            "/customer/double_opt_in_confirmed_at",
            "double_opt_in_confirmed_at is set although accepts_marketing is false",
        )


def _check_starts_at(order: Record, ctx: Context) -> Iterator[Violation]:
    for i, line in _lines(order):
        if line["starts_at"] is None and not _is_admission(line):
            yield Violation(
                f"/order_lines/{i}/starts_at",
                f"starts_at is null but {line['name']!r} is not an admission ticket "
                "(only admissions may have no start)",
            )


RULES = RuleSet(
    api="eguma",
    rules=(
        Rule("lines", ORDERS, fix=_fix_lines),
        Rule("line-total", ORDERS, check=_check_line_totals),
        Rule("tickets", ORDERS, check=_check_tickets),
        Rule("people", ORDERS, check=_check_people),
        Rule("starts-at", ORDERS, check=_check_starts_at),
        Rule("totals", ORDERS, fix=_fix_totals),
        Rule("grand-total", ORDERS, check=_check_grand_total),
        Rule("payments", ORDERS, check=_check_payments),
        Rule("times", ORDERS, fix=_fix_times),
        ordered("updated-after-created", ORDERS, "created_at", "updated_at"),
        Rule("opt-in", ORDERS, check=_check_opt_in),
    ),
    # The spec documents the value sets but no proportions: most orders complete, most are sold online.
    weights={
        ORDERS: {
            "status": {"completed": 92, "cancelled": 8},
            "location": {"web": 75, "local": 25},
            "customer/title": {"Mr": 45, "Mrs": 45, "Company": 10},
        }
    },
)
