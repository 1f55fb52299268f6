"""The built wheel, installed into a fresh virtualenv in a temporary directory (once per test run).

The wheel is built from a copy of the sources the build needs (no `build/` left over in the checkout, no stale
files), offline (`pip wheel --no-build-isolation`). The fresh venv gets the wheel installed with pip, and its
dependencies through a `.pth` pointing at a directory of links to this venv's site-packages with mock-server's own
entries (the editable install) left out: the only mock_server the venv can import is the wheel's. Installing the
dependencies from PyPI would prove nothing more about the wheel and would make the test talk to the network.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "mock_server", "specs", "fixtures")
OWN_ENTRIES = ("mock_server", "mock-server", "__editable__", "_mock_server")


@dataclass(frozen=True)
class Installed:
    """A virtualenv outside the checkout with the wheel installed."""

    wheel: Path
    venv: Path
    site_packages: Path
    elsewhere: Path
    """An empty working directory outside the checkout."""

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def mock_server(self) -> Path:
        return self.venv / "bin" / "mock-server"

    def env(self) -> dict[str, str]:
        """The environment to run it in: nothing that points Python at this checkout."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST_", "VIRTUAL_ENV"))}
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        return env


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Installed]:
    # every xdist worker has its own session: build once, in the directory all workers share, under a lock
    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    with open(shared / "mock-server-wheel.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / "wheel-venv" / ".installed"
        if not done.is_file():
            _install(shared / "wheel-venv")
            done.write_text("ok")
    root = shared / "wheel-venv"
    yield Installed(
        wheel=next((root / "dist").glob("mock_server-*.whl")),
        venv=root / "venv",
        site_packages=next((root / "venv").glob("lib/python*/site-packages")),
        elsewhere=root / "elsewhere",
    )


def _install(root: Path) -> None:
    src, dist, venv = root / "src", root / "dist", root / "venv"
    shutil.rmtree(root, ignore_errors=True)  # what a failed attempt left
    src.mkdir(parents=True)
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, src / name, ignore=shutil.ignore_patterns("__pycache__", "_bundled"))
        else:
            shutil.copy2(source, src / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(src)])
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    target = venv / "bin" / "python"
    wheel = next(dist.glob("mock_server-*.whl"))
    _run([*pip, "--python", str(target), "install", "--no-deps", "--no-index", str(wheel)])
    site = next(venv.glob("lib/python*/site-packages"))
    deps = root / "deps"
    deps.mkdir()
    for entry in Path(sysconfig.get_path("purelib")).iterdir():
        if not entry.name.startswith(OWN_ENTRIES) and entry.suffix != ".pth":
            (deps / entry.name).symlink_to(entry)
    (site / "project-dependencies.pth").write_text(f"{deps}\n")
    (root / "elsewhere").mkdir()


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )
