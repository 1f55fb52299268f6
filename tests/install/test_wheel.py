"""Install anywhere: the wheel carries the vendor specs and fixtures and works outside the checkout, its CLI and its
pytest plugin included (a separate client project)."""

from __future__ import annotations

import socket
import subprocess
import time
import tomllib
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.install.conftest import ROOT, Installed
from tests.plugin.suite import CLIENT_TESTS, run_suite, write_project

pytestmark = pytest.mark.slow

VENDORS = ("eguma", "mittwald", "plandocket", "printlounge")
# one list call per vendor with the credentials it needs
LISTS = {
    "plandocket": ("/api/v1/service-orders", {}, {"Authorization": "Bearer t"}),
    "eguma": ("/v1/ticketing/orders.json", {"apikey": "k"}, {}),
    "printlounge": ("/api/order/", {}, {}),
    "mittwald": ("/v2/orders/", {}, {"x-access-token": "t"}),
}


def _run(installed: Installed, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(installed.mock_server), *args],
        cwd=installed.elsewhere,
        env=installed.env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_the_wheel_carries_the_specs_the_fixtures_and_the_entry_points(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
        for api in VENDORS:
            assert wheel.read(f"mock_server/_bundled/specs/{api}.yaml") == (ROOT / "specs" / f"{api}.yaml").read_bytes()
            assert (
                wheel.read(f"mock_server/_bundled/fixtures/{api}.json")
                == (ROOT / "fixtures" / f"{api}.json").read_bytes()
            )
        entry_points = wheel.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    assert "[pytest11]\nmock_server = mock_server.pytest_plugin" in entry_points
    assert "mock-server = mock_server.cli:main" in entry_points


def test_the_venv_imports_the_wheel_not_the_checkout(installed: Installed) -> None:
    probe = (
        "import mock_server, mock_server.settings as s; "
        "print(mock_server.__file__); print(s.DEFAULT_SPEC_DIR); print(s.DEFAULT_FIXTURES_DIR)"
    )
    result = subprocess.run(
        [str(installed.python), "-c", probe],
        cwd=installed.elsewhere,
        env=installed.env(),
        capture_output=True,
        text=True,
        check=True,
    )
    package, specs, fixtures = result.stdout.split()
    bundled = installed.site_packages / "mock_server" / "_bundled"
    assert package == str(installed.site_packages / "mock_server" / "__init__.py")
    assert (Path(specs), Path(fixtures)) == (bundled / "specs", bundled / "fixtures")


def test_version_comes_from_the_package_metadata(installed: Installed) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert _run(installed, "--version").stdout.strip() == f"mock-server {version}"
    via_module = subprocess.run(
        [str(installed.python), "-m", "mock_server", "--version"],
        cwd=installed.elsewhere,
        env=installed.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert via_module.stdout.strip() == f"mock-server {version}"


def test_validate_and_fixtures_check_act_on_the_bundled_specs(installed: Installed) -> None:
    validate = _run(installed, "validate")
    assert validate.returncode == 0, validate.stdout + validate.stderr
    for api in VENDORS:
        assert f"_bundled/specs/{api}.yaml: OK" in validate.stdout
    check = _run(installed, "fixtures", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": OK") == 4


def test_fixtures_generate_writes_to_the_working_directory_not_the_package(installed: Installed) -> None:
    bundled = installed.site_packages / "mock_server" / "_bundled" / "fixtures" / "eguma.json"
    before = bundled.read_bytes()
    result = _run(installed, "fixtures", "generate", "--api", "eguma", "--count", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (installed.elsewhere / "fixtures" / "eguma.json").is_file()
    assert bundled.read_bytes() == before


def test_contract_eguma_passes_outside_the_checkout(installed: Installed) -> None:
    result = _run(installed, "contract", "eguma", "--seed", "1", "--max-examples", "5")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 failures" in result.stdout


def test_serve_answers_all_four_apis_from_another_directory(installed: Installed) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [str(installed.mock_server), "serve", "--port", str(port), "--quiet"],
        cwd=installed.elsewhere,
        env=installed.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(base, process)
        for api, (path, params, headers) in LISTS.items():
            response = httpx.get(f"{base}/{api}{path}", params=params, headers=headers, timeout=10)
            assert response.status_code == 200, (api, response.text)
            body = response.json()
            assert len(body["data"] if isinstance(body, dict) else body) > 0, api
    finally:
        process.terminate()
        process.communicate(timeout=15)


def test_a_client_project_uses_the_plugin_of_the_installed_wheel(installed: Installed, tmp_path: Path) -> None:
    """Done-when of the issue: a separate project (its own tests/, no checkout on its path) seeds an order, reads it
    back through the vendor API, sees its request in requests(), and is isolated from the previous test."""
    project = write_project(tmp_path, {"pytest.ini": "[pytest]\n", "tests/test_orders.py": CLIENT_TESTS})
    run = run_suite(
        installed.python,
        project,
        "tests",
        env={**installed.env(), "EXPECTED_PACKAGE_PREFIX": str(installed.site_packages / "mock_server")},
    )
    assert run.returncode == 0, run.output
    assert {name: o.status for name, o in run.outcomes.items()} == {
        "test_the_package_is_the_installed_one": "passed",
        "test_a_seeded_order_is_served_and_its_request_recorded": "passed",
        "test_the_next_test_starts_from_the_fixtures": "passed",
    }, run.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_up(base: str, process: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited {process.returncode}: {process.communicate()}")
        try:
            httpx.get(f"{base}/__admin/apis", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("serve did not answer within 30 s")
