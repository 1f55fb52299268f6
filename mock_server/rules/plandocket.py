"""This module contains PlanDocket's business rules: money to the cent, items add up, the status lifecycle."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING

from mock_server.rules.base import (
    Context,
    Rule,
    RuleSet,
    Violation,
    cents,
    money,
    money_sum,
    ordered,
    person_email,
    vocabulary,
)
from mock_server.types import Record

if TYPE_CHECKING:
    from mock_server.generate import Generator

ORDERS = "service_orders"
ITEMS = "service_order_items"
PARTICIPANTS = "participants"
VAT_RATE = 0.19
"""German VAT on services."""
CANCELLED = "cancelled"


def _fix_item_total(item: Record, ctx: Context, gen: Generator) -> None:
    item["total"] = money(item["quantity"] * cents(item["unit_price"]))


def _check_item_total(item: Record, ctx: Context) -> Iterator[Violation]:
    quantity, unit_price, total = item.get("quantity"), item.get("unit_price"), item.get("total")
    if quantity is not None and unit_price is not None and total is not None:
        expected = quantity * cents(unit_price)
        if cents(total) != expected:
            yield Violation(
                "/total",
                f"total {total} is not quantity * unit_price ({quantity} * {unit_price} = {money(expected):.2f})",
            )


def _fix_amounts(order: Record, ctx: Context, gen: Generator) -> None:
    subtotal = sum(cents(item["total"]) for item in ctx.links.related(ORDERS, "items", order))
    tax = round(subtotal * VAT_RATE)
    order["subtotal"], order["tax_total"], order["total"] = money(subtotal), money(tax), money(subtotal + tax)


def _check_subtotal(order: Record, ctx: Context) -> Iterator[Violation]:
    items = ctx.links.related(ORDERS, "items", order)
    expected = sum(cents(item["total"]) for item in items if item.get("total") is not None)
    if cents(order["subtotal"]) != expected:
        yield Violation(
            "/subtotal",
            f"subtotal {order['subtotal']} is not the sum of the totals of the order's "
            f"{len(items)} items ({money(expected):.2f})",
        )


def _fix_lifecycle(order: Record, ctx: Context, gen: Generator) -> None:
    # draft -> submitted -> confirmed; cancelled after submission (half of them after confirmation).
    status = order["status"]
    moment = created = gen.anchor
    times: dict[str, object] = {"submitted_at": None, "confirmed_at": None, "cancelled_at": None}
    if status != "draft":
        moment += gen.gap(timedelta(minutes=5), timedelta(days=2))
        times["submitted_at"] = gen.stamp(ORDERS, "submitted_at", moment)
    if status == "confirmed" or (status == CANCELLED and gen.rng.random() < 0.5):
        moment += gen.gap(timedelta(hours=1), timedelta(days=4))
        times["confirmed_at"] = gen.stamp(ORDERS, "confirmed_at", moment)
    if status == CANCELLED:
        moment += gen.gap(timedelta(hours=1), timedelta(days=6))
        times["cancelled_at"] = gen.stamp(ORDERS, "cancelled_at", moment)
    order.update(times)
    order["created_at"] = gen.stamp(ORDERS, "created_at", created)
    order["updated_at"] = gen.stamp(ORDERS, "updated_at", moment + gen.gap(timedelta(0), timedelta(hours=12)))
    order["cancellation_reason"] = gen.value(ORDERS, "cancellation_reason") if status == CANCELLED else None
    # Drafts have no order number yet; every submitted order has one.
    if status == "draft":
        order["order_number"] = None
    elif order["order_number"] is None:
        order["order_number"] = gen.value(ORDERS, "order_number")


def _check_cancellation(order: Record, ctx: Context) -> Iterator[Violation]:
    cancelled = order["status"] == CANCELLED
    for name in ("cancelled_at", "cancellation_reason"):
        if cancelled and order.get(name) is None:
            yield Violation(f"/{name}", f"{name} is null but status is {CANCELLED!r} (set exactly when cancelled)")
        elif not cancelled and order.get(name) is not None:
            yield Violation(f"/{name}", f"{name} is set but status is {order['status']!r} (set exactly when cancelled)")


def _check_status(order: Record, ctx: Context) -> Iterator[Violation]:
    known = vocabulary(ctx.model, ORDERS, "status")
    if known and order["status"] not in known:
        yield Violation(
            "/status", f"status {order['status']!r} is not in the status vocabulary ({', '.join(map(str, known))})"
        )


def _fix_event(order: Record, ctx: Context, gen: Generator) -> None:
    # An order belongs to the event its participant is registered for.
    for participant in ctx.links.related(ORDERS, "participant", order):
        if participant.get("event_key") is not None:
            order["event_key"] = participant["event_key"]


def _fix_participant(participant: Record, ctx: Context, gen: Generator) -> None:
    participant["email"] = person_email(
        participant.get("first_name"), participant.get("last_name"), participant.get("email")
    )


RULES = RuleSet(
    api="plandocket",
    rules=(
        Rule("item-total", ITEMS, check=_check_item_total, fix=_fix_item_total),
        Rule("participant", PARTICIPANTS, fix=_fix_participant),
        Rule("status", ORDERS, check=_check_status),
        Rule("lifecycle", ORDERS, fix=_fix_lifecycle),
        Rule("cancellation", ORDERS, check=_check_cancellation),
        ordered("confirmed-after-submitted", ORDERS, "submitted_at", "confirmed_at"),
        ordered("updated-after-created", ORDERS, "created_at", "updated_at"),
        Rule("amounts", ORDERS, fix=_fix_amounts),
        money_sum("total", ORDERS, "total", ("subtotal", "tax_total")),
        Rule("subtotal-items", ORDERS, check=_check_subtotal),
        Rule("event", ORDERS, fix=_fix_event),
    ),
)
