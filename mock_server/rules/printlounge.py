"""This module contains printlounge's business rules: gross = net + VAT, cart items belong to their cart.

The order list entry and the order status are projections of the one cart record (docs/spec-extensions.md `view`),
so they agree by construction; the hidden `internalOrderCode` must be present and unique.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from mock_server.rules.base import (
    Context,
    Rule,
    RuleSet,
    Violation,
    cents,
    first_name_for,
    money,
    money_sum,
    ordered,
    person_email,
)
from mock_server.types import Record

if TYPE_CHECKING:
    from mock_server.generate import Generator

ORDERS = "orders"
VAT_RATE = 0.19
ARTICLE, SHIPPING = 1, 2
"""Cart item types (see the spec's CartItem.type)."""
COUNTRIES = {"DE": "Deutschland", "AT": "Österreich", "CH": "Schweiz"}


def _fix_items(cart: Record, ctx: Context, gen: Generator) -> None:
    items = list(cart["cartItems"].values())
    items[0]["type"] = ARTICLE
    created = gen.anchor
    for item in items:
        item["order_id"], item["client_id"], item["order_number"] = cart["id"], cart["client_id"], cart["order_number"]
        added = created + gen.gap(timedelta(0), timedelta(minutes=30))
        item["cdate"] = gen.stamp(ORDERS, "cartItems/*/cdate", added)
        item["mdate"] = gen.stamp(ORDERS, "cartItems/*/mdate", added + gen.gap(timedelta(0), timedelta(hours=2)))
    if cart["shipping_charges"] and len(items) > 1:
        shipping = items[-1]
        shipping["type"], shipping["s_total"] = SHIPPING, f"{cart['shipping_charges']:.2f}"
    cart["cartItems"] = {str(position): item for position, item in enumerate(items, start=1)}


def _fix_addresses(cart: Record, ctx: Context, gen: Generator) -> None:
    # One person per address: the full name, the country and the email follow the name parts and country code.
    for prefix in ("order_deliver_address", "invoice_address"):
        cart[f"{prefix}_firstname"] = first_name_for(gen, cart[f"{prefix}_title"])
        first, last = cart[f"{prefix}_firstname"], cart[f"{prefix}_lastname"]
        cart[f"{prefix}_name"] = f"{first} {last}"
        cart[f"{prefix}_country"] = COUNTRIES.get(cart[f"{prefix}_country_code"], cart[f"{prefix}_country"])
    first, last = cart["order_deliver_address_firstname"], cart["order_deliver_address_lastname"]
    cart["order_deliver_address_email"] = person_email(first, last, cart["order_deliver_address_email"])
    cart["emailing_name"] = cart["order_deliver_address_name"]
    cart["emailing_email"] = cart["order_deliver_address_email"]


def _fix_amounts(cart: Record, ctx: Context, gen: Generator) -> None:
    net = sum(cents(item["s_total"]) for item in cart["cartItems"].values())
    vat = round(net * VAT_RATE)
    cart["net_amount"], cart["vat_amount"], cart["gross_amount"] = money(net), money(vat), money(net + vat)
    # The budget booking is taken from the budget before it.
    before, booking = cents(cart["order_budget_before"]), cents(cart["order_budget_booking"])
    cart["order_budget_booking_after"] = money(before - min(booking, before))


def _fix_times(cart: Record, ctx: Context, gen: Generator) -> None:
    # created -> paid -> printed -> shipped -> delivered; modified last.
    created = gen.anchor
    printed = created + gen.gap(timedelta(hours=2), timedelta(days=3))
    shipped = printed + gen.gap(timedelta(hours=4), timedelta(days=3))
    modified = shipped + gen.gap(timedelta(0), timedelta(days=1))

    def stamp(name: str, moment: datetime) -> str:
        return gen.stamp(ORDERS, name, moment)

    for name, moment in (("cdate", created), ("pdate", printed), ("sdate", shipped), ("mdate", modified)):
        cart[name] = stamp(name, moment)
    cart["order_delivery_date"] = stamp(
        "order_delivery_date", (shipped + timedelta(days=2)).replace(hour=0, minute=0, second=0)
    )
    cart["date_of_invoice"] = stamp("date_of_invoice", shipped)
    paid = created + gen.gap(timedelta(minutes=5), timedelta(hours=1))
    cart["date_paid"] = stamp("date_paid", paid) if cart["status_paid"] else ""


def _check_item_order(cart: Record, ctx: Context) -> Iterator[Violation]:
    for key, item in cart["cartItems"].items():
        if item["order_id"] != cart["id"]:
            yield Violation(
                f"/cartItems/{key}/order_id", f"order_id {item['order_id']} is not the cart's id {cart['id']}"
            )


def _check_item_keys(cart: Record, ctx: Context) -> Iterator[Violation]:
    keys = list(cart["cartItems"])
    expected = [str(position) for position in range(1, len(keys) + 1)]
    if keys != expected:
        yield Violation("/cartItems", f'cartItems keys must run "1".."{len(keys)}" in order, found {keys}')


RULES = RuleSet(
    api="printlounge",
    rules=(
        Rule("items", ORDERS, fix=_fix_items),
        Rule("item-order", ORDERS, check=_check_item_order),
        Rule("item-keys", ORDERS, check=_check_item_keys),
        Rule("addresses", ORDERS, fix=_fix_addresses),
        Rule("amounts", ORDERS, fix=_fix_amounts),
        money_sum("gross", ORDERS, "gross_amount", ("net_amount", "vat_amount")),
        Rule("times", ORDERS, fix=_fix_times),
        ordered("updated-after-created", ORDERS, "cdate", "mdate"),
        ordered("item-updated-after-created", ORDERS, "cdate", "mdate", scope="cartItems/*"),
    ),
    # Order numbers and invoice numbers identify an order as much as its code does.
    unique={ORDERS: ("internalOrderCode", "order_number", "invoice_number", "cartItems/*/id")},
)
