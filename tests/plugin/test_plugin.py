"""The pytest plugin (entry point `pytest11: mock_server`), driven the way a client project uses it: a pytest suite
in a temporary directory, run in a subprocess with this venv (where the package is installed)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from mock_server.settings import DEFAULT_SPEC_DIR
from tests.plugin.suite import CLIENT_TESTS, SuiteRun, run_suite, write_project

HANDLE_TESTS = """
    import sys

    import httpx
    import pytest


    def test_the_plugin_is_idle_until_its_fixtures_are_used():
        assert "mock_server.app" not in sys.modules
        assert "uvicorn" not in sys.modules


    def test_url_and_credentials_masked_in_requests(mock_server):
        url = mock_server.url("printlounge")
        assert url.startswith("http://127.0.0.1:") and url.endswith("/printlounge")
        response = httpx.get(
            mock_server.url("plandocket") + "/api/v1/service-orders",
            headers={"Authorization": "Bearer plugin-token-123"},
        )
        assert response.status_code == 200
        [entry] = mock_server.requests("plandocket")
        assert entry["headers"]["authorization"] == "[Filtered]"
        assert "plugin-token-123" not in str(mock_server.requests())
        assert mock_server.requests("eguma") == []


    def test_a_write_body_and_status_are_recorded(mock_server):
        code = mock_server.records("printlounge", "orders")[0]["order_code"]
        client = mock_server.client("printlounge")
        assert client.patch(f"/api/order/{code}", json={"order_status": 137}).status_code == 200
        [entry] = mock_server.requests()
        assert entry["body"] == {"order_status": 137}
        assert entry["method"] == "PATCH" and entry["operation_id"] == "updateOrderStatus"
        assert mock_server.records("printlounge", "orders")[0]["order_status"] == 137


    def test_writes_of_the_previous_test_are_gone(mock_server):
        assert mock_server.records("printlounge", "orders")[0]["order_status"] != 137


    def test_seed_without_replace_adds_and_replaces_by_key(mock_server):
        first = mock_server.records("eguma", "orders")[0]
        new = {**first, "id": "added-1", "order_number": "A-1"}
        mock_server.seed("eguma", "orders", [new, {**first, "order_number": "R-1"}], replace=False)
        records = {r["id"]: r for r in mock_server.records("eguma", "orders")}
        assert len(records) == 51
        assert records["added-1"]["order_number"] == "A-1"
        assert records[first["id"]]["order_number"] == "R-1"


    def test_an_invalid_seed_raises_value_error_and_changes_nothing(mock_server):
        before = mock_server.records("eguma", "orders")
        bad = {**before[0], "id": "bad-1", "order_number": "B-1", "customer": {"email": 7}}
        with pytest.raises(ValueError, match=r"record 1: /customer/email") as raised:
            mock_server.seed("eguma", "orders", [before[1], bad])
        assert "record 0" not in str(raised.value)
        assert mock_server.records("eguma", "orders") == before


    def test_unknown_api_is_a_value_error(mock_server):
        with pytest.raises(ValueError, match="unknown API 'nope'"):
            mock_server.url("nope")


    @pytest.mark.mock_server(strict=True)
    def test_strict_fails_on_refused_requests(mock_server):
        client = mock_server.client("eguma")
        assert client.get("/v1/ticketing/orders.json", params={"apikey": "k", "colour": "red"}).status_code == 400
        assert client.get("/v1/ticketing/order.json", params={"apikey": "k"}).status_code == 404


    @pytest.mark.mock_server(strict=True)
    def test_strict_accepts_a_missing_record_and_a_requested_error(mock_server):
        client = mock_server.client("printlounge")
        assert client.get("/api/order/NO-SUCH-CODE").status_code == 404
        assert client.get("/api/order/", headers={"Prefer": "code=400"}).status_code == 400


    def test_not_strict_by_default(mock_server):
        assert mock_server.client("eguma").get("/v1/nothing-here").status_code == 404
"""

WORKER_CONFTEST = """
    import os
    from pathlib import Path

    import pytest


    @pytest.fixture(autouse=True)
    def _note_the_server(request, mock_server_session):
        # each test notes which server its worker uses
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        name = request.node.name.replace("[", "-").replace("]", "")
        Path(f"ports-{worker}-{name}.txt").write_text(mock_server_session.url("tickets-v2"))
