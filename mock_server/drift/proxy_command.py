"""This module contains `mock-server proxy`: a drift-recording reverse proxy in front of a real vendor API."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import signal
import socket
import sys
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

from mock_server.errors import SettingsError
from mock_server.settings import DEFAULT_HOST, DEFAULT_SPEC_DIR, is_loopback

HELP = "forward an API to its real upstream and report where the answers drift from the spec"
DEFAULT_PROXY_PORT = 8001
DEFAULT_REPORT = Path("drift.json")


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("api", metavar="API", help="API name (plandocket, eguma, ...) or a spec file")
    parser.add_argument("--upstream", required=True, metavar="URL", help="base URL of the real API (http or https)")
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=_port, default=DEFAULT_PROXY_PORT, help=f"port (default {DEFAULT_PROXY_PORT})")
    parser.add_argument("--root", action="store_true", help="forward / instead of /API")
    parser.add_argument(
        "--report", type=Path, default=DEFAULT_REPORT, metavar="FILE", help=f"JSON report (default {DEFAULT_REPORT})"
    )
    parser.add_argument("--markdown", type=Path, default=None, metavar="FILE", help="Markdown summary")
    parser.add_argument(
        "--propose", type=Path, default=None, metavar="FILE", help="write the spec with the drift applied"
    )
    parser.add_argument("--allow-writes", action="store_true", help="forward other methods than GET, HEAD, OPTIONS")
    parser.add_argument("--timeout", type=_seconds, default=30.0, help="seconds to wait for the upstream (default 30)")
    parser.add_argument(
        "--keep-examples", action="store_true", help="keep example values (still masking personal data)"
    )
    parser.add_argument(
        "--admin-token",
        default=None,
        help="token GET /__admin/drift requires (mandatory when binding a non-loopback address; "
        "env MOCK_SERVER_ADMIN_TOKEN)",
    )
    parser.add_argument(
        "--spec-dir", type=Path, default=DEFAULT_SPEC_DIR, metavar="DIR", help="where the API specs are"
    )
    parser.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])


def command(args: argparse.Namespace) -> int:
    import uvicorn

    from mock_server.drift.operations import load_api_spec
    from mock_server.drift.proxy import DriftProxy, Outputs, ProxyConfig, upstream_origin, write_outputs
    from mock_server.drift.recorder import DriftRecorder

    admin_token = args.admin_token or os.environ.get("MOCK_SERVER_ADMIN_TOKEN")
    if not is_loopback(args.host) and not admin_token:
        raise SettingsError(
            f"binding {args.host} exposes the proxy beyond this machine: give --admin-token (or "
            "MOCK_SERVER_ADMIN_TOKEN) so /__admin/drift is protected"
        )
    upstream = check_upstream(args.upstream)
    spec = load_api_spec(args.api, args.spec_dir)
    for path in (args.report, args.markdown, args.propose):
        if path is not None and path.is_dir():
            raise SettingsError(f"{path}: is a directory, not a file to write")
    recorder = DriftRecorder(spec, upstream=upstream_origin(upstream), keep_examples=args.keep_examples)
    config = ProxyConfig(
        upstream=upstream,
        prefix="" if args.root else f"/{spec.name}",
        allow_writes=args.allow_writes,
        timeout=args.timeout,
        outputs=Outputs(args.report, args.markdown, args.propose),
        admin_token=admin_token,
    )
    try:
        write_outputs(recorder, config.outputs)  # an empty report now: the files are writable, and no stale one stays
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        raise SettingsError(f"{where}cannot write the drift report: {exc.strerror or exc}") from None
    _check_port_free(args.host, args.port)
    app = DriftProxy(recorder, config)
    host = f"[{args.host}]" if ":" in args.host else args.host
    base = f"http://{host}:{args.port}{config.prefix}"
    mode = "read-write" if args.allow_writes else "read-only"
    sys.stdout.write(f"{spec.name:<12} {base} -> {recorder.upstream} ({mode}); report {args.report}; Ctrl-C stops\n")
    sys.stdout.flush()
    for name in ("httpx", "httpcore"):  # their debug/info lines carry full URLs, query credentials included
        logging.getLogger(name).setLevel(logging.WARNING)
    # uvicorn stops cleanly on SIGINT/SIGTERM (the lifespan shutdown writes the reports), then raises the signal
    # again for the handler it found: make that one a no-op, so a clean stop exits 0 without a traceback
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stopped)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        access_log=False,  # an access log would show query strings, credentials included
        log_level=args.log_level,
        lifespan="on",
        server_header=False,  # the upstream's own Server and Date headers go back unchanged
        date_header=False,
        timeout_graceful_shutdown=3,
    )
    return 0


def _check_port_free(host: str, port: int) -> None:
    """SettingsError naming host and port when nothing can listen there (before uvicorn tries, with a traceback)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host.strip("[]"), port))
        except OSError as exc:
            reason = "already in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
            raise SettingsError(f"cannot listen on {host}:{port}: {reason}") from None


def _stopped(signum: int, frame: FrameType | None) -> None:
    """The stop signal after uvicorn's graceful shutdown: nothing left to do."""


def check_upstream(url: str) -> str:
    """An http(s) URL with a host; SettingsError otherwise (the URL itself is not repeated: it may hold a secret)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError("--upstream must be an http:// or https:// URL with a host")
    if parts.query or parts.fragment:
        raise SettingsError("--upstream takes a base URL without query or fragment")
    return url


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a port is 1..65535, got {value!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1..65535, got {value}")
    return port


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not 0 < seconds <= 3600:
        raise argparse.ArgumentTypeError(f"--timeout must be more than 0 and at most 3600 seconds, got {value}")
    return seconds
