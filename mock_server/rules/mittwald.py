"""This module contains mittwald's business rules: the summary adds up, contract changes name their contract.

Item prices are recurring (per month); `summary.recurring` is their sum, `summary.nonRecurring` one-off fees.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING

from mock_server.rules.base import Context, Rule, RuleSet, Violation, cents, first_name_for, money, person_email
from mock_server.types import Record

if TYPE_CHECKING:
    from mock_server.generate import Generator

ORDERS = "orders"
CONTRACT_CHANGE = "CONTRACT_CHANGE"
CATALOG = {
    "PS23-BASIC-0001": ("proSpace lite", "proSpace"),
    "PS23-PLUS-0004": ("proSpace", "proSpace"),
    "SS23-0004": ("Space-Server", "spaceServer"),
    "DOMAIN-DE": ("Domain .de", "domain"),
    "MAIL-ADDRESS-0001": ("E-Mail-Adresse", "mailAddress"),
}
"""articleId -> (articleName, articleTemplateName), so an item's names agree with its article."""
SETUP_FEES = (0.0, 0.0, 0.0, 9.9, 19.9, 49.0)


def _fix_items(order: Record, ctx: Context, gen: Generator) -> None:
    change = order["type"] == CONTRACT_CHANGE
    for item in order["items"]:
        if item["articleId"] in CATALOG:
            item["articleName"], item["articleTemplateName"] = CATALOG[item["articleId"]]
        if item["isInclusive"]:
            item["price"] = 0.0
        if item.get("articleTemplateName") != "domain":
            item.pop("predefinedDomainAggregateId", None)
        if change:
            item["reference"] = {"contractItemId": gen.value(ORDERS, "items/*/reference/contractItemId")}
        else:
            item.pop("reference", None)


def _fix_order(order: Record, ctx: Context, gen: Generator) -> None:
    if order["type"] == CONTRACT_CHANGE:
        order["contractChangeContractId"] = gen.value(ORDERS, "contractChangeContractId")
    else:
        order.pop("contractChangeContractId", None)
    recurring = sum(cents(item["price"]) for item in order["items"])
    once = cents(gen.pick(SETUP_FEES))
    order["summary"] = {"nonRecurring": money(once), "recurring": money(recurring), "summary": money(once + recurring)}
    profile = order.get("profile")
    if profile:
        profile["firstName"] = first_name_for(gen, profile.get("title"))
        profile["email"] = person_email(profile.get("firstName"), profile.get("lastName"), profile["email"])
    ordered_at = gen.anchor
    order["orderDate"] = gen.stamp(ORDERS, "orderDate", ordered_at)
    order["dueDate"] = gen.stamp(ORDERS, "dueDate", ordered_at + timedelta(days=14))


def _check_summary(order: Record, ctx: Context) -> Iterator[Violation]:
    summary = order["summary"]
    expected = cents(summary["nonRecurring"]) + cents(summary["recurring"])
    if cents(summary["summary"]) != expected:
        yield Violation(
            "/summary/summary",
            f"summary {summary['summary']} is not nonRecurring + recurring "
            f"({summary['nonRecurring']} + {summary['recurring']} = "
            f"{money(expected):.2f})",
        )


def _check_recurring(order: Record, ctx: Context) -> Iterator[Violation]:
    expected = sum(cents(item["price"]) for item in order["items"])
    if cents(order["summary"]["recurring"]) != expected:
        yield Violation(
            "/summary/recurring",
            f"recurring {order['summary']['recurring']} is not the sum of the items' prices ({money(expected):.2f})",
        )


def _check_contract_change(order: Record, ctx: Context) -> Iterator[Violation]:
    has_contract = "contractChangeContractId" in order
    if order["type"] == CONTRACT_CHANGE and not has_contract:
        yield Violation("/contractChangeContractId", "missing: CONTRACT_CHANGE orders carry contractChangeContractId")
    elif order["type"] != CONTRACT_CHANGE and has_contract:
        yield Violation(
            "/contractChangeContractId",
            f"{order['type']} orders must not carry contractChangeContractId (only CONTRACT_CHANGE)",
        )


RULES = RuleSet(
    api="mittwald",
    rules=(
        Rule("items", ORDERS, fix=_fix_items),
        Rule("order", ORDERS, fix=_fix_order),
        Rule("summary", ORDERS, check=_check_summary),
        Rule("recurring-items", ORDERS, check=_check_recurring),
        Rule("contract-change", ORDERS, check=_check_contract_change),
    ),
)
