"""This module contains ContractDrift: the drift report of a `mock-server contract` run, from every response it saw.

Schemathesis passes undocumented properties and new enum values of open schemas; the recorder reports them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mock_server.drift.proxy import Outputs, upstream_origin, write_outputs
from mock_server.drift.recorder import DriftRecorder
from mock_server.drift.report import write_atomic
from mock_server.errors import SettingsError
from mock_server.specs import Spec


class ContractDrift:
    """Feeds each (case, response) of a contract run to a DriftRecorder; writes the report files when asked."""

    def __init__(
        self, spec: Spec, base_url: str | None, report: Path, markdown: Path | None, secrets: tuple[str, ...] = ()
    ) -> None:
        self.recorder = DriftRecorder(spec, upstream=upstream_origin(base_url) if base_url else "in-process mock")
        self.outputs = Outputs(report=report, markdown=markdown)
        self._secrets = secrets

    def check_writable(self) -> None:
        """SettingsError before the run when a report file cannot be written (not after minutes of checks)."""
        for path in (self.outputs.report, self.outputs.markdown):
            if path is None:
                continue
            try:
                write_atomic(path, b"")
            except OSError as exc:
                raise SettingsError(f"{path}: cannot write the drift report: {exc.strerror or exc}") from None

    def observe(self, case: Any, response: Any) -> None:
        """One response of Schemathesis (`schemathesis.core.transport.Response`) to the case that asked for it."""
        headers = [(name, value) for name, values in response.headers.items() for value in values]
        operation = case.operation
        self.recorder.observe(
            str(operation.method),
            str(operation.path),
            int(response.status_code),
            headers,
            response.content,
            template=str(operation.path),
            secrets=self._secrets,
        )

    def write(self) -> None:
        write_outputs(self.recorder, self.outputs)
