"""This module contains the values of a diff: levels, areas, findings and the registry of rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

Level = Literal["info", "warning", "error"]
LEVELS: tuple[Level, ...] = ("info", "warning", "error")  # ascending severity
Area = Literal["paths", "parameters", "request-body", "responses", "schema", "headers", "security", "mock"]
AREAS: tuple[Area, ...] = ("paths", "parameters", "request-body", "responses", "schema", "headers", "security", "mock")
Subject = Literal["document", "operation", "schema"]
"""What a rule looks at: the two whole documents, one operation in both, or one schema position in both."""


def at_least(level: Level, threshold: Level) -> bool:
    """Whether `level` is `threshold` or more severe."""
    return LEVELS.index(level) >= LEVELS.index(threshold)


@dataclass(frozen=True, slots=True)
class Hit:
    """What a rule reports: a one-line message and where, in NEW (or in OLD for a removal)."""

    message: str
    location: str
    in_old: bool = False
    operation: str | None = None  # document rules name the operation themselves


@dataclass(frozen=True, slots=True)
class Finding:
    """One change that matters to a client of the API."""

    id: str
    level: Level
    area: Area
    operation: str
    file: str
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.location or '/'}: {self.level} {self.id}: {self.operation}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        """The finding as JSON members."""
        return {
            "id": self.id,
            "level": self.level,
            "area": self.area,
            "operation": self.operation,
            "file": self.file,
            "location": self.location,
            "message": self.message,
        }


Check = Callable[[Any], Iterable[Hit]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A registered check: a stable kebab-case id, its level and area, and the function that finds it."""

    id: str
    level: Level
    area: Area
    what: str
    subject: Subject
    check: Check


RULES: dict[str, Rule] = {}
"""Every rule by id, in registration order (the rules package fills it on import)."""


def register(rule_id: str, level: Level, area: Area, what: str, subject: Subject, check: Check) -> Rule:
    """Add a rule to RULES; ids are unique."""
    if rule_id in RULES:
        raise ValueError(f"duplicate diff rule id {rule_id}")
    RULES[rule_id] = Rule(rule_id, level, area, what, subject, check)
    return RULES[rule_id]


def rule(rule_id: str, level: Level, area: Area, what: str, subject: Subject) -> Callable[[Check], Check]:
    """Decorator form of register()."""

    def decorate(check: Check) -> Check:
        register(rule_id, level, area, what, subject, check)
        return check

    return decorate


@dataclass(frozen=True, slots=True)
class Comparison:
    """The findings between two versions of one spec."""

    old: str
    new: str
    findings: tuple[Finding, ...]


def count(findings: Iterable[Finding]) -> dict[Level, int]:
    """Findings per level, most severe first."""
    counts: dict[Level, int] = dict.fromkeys(reversed(LEVELS), 0)
    for finding in findings:
        counts[finding.level] += 1
    return counts
