"""This module contains `serve --workers N`: N processes on one port that behave as one mock.

The parent loads and checks everything once (so a bad spec or fixture stops start-up with its usual message and
exit 2, and prints the banner), then hands the port to uvicorn's supervisor, which spawns N workers (each builds its
own app through `worker_app`, the generated data from the dataset cache) and restarts one that dies. The workers
share the state file (--state, else a temporary file) and the journal (mock_server.workers.shared), the fault rules,
rate limits and violations (mock_server.workers.resilience).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from mock_server.settings import Settings
from mock_server.workers.resilience import SharedResilience, create_shared_resilience
from mock_server.workers.shared import SharedJournal, SharedState, drop_change_log

__all__ = ["WORKER_HEADER", "serve_workers", "worker_app"]

WORKER_HEADER = b"x-mock-worker"
"""Response header naming the worker (its process id) that answered."""
_ARGV = "MOCK_SERVER_ARGV"
_STATE = "MOCK_SERVER_SHARED_STATE"
_JOURNAL = "MOCK_SERVER_SHARED_JOURNAL"
_RESILIENCE = "MOCK_SERVER_SHARED_RESILIENCE"


def serve_workers(args: argparse.Namespace, settings: Settings) -> int:
    """Check everything, then serve with args.workers processes on settings.host:settings.port until stopped."""
    import uvicorn

    from mock_server.cli import _build_app

    shared = Path(tempfile.mkdtemp(prefix="mock-server-workers-"))
    state_path = settings.state_file or shared / "state.db"
    try:
        SharedState(state_path).close()  # the change log exists before the first worker writes
        # every problem surfaces here, before a worker starts; the banner names the shared state file
        app = _build_app(args, dataclasses.replace(settings, state_file=state_path), reload=False)
        create_shared_resilience(shared / "resilience.db", settings.resilience)  # the configured rules, checked
    except BaseException:
        shutil.rmtree(shared, ignore_errors=True)
        raise
    if app.runtime.state is not None:
        app.runtime.state.close()
    del app
    gc.collect()
    os.environ[_ARGV] = "\x1f".join(sys.argv[1:])
    os.environ[_STATE] = str(state_path)
    os.environ[_JOURNAL] = str(shared / "journal.db")
    os.environ[_RESILIENCE] = str(shared / "resilience.db")
    sys.stdout.write(f"workers      {args.workers} processes share the writes and the journal\n")
    sys.stdout.flush()
    try:
        uvicorn.run(
            "mock_server.workers:worker_app",
            factory=True,
            workers=args.workers,
            host=settings.host,
            port=settings.port,
            access_log=False,
            log_level=args.log_level,
            timeout_graceful_shutdown=3,
        )
    finally:
        if settings.state_file is not None:
            with contextlib.suppress(Exception):
                drop_change_log(settings.state_file)
        shutil.rmtree(shared, ignore_errors=True)
    return 0


def worker_app() -> Any:
    """One worker's app (uvicorn imports it by name in each spawned process): the parent's command line, the shared
    state file and journal."""
    from mock_server.app import build_runtime, create_app
    from mock_server.cli import _configure_logging, build_parser, settings_from_args

    args = build_parser().parse_args(os.environ.get(_ARGV, "serve").split("\x1f"))
    _configure_logging(args)
    settings = settings_from_args(args)
    settings = dataclasses.replace(settings, state_file=Path(os.environ[_STATE]))
    journal_path = Path(os.environ[_JOURNAL])
    runtime = build_runtime(
        settings,
        open_state=SharedState,
        new_journal=lambda size: SharedJournal(size, journal_path),
    )
    runtime.resilience = SharedResilience(Path(os.environ[_RESILIENCE]), settings.resilience, runtime.models)
    app = create_app(settings, runtime)
    gc.freeze()
    return Synced(app)


class Synced:
    """The worker's app: each request first applies what other workers committed; each response names the worker."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.runtime = app.runtime
        self._pid = str(os.getpid()).encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = self.runtime.state
        if isinstance(state, SharedState):
            state.sync(self.runtime.store)  # a reset's resilience part is in the shared file already
        resilience = self.runtime.resilience
        if isinstance(resilience, SharedResilience):
            resilience.sync()
        pid = self._pid

        async def send_named(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), (WORKER_HEADER, pid)]
            await send(message)

        await self.app(scope, receive, send_named)
