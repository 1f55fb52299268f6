"""This module contains the memory and time profile of mock-server's start-up, phase by phase: what `serve` builds
before it binds the port (imports, specs, generated orders, store, connexion app), measured as resident memory
and seconds after each phase, plus the size of the same records as JSON for comparison.

    python bench/memprofile.py --count 10000      # prints one JSON object
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from typing import Any


def _rss_bytes() -> int:
    with open("/proc/self/status", "rb") as fh:
        for line in fh:
            if line.startswith(b"VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    phases: list[dict[str, Any]] = []
    clock = time.perf_counter()
    rss = _rss_bytes()

    def phase(name: str) -> None:
        nonlocal clock, rss
        gc.collect()
        now, mem = time.perf_counter(), _rss_bytes()
        phases.append({"phase": name, "seconds": now - clock, "rss_added_bytes": mem - rss, "rss_bytes": mem})
        clock, rss = now, mem

    import orjson

    from mock_server import app as mock_app
    from mock_server.journal import Journal
    from mock_server.settings import Settings
    from mock_server.store import Store

    phase("imports (mock_server, connexion, starlette, ...)")
    settings = Settings(count=args.count, seed=args.seed)
    models = mock_app.load_models(settings)
    phase("specs parsed into models (load_models)")
    records = mock_app.load_records(settings, models)
    phase("orders generated (load_records, includes importing the generator)")
    store = Store(models, records, None)
    phase("store and its indexes (Store)")
    runtime = mock_app.Runtime(settings=settings, models=models, store=store, journal=Journal(settings.journal_size))
    mock_app.create_app(settings, runtime)
    phase("connexion app, one add_api per spec (create_app)")

    sizes = {
        api: {
            "records": sum(len(recs) for recs in resources.values()),
            "json_bytes": sum(len(orjson.dumps(r)) for recs in resources.values() for r in recs),
        }
        for api, resources in records.items()
    }
    print(json.dumps({"count": args.count, "phases": phases, "sizes": sizes, "rss_bytes": _rss_bytes()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
