"""The new x-mock vocabulary parsed: each bad annotation is a SpecError with the file and the JSON pointer."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from mock_server.errors import SpecError
from mock_server.model import ApiModel, Create, Envelope, Lookup, ParentLink
from mock_server.specs import Spec
from tests.engine.conftest import SPECS

PETSTORE = yaml.safe_load((SPECS / "petstore.yaml").read_text())
SHOP = yaml.safe_load((SPECS / "shop.yaml").read_text())


def _parse(tmp_path: Path, document: dict[str, Any]) -> ApiModel:
    path = tmp_path / "api.yaml"
    path.write_text(yaml.safe_dump(document))
    return ApiModel.from_spec(Spec.from_file(path))


def test_the_new_annotations_parse_into_values(tmp_path: Path) -> None:
    shop = _parse(tmp_path, SHOP)
    assert shop.resources["orders"].parent == ParentLink(resource="customers", field="customer_id")
    orders = shop.operations["listOrders"]
    assert orders.parent == Lookup(param="customerId", field="customer_id")
    assert orders.paging is not None and (orders.paging.style, orders.paging.cursor_param) == ("cursor", "cursor")
    assert orders.envelope == Envelope(data="data", meta={}, total="count", next="next_cursor")
    assert shop.operations["listCustomers"].envelope == Envelope(data=None, meta={})
    assert shop.operations["createOrder"].parent == Lookup(param="customerId", field="customer_id")  # from the link
    assert shop.operations["deleteOrder"].status == 200
    pets = _parse(tmp_path, PETSTORE)
    assert pets.operations["createPet"].create == Create(status=201, location=True)
    assert pets.operations["deletePet"].status == 204
    assert pets.operations["health"].resource == "" and pets.operations["health"].action == "respond"
    assert "secret" not in pets.operations["getPet"].item_properties  # writeOnly: never in a view
    assert pets.operations["listPets"].sort is not None and pets.operations["listPets"].sort.prefix_desc
    contains = pets.operations["listPets"].filters[1]
    assert (contains.op, contains.fields) == ("contains", ("name", "tag"))


def _mock(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    mock: dict[str, Any] = document["paths"][path][method]["x-mock"]
    return mock


BROKEN = [
    ("action", lambda d: _mock(d, "/pets", "get").update(action="upsert"), "/paths/~1pets/get/x-mock/action"),
    ("op", lambda d: _mock(d, "/pets", "get")["filters"][0].update(op="like"), "/paths/~1pets/get/x-mock/filters/0/op"),
    (
        "fields without contains",
        lambda d: _mock(d, "/pets", "get")["filters"][0].update(fields=["name"]),
        "/paths/~1pets/get/x-mock/filters/0/fields",
    ),
    (
        "cursor without param",
        lambda d: _mock(d, "/pets", "get").update(paging={"style": "cursor"}),
        "/paths/~1pets/get/x-mock/paging/cursor_param",
    ),
    (
        "paging style",
        lambda d: _mock(d, "/pets", "get")["paging"].update(style="pages"),
        "/paths/~1pets/get/x-mock/paging/style",
    ),
    (
        "total without data",
        lambda d: _mock(d, "/pets", "get").update(envelope={"total": "total"}),
        "/paths/~1pets/get/x-mock/envelope/data",
    ),
    (
        "create status",
        lambda d: _mock(d, "/pets", "post").update(create={"status": 200}),
        "/paths/~1pets/post/x-mock/create/status",
    ),
    (
        "location without header",
        lambda d: d["paths"]["/pets"]["post"]["responses"]["201"].pop("headers"),
        "/paths/~1pets/post/x-mock/create/location",
    ),
    (
        "lookup on delete",
        lambda d: _mock(d, "/pets/{petId}", "delete").pop("lookup"),
        "/paths/~1pets~1{petId}/delete/x-mock/lookup/param",
    ),
    (
        "parent param",
        lambda d: _mock(d, "/pets/{petId}", "get").update(parent={"param": "ownerId", "field": "owner"}),
        "/paths/~1pets~1{petId}/get/x-mock/parent/param",
    ),
    (
        "parent resource",
        lambda d: d["x-mock-api"]["resources"]["pets"].update(parent={"resource": "owners", "field": "owner_id"}),
        "/x-mock-api/resources/pets/parent/resource",
    ),
    (
        "prefix_desc",
        lambda d: _mock(d, "/pets", "get")["sort"].update(prefix_desc="yes"),
        "/paths/~1pets/get/x-mock/sort/prefix_desc",
    ),
    (
        "respond resource",
        lambda d: _mock(d, "/health", "get").update(resource="nope"),
        "/paths/~1health/get/x-mock/resource",
    ),
    (
        "default_limit",
        lambda d: _mock(d, "/pets", "get")["paging"].update(default_limit="ten"),
        "/paths/~1pets/get/x-mock/paging/default_limit",
    ),
]


@pytest.mark.parametrize(("case", "breaks", "pointer"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_bad_annotation_is_a_spec_error_with_file_and_pointer(
    tmp_path: Path, case: str, breaks: Any, pointer: str
) -> None:
    document = copy.deepcopy(PETSTORE)
    breaks(document)
    with pytest.raises(SpecError) as caught:
        _parse(tmp_path, document)
    assert [p.pointer for p in caught.value.problems] == [pointer]
    assert caught.value.problems[0].file == str(tmp_path / "api.yaml")
