"""This module contains name matching: case and separator variants, singular forms and field lookups by name."""

from __future__ import annotations

import re
from collections.abc import Iterable

_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def norm(name: str) -> str:
    """The name without case and separators: petId, pet_id, pet-id and PetID all read 'petid'."""
    return _NOT_ALNUM.sub("", name.lower())


def singular(word: str) -> str:
    """A plain English singular: categories -> category, addresses -> address, pets -> pet, status -> status."""
    lower = word.lower()
    if lower.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if lower.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if lower.endswith("s") and not lower.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def find_field(name: str, fields: Iterable[str], owner: str = "") -> str | None:
    """The field `name` refers to: the same name, else a case/separator variant (createdAt ~ created_at), else the
    owner's variant (petId ~ id of a pet, when owner is 'pets'); None when nothing matches."""
    names = list(fields)
    if name in names:
        return name
    wanted = norm(name)
    for candidate in names:
        if norm(candidate) == wanted:
            return candidate
    if owner:
        prefix = norm(singular(owner))
        for candidate in names:
            if prefix + norm(candidate) == wanted:
                return candidate
    return None