"""

OWN_SPEC_TESTS = """
    import pytest


    def test_own_spec_served_with_generated_data(mock_server):
        assert mock_server.url("tickets-v2").endswith("/tickets-v2")
        assert len(mock_server.records("tickets-v2", "orders")) == 3
        response = mock_server.client("tickets-v2").get("/v1/ticketing/orders.json", params={"apikey": "k"})
        assert len(response.json()) == 3
        with pytest.raises(ValueError, match="unknown API 'eguma'"):
            mock_server.url("eguma")


    def test_strict_from_the_ini(mock_server):
        mock_server.client("tickets-v2").get("/v1/ticketing/orders.json", params={"apikey": "k", "x": "1"})


    @pytest.mark.mock_server(strict=False)
    def test_the_marker_overrides_the_ini(mock_server):
        mock_server.client("tickets-v2").get("/v1/ticketing/orders.json", params={"apikey": "k", "x": "1"})


    @pytest.mark.parametrize("n", range(4))
    def test_more_tests_for_both_workers(mock_server, n):
        assert mock_server.records("tickets-v2", "orders")
"""


@pytest.fixture(scope="module")
def handle_run(tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    project = write_project(
        tmp_path_factory.mktemp("client"),
        {"pytest.ini": "[pytest]\n", "tests/test_handle.py": HANDLE_TESTS, "tests/test_client.py": CLIENT_TESTS},
    )
    # the handle tests first: the first of them checks that nothing was started or imported before
    return run_suite(
        Path(sys.executable),
        project,
        "--strict-config",
        "--strict-markers",
        "tests/test_handle.py",
        "tests/test_client.py",
    )


def test_the_handle_works_as_documented(handle_run: SuiteRun) -> None:
    expected_failures = {"test_strict_fails_on_refused_requests"}
    unexpected = {
        name: outcome
        for name, outcome in handle_run.outcomes.items()
        if (outcome.status == "passed") == (name in expected_failures)
    }
    assert len(handle_run.outcomes) == 13, handle_run.output
    assert not unexpected, handle_run.output


def test_strict_names_the_request_the_nearest_operation_and_the_message(handle_run: SuiteRun) -> None:
    outcome = handle_run.outcomes["test_strict_fails_on_refused_requests"]
    assert outcome.status == "error", handle_run.output  # at teardown: the test body itself passed
    text = outcome.message
    assert "the mock refused 2 request(s)" in text
    assert "GET /eguma/v1/ticketing/orders.json?apikey=[Filtered]&colour=red -> 400 (request validation failed)" in text
    assert "operation: listTicketOrders" in text
    assert "unknown query parameter(s) 'colour'" in text
    assert "GET /eguma/v1/ticketing/order.json?apikey=[Filtered] -> 404 (no such route)" in text
    assert "nearest operation: listTicketOrders" in text


def test_own_specs_seed_count_strict_ini_and_one_server_per_xdist_worker(tmp_path: Path) -> None:
    spec = yaml.safe_load((DEFAULT_SPEC_DIR / "eguma.yaml").read_text(encoding="utf-8"))
    del spec["x-mock-api"]["name"]  # named after the file: "Tickets_V2.yaml" -> tickets-v2
    project = write_project(
        tmp_path,
        {
            "pytest.ini": "[pytest]\nmock_server_specs = apis/Tickets_V2.yaml\nmock_server_strict = true\n",
            "apis/Tickets_V2.yaml": yaml.safe_dump(spec, sort_keys=False),
            "tests/test_own.py": OWN_SPEC_TESTS,
            "tests/conftest.py": WORKER_CONFTEST,
        },
    )
    run = run_suite(
        Path(sys.executable), project, "--mock-server-seed", "7", "--mock-server-count", "3", "-n", "2", "tests"
    )
    statuses = {name: outcome.status for name, outcome in run.outcomes.items()}
    assert statuses.pop("test_strict_from_the_ini") == "error", run.output
    assert set(statuses.values()) == {"passed"}, run.output
    ports = {path.name.split("-")[1]: path.read_text() for path in project.glob("ports-*.txt")}
    assert set(ports) == {"gw0", "gw1"}, run.output
    assert len({p.read_text() for p in project.glob("ports-gw0-*")}) == 1
    assert ports["gw0"] != ports["gw1"]


def test_a_bad_spec_path_is_a_usage_error(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"tests/test_x.py": "def test_x(mock_server):\n    pass\n"})
    run = run_suite(Path(sys.executable), project, "--mock-server-spec", "nope.yaml", "tests")
    assert run.returncode != 0
    assert "nope.yaml: /: no such spec file or directory" in run.output
