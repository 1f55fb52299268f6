"""This module contains the fault kinds and the decoding of `Prefer: fault=KIND` (once, at the edge)."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("reset", "close", "timeout", "truncate", "malformed", "slow", "code=NNN")
"""Every kind, as listed in error messages; `code=NNN` stands for any status 100..599."""


class FaultKindError(ValueError):
    """A fault kind that does not exist (the message lists the kinds)."""


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault to play: its kind and, for `code`, the status whose documented response answers."""

    kind: str
    code: int | None = None

    def __str__(self) -> str:
        return f"code={self.code}" if self.kind == "code" else self.kind

    @property
    def transport(self) -> bool:
        """Faults that answer with no (or a broken) HTTP response instead of going through the API."""
        return self.kind in ("reset", "close", "timeout", "truncate")


def parse_fault(text: str) -> Fault:
    """`reset`, `slow`, `code=503`, ... as a Fault; FaultKindError naming the kinds."""
    value = text.strip().strip('"').lower()
    name, sep, code = value.partition("=")
    if sep:
        if name != "code" or not (code.isascii() and code.isdigit() and 100 <= int(code) <= 599):
            raise FaultKindError(f"{text!r} is not a fault kind; kinds: {', '.join(KINDS)} (NNN a status 100-599)")
        return Fault("code", int(code))
    if value not in KINDS:
        raise FaultKindError(f"{text!r} is not a fault kind; kinds: {', '.join(KINDS)}")
    return Fault(value)


def fault_from_prefer(header: str | None) -> Fault | None:
    """The fault a `Prefer` header asks for (`Prefer: fault=reset`, `Prefer: fault=code=503, example=x`), if any."""
    if not header or "fault" not in header.lower():
        return None
    for part in header.replace(";", ",").split(","):
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "fault":
            return parse_fault(value)
    return None


def without_fault(header: str) -> str:
    """The `Prefer` header with its fault preference removed (the other preferences still apply)."""
    parts = [p.strip() for p in header.replace(";", ",").split(",")]
    return ", ".join(p for p in parts if p and p.partition("=")[0].strip().lower() != "fault")
