"""This module contains the registry of per-vendor business rules (RULESETS) and `rules_for(api)`."""

from __future__ import annotations

from mock_server.rules import eguma, mittwald, plandocket, printlounge
from mock_server.rules.base import Context, Links, Rule, RuleSet, Violation

RULESETS: dict[str, RuleSet] = {
    ruleset.api: ruleset for ruleset in (plandocket.RULES, eguma.RULES, printlounge.RULES, mittwald.RULES)
}


def rules_for(api: str) -> RuleSet:
    """The rules of an API; an API without vendor rules gets only the generic ones (keys, unique fields, links)."""
    return RULESETS.get(api) or RuleSet(api=api)


__all__ = ["RULESETS", "Context", "Links", "Rule", "RuleSet", "Violation", "rules_for"]
