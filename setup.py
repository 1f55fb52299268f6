"""Build hook: a wheel carries the top-level specs/ and fixtures/ as mock_server/_bundled/.

The top-level directories stay the single source of truth; nothing is copied by hand. An editable install skips the
copy: mock_server.settings then finds the checkout's own specs/ and fixtures/.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = {"specs": ("*.yaml", "*.yml", "*.json"), "fixtures": ("*.json",)}


class BuildPyWithBundledData(build_py):
    """build_py, plus specs/ and fixtures/ copied into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for name, patterns in BUNDLED.items():
            target = Path(self.build_lib) / "mock_server" / "_bundled" / name
            self.mkpath(str(target))
            for pattern in patterns:
                for source in sorted((ROOT / name).glob(pattern)):
                    self.copy_file(str(source), str(target / source.name))


setup(cmdclass={"build_py": BuildPyWithBundledData})
