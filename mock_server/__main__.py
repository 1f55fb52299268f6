"""Run the command line interface: ``python -m mock_server``."""

from __future__ import annotations

from mock_server.cli import main

raise SystemExit(main())
