"""Tests of the business rules: generated data obeys every rule, and one broken fixture per rule is rejected."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from faker.providers.person.de_CH import Provider as SwissNames
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.dataset import Dataset, check_dataset, generate_dataset
from mock_server.model import ApiModel
from mock_server.rules import RULESETS, rules_for
from mock_server.rules.base import cents, each, person_email, pointer
from mock_server.specs import Spec
from mock_server.types import Record

SPEC_DIR = Path(__file__).resolve().parents[2] / "specs"
APIS = ("plandocket", "eguma", "printlounge", "mittwald")
Resources = dict[str, list[Record]]


@cache
def _model(api: str) -> ApiModel:
    return ApiModel.from_spec(Spec.from_file(SPEC_DIR / f"{api}.yaml"))


@cache
def _dataset(api: str) -> Dataset:
    return generate_dataset(_model(api), seed=42, count=8)


def _first(records: list[Record], test: Callable[[Record], bool]) -> tuple[int, Record]:
    return next((i, r) for i, r in enumerate(records) if test(r))


# -- one broken fixture per rule: each mutates a copy of a valid dataset and returns (where, wording) --------------


def _pd_total(res: Resources) -> tuple[str, str]:
    res["service_orders"][1]["total"] = round(res["service_orders"][1]["total"] + 0.01, 2)
    return "service_orders record 1: /total", "is not subtotal + tax_total"


def _pd_subtotal(res: Resources) -> tuple[str, str]:
    order = res["service_orders"][2]
    order["subtotal"], order["total"] = round(order["subtotal"] + 1, 2), round(order["total"] + 1, 2)
    return "service_orders record 2: /subtotal", "is not the sum of the totals of the order's"


def _pd_item_total(res: Resources) -> tuple[str, str]:
    res["service_order_items"][0]["total"] = round(res["service_order_items"][0]["total"] + 0.5, 2)
    return "service_order_items record 0: /total", "is not quantity * unit_price"


def _pd_confirmed(res: Resources) -> tuple[str, str]:
    res["service_orders"][0].update(submitted_at="2025-06-02T00:00:00Z", confirmed_at="2025-06-01T00:00:00Z")
    return "service_orders record 0: /confirmed_at", "is before submitted_at"


def _pd_updated(res: Resources) -> tuple[str, str]:
    res["service_orders"][3]["updated_at"] = "2000-01-01T00:00:00Z"
    return "service_orders record 3: /updated_at", "is before created_at"


def _pd_cancelled_without_date(res: Resources) -> tuple[str, str]:
    index, order = _first(res["service_orders"], lambda o: o["status"] != "cancelled")
    order["status"] = "cancelled"
    return f"service_orders record {index}: /cancelled_at", "is null but status is 'cancelled'"


def _pd_reason_without_cancel(res: Resources) -> tuple[str, str]:
    index, order = _first(res["service_orders"], lambda o: o["status"] != "cancelled")
    order["cancellation_reason"] = "Doppelte Bestellung."
    return f"service_orders record {index}: /cancellation_reason", "is set but status is"


def _pd_status(res: Resources) -> tuple[str, str]:
    res["service_orders"][4]["status"] = "shipped"
    return "service_orders record 4: /status", "'shipped' is not in the status vocabulary"


def _pd_participant(res: Resources) -> tuple[str, str]:
    res["service_orders"][5]["event_participant_id"] = 999999
    return "service_orders record 5: /event_participant_id", "999999 matches no participants record"


def _pd_orphan_item(res: Resources) -> tuple[str, str]:
    res["service_order_items"][1]["service_order_id"] = 999999
    return "service_order_items record 1: /service_order_id", "999999 matches no service_orders record"


def _pd_duplicate_key(res: Resources) -> tuple[str, str]:
    res["participants"][1]["id"] = res["participants"][0]["id"]
    return "participants record 1: /id", "is not unique (also in participants record 0)"


def _pd_duplicate_number(res: Resources) -> tuple[str, str]:
    for order in res["service_orders"][:2]:
        order.update(order_number="SO-000001", status="submitted")
    return "service_orders record 1: /order_number", "'SO-000001' is not unique"


def _pd_included(res: Resources) -> tuple[str, str]:
    res["service_orders"][0]["items"] = []
    return "service_orders record 0: /items", "is filled in by include=items"


def _eg_line_total(res: Resources) -> tuple[str, str]:
    res["orders"][0]["order_lines"][0]["total_price_in_cents"] += 1
    return "orders record 0: /order_lines/0/total_price_in_cents", "is not quantity * unit_price_in_cents"


def _eg_tickets(res: Resources) -> tuple[str, str]:
    line = res["orders"][1]["order_lines"][0]
    line["tickets"].append({"number": "4000000000000000001", "count_people": 0})
    return "orders record 1: /order_lines/0/tickets", "(one ticket per unit of quantity)"


def _eg_people(res: Resources) -> tuple[str, str]:
    res["orders"][2]["order_lines"][0]["total_count_people"] += 1
    return "orders record 2: /order_lines/0/total_count_people", "is not the sum of the tickets' count_people"


def _eg_grand_total(res: Resources) -> tuple[str, str]:
    order = res["orders"][3]
    order["grand_total_in_cents"] += 100
    order["payments"][0]["amount_in_cents"] += 100
    return "orders record 3: /grand_total_in_cents", "is not the sum of the line totals minus discount_in_cents"


def _eg_payments(res: Resources) -> tuple[str, str]:
    res["orders"][4]["payments"][0]["amount_in_cents"] -= 1
    return "orders record 4: /payments", "not to grand_total_in_cents"


def _eg_updated(res: Resources) -> tuple[str, str]:
    res["orders"][5]["updated_at"] = "2000-01-01T00:00:00"
    return "orders record 5: /updated_at", "is before created_at"


def _eg_opt_in(res: Resources) -> tuple[str, str]:
    index, order = _first(res["orders"], lambda o: o["customer"] is not None)
    order["customer"].update(accepts_marketing=False, double_opt_in_confirmed_at="2025-01-01T10:00:00")
    return f"orders record {index}: /customer/double_opt_in_confirmed_at", "is set although accepts_marketing is false"


def _eg_starts_at(res: Resources) -> tuple[str, str]:
    res["orders"][6]["order_lines"][0].update(name="Krimidinner im Schloss", starts_at=None)
    return "orders record 6: /order_lines/0/starts_at", "is not an admission ticket"


def _eg_duplicate_number(res: Resources) -> tuple[str, str]:
    res["orders"][7]["order_number"] = res["orders"][0]["order_number"]
    return "orders record 7: /order_number", "is not unique (also in orders record 0)"


def _eg_schema(res: Resources) -> tuple[str, str]:
    index, order = _first(res["orders"], lambda o: o["customer"] is not None)
    order["customer"]["zip"] = 8006
    return f"orders record {index}: /customer/zip", 'is not of type "string"'


def _pl_gross(res: Resources) -> tuple[str, str]:
    res["orders"][0]["gross_amount"] = round(res["orders"][0]["gross_amount"] + 0.01, 2)
    return "orders record 0: /gross_amount", "is not net_amount + vat_amount"


def _pl_item_order(res: Resources) -> tuple[str, str]:
    res["orders"][1]["cartItems"]["1"]["order_id"] = 1
    return "orders record 1: /cartItems/1/order_id", "is not the cart's id"


def _pl_item_keys(res: Resources) -> tuple[str, str]:
    cart = res["orders"][2]
    cart["cartItems"] = {"7" if key == "1" else key: item for key, item in cart["cartItems"].items()}
    return "orders record 2: /cartItems", 'cartItems keys must run "1"..'


def _pl_updated(res: Resources) -> tuple[str, str]:
    res["orders"][3]["cdate"] = "2030-01-01 00:00:00"
    return "orders record 3: /mdate", "is before cdate"


def _pl_item_updated(res: Resources) -> tuple[str, str]:
    res["orders"][3]["cartItems"]["1"]["cdate"] = "2030-01-01 00:00:00"
    return "orders record 3: /cartItems/1/mdate", "is before cdate"


def _pl_internal_missing(res: Resources) -> tuple[str, str]:
    del res["orders"][4]["internalOrderCode"]
    return "orders record 4: /", '"internalOrderCode" is a required property (in the response of listOrders)'


def _pl_internal_duplicate(res: Resources) -> tuple[str, str]:
    res["orders"][5]["internalOrderCode"] = res["orders"][0]["internalOrderCode"]
    return "orders record 5: /internalOrderCode", "is not unique (also in orders record 0)"


def _pl_item_id_duplicate(res: Resources) -> tuple[str, str]:
    res["orders"][6]["cartItems"]["1"]["id"] = res["orders"][0]["cartItems"]["1"]["id"]
    return "orders record 6: /cartItems/1/id", "is not unique (also in orders record 0)"


def _pl_order_code_duplicate(res: Resources) -> tuple[str, str]:
    res["orders"][7]["order_code"] = res["orders"][1]["order_code"]
    return "orders record 7: /order_code", "is not unique (also in orders record 1)"


def _pl_view(res: Resources) -> tuple[str, str]:
    res["orders"][0]["mdate"] = "gestern"
    return "orders record 0: /mdate", "(as lastModified in the response of listOrders)"


def _mw_summary(res: Resources) -> tuple[str, str]:
    res["orders"][0]["summary"]["summary"] = round(res["orders"][0]["summary"]["summary"] + 1, 2)
    return "orders record 0: /summary/summary", "is not nonRecurring + recurring"


def _mw_recurring(res: Resources) -> tuple[str, str]:
    res["orders"][1]["items"][0]["price"] = round(res["orders"][1]["items"][0]["price"] + 5, 2)
    return "orders record 1: /summary/recurring", "is not the sum of the items' prices"


def _mw_change_without_contract(res: Resources) -> tuple[str, str]:
    res["orders"][2]["type"] = "CONTRACT_CHANGE"
    res["orders"][2].pop("contractChangeContractId", None)
    return "orders record 2: /contractChangeContractId", "CONTRACT_CHANGE orders carry contractChangeContractId"


def _mw_new_with_contract(res: Resources) -> tuple[str, str]:
    res["orders"][3].update(type="NEW_ORDER", contractChangeContractId="9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
    return "orders record 3: /contractChangeContractId", "NEW_ORDER orders must not carry contractChangeContractId"


def _mw_duplicate_number(res: Resources) -> tuple[str, str]:
    res["orders"][4]["orderNumber"] = res["orders"][0]["orderNumber"]
    return "orders record 4: /orderNumber", "is not unique (also in orders record 0)"


BROKEN: dict[str, tuple[str, Callable[[Resources], tuple[str, str]]]] = {
    "plandocket/total": ("plandocket", _pd_total),
    "plandocket/subtotal-items": ("plandocket", _pd_subtotal),
    "plandocket/item-total": ("plandocket", _pd_item_total),
    "plandocket/confirmed-after-submitted": ("plandocket", _pd_confirmed),
    "plandocket/updated-after-created": ("plandocket", _pd_updated),
    "plandocket/cancellation": ("plandocket", _pd_cancelled_without_date),
    "plandocket/cancellation-reason": ("plandocket", _pd_reason_without_cancel),
    "plandocket/status": ("plandocket", _pd_status),
    "plandocket/links-participant": ("plandocket", _pd_participant),
    "plandocket/links-item": ("plandocket", _pd_orphan_item),
    "plandocket/links-included": ("plandocket", _pd_included),
    "plandocket/unique-key": ("plandocket", _pd_duplicate_key),
    "plandocket/unique-order-number": ("plandocket", _pd_duplicate_number),
    "eguma/line-total": ("eguma", _eg_line_total),
    "eguma/tickets": ("eguma", _eg_tickets),
    "eguma/people": ("eguma", _eg_people),
    "eguma/grand-total": ("eguma", _eg_grand_total),
    "eguma/payments": ("eguma", _eg_payments),
    "eguma/updated-after-created": ("eguma", _eg_updated),
    "eguma/opt-in": ("eguma", _eg_opt_in),
    "eguma/starts-at": ("eguma", _eg_starts_at),
    "eguma/unique-order-number": ("eguma", _eg_duplicate_number),
    "eguma/schema": ("eguma", _eg_schema),
    "printlounge/gross": ("printlounge", _pl_gross),
    "printlounge/item-order": ("printlounge", _pl_item_order),
    "printlounge/item-keys": ("printlounge", _pl_item_keys),
    "printlounge/updated-after-created": ("printlounge", _pl_updated),
    "printlounge/item-updated-after-created": ("printlounge", _pl_item_updated),
    "printlounge/schema-internal-code": ("printlounge", _pl_internal_missing),
    "printlounge/unique-internal-code": ("printlounge", _pl_internal_duplicate),
    "printlounge/unique-item-id": ("printlounge", _pl_item_id_duplicate),
    "printlounge/unique-order-code": ("printlounge", _pl_order_code_duplicate),
    "printlounge/view": ("printlounge", _pl_view),
    "mittwald/summary": ("mittwald", _mw_summary),
    "mittwald/recurring-items": ("mittwald", _mw_recurring),
    "mittwald/contract-change": ("mittwald", _mw_change_without_contract),
    "mittwald/contract-change-new-order": ("mittwald", _mw_new_with_contract),
    "mittwald/unique-order-number": ("mittwald", _mw_duplicate_number),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_rules_reject_broken_fixture(case: str) -> None:
    api, mutate = BROKEN[case]
    dataset = copy.deepcopy(_dataset(api))
    where, wording = mutate(dataset.resources)
    problems = check_dataset(dataset, _model(api), "fixtures/broken.json")
    assert any(p.pointer == where and wording in p.message for p in problems), [str(p) for p in problems]
    assert any(str(p).startswith(f"fixtures/broken.json: {where}: ") for p in problems)


def test_rules_every_checked_rule_has_a_broken_fixture() -> None:
    checked = {f"{api}/{rule.name}" for api, ruleset in RULESETS.items() for rule in ruleset.rules if rule.check}
    assert checked <= set(BROKEN), checked - set(BROKEN)


@pytest.mark.parametrize("api", APIS)
def test_rules_valid_dataset_has_no_problems(api: str) -> None:
    assert check_dataset(_dataset(api), _model(api), "f.json") == []


@pytest.mark.parametrize("api", APIS)
@settings(max_examples=20, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32), count=st.integers(min_value=1, max_value=8))
def test_rules_hold_for_generated_data(api: str, seed: int, count: int) -> None:
    assert [
        str(p) for p in check_dataset(generate_dataset(_model(api), seed=seed, count=count), _model(api), "f.json")
    ] == []


@pytest.mark.parametrize(
    ("api", "resource", "field", "common", "rare"),
    [
        ("plandocket", "service_orders", "status", "confirmed", "draft"),
        ("eguma", "orders", "status", "completed", "cancelled"),
        ("printlounge", "orders", "order_status", "62", "137"),
        ("mittwald", "orders", "status", "EXECUTED", "ABORTED"),
    ],
)
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_rules_statuses_come_in_plausible_proportions(
    api: str, resource: str, field: str, common: str, rare: str, seed: int
) -> None:
    orders = generate_dataset(_model(api), seed=seed, count=200).resources[resource]
    share = {value: sum(str(order[field]) == value for order in orders) / 200 for value in (common, rare)}
    assert share[common] > 0.3 and 0.01 < share[rare] < min(0.35, share[common]), share


def test_rules_salutations_match_first_names() -> None:
    orders = generate_dataset(_model("eguma"), seed=3, count=60).resources["orders"]
    names = {"Mr": set(SwissNames.first_names_male), "Mrs": set(SwissNames.first_names_female)}
    customers = [o["customer"] for o in orders if o["customer"] and o["customer"]["title"] in names]
    assert customers and all(c["first_name"] in names[c["title"]] for c in customers)


def test_rules_money_is_compared_to_the_cent() -> None:
    assert cents(0.1 + 0.2) == cents(0.3) == 30
    assert cents(19.99) + cents(3.8) == cents(23.79)


def test_rules_plandocket_lifecycle_is_consistent() -> None:
    dataset = generate_dataset(_model("plandocket"), seed=5, count=80)
    for order in dataset.resources["service_orders"]:
        assert (order["order_number"] is None) == (order["status"] == "draft")
        assert (order["submitted_at"] is None) == (order["status"] == "draft")
        assert (order["confirmed_at"] is not None) >= (order["status"] == "confirmed")


def test_rules_each_walks_lists_and_maps() -> None:
    record = {"a": [{"b": 1}, {"b": 2}], "m": {"1": {"b": 3}, "x/y": {"b": 4}}}
    assert list(each(record, "a/*/b")) == [("/a/0/b", 1), ("/a/1/b", 2)]
    assert list(each(record, "m/*/b")) == [("/m/1/b", 3), ("/m/x~1y/b", 4)]
    assert pointer("m", "x/y", 0) == "/m/x~1y/0"


def test_rules_person_email_follows_the_name() -> None:
    assert person_email("Jörg", "Müller-Lüdenscheidt", "x@example.org") == "joerg.mueller-luedenscheidt@example.org"


def test_rules_for_unknown_api_has_only_generic_rules() -> None:
    assert rules_for("nobody").rules == ()
