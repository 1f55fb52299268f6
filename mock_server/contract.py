"""This module contains `mock-server contract` (placeholder until the contract checks land)."""

from __future__ import annotations

import argparse


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("api")


def command(args: argparse.Namespace) -> int:
    raise SystemExit("mock-server contract: not implemented yet")
