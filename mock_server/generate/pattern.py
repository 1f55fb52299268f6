"""This module contains the subset of regular expressions that `pattern` fields may use, compiled to string makers.

The subset: anchors, literals, escapes (digit, word and space classes), character classes, groups, alternation and
quantifiers. Each compiled pattern is checked against `re` on a few samples before it is used.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass

_MAX_REPEAT = 4
_CLASSES = {
    "d": string.digits,
    "w": string.ascii_letters + string.digits + "_",
    "s": " ",
    "D": string.ascii_letters + " -_.:/",
    "W": " -.:/",
    "S": string.ascii_letters + string.digits + "-_.:/",
}
_ANY = string.ascii_letters + string.digits
_UNIVERSE = string.ascii_letters + string.digits + " -_.:/"
Node = Callable[[random.Random], str]
"""A compiled pattern: each call with a random.Random makes a matching string."""


def compile_pattern(pattern: str) -> Node:
    """A function rng -> str whose results match `pattern`; ValueError for constructs outside the subset."""
    parser = _PatternParser(pattern)
    node = parser.alternation()
    if parser.pos < len(pattern):
        raise ValueError(f"pattern {pattern!r}: unbalanced parenthesis")
    compiled = re.compile(pattern)
    if parser.lookarounds:
        node = _retrying(node, compiled)  # a lookaround is generated as if absent: draw until a value matches
    probe = random.Random(0)
    for _ in range(16):
        sample = node(probe)
        if not compiled.search(sample):
            raise ValueError(f"pattern {pattern!r}: cannot generate matching strings (made {sample!r})")
    return node


def _retrying(node: Node, compiled: re.Pattern[str], attempts: int = 100) -> Node:
    def make(rng: random.Random) -> str:
        sample = node(rng)
        for _ in range(attempts):
            if compiled.search(sample):
                break
            sample = node(rng)
        return sample

    return make


@dataclass(slots=True)
class _PatternParser:
    """Recursive descent over anchors, literals, escapes, classes, groups, alternation and quantifiers."""

    pattern: str
    pos: int = 0
    lookarounds: int = 0

    def peek(self) -> str:
        return self.pattern[self.pos] if self.pos < len(self.pattern) else ""

    def take(self) -> str:
        char = self.peek()
        self.pos += 1
        return char

    def alternation(self) -> Node:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.take()
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else lambda rng: rng.choice(branches)(rng)

    def sequence(self) -> Node:
        parts = list(self._atoms())
        return lambda rng: "".join(part(rng) for part in parts)

    def _atoms(self) -> Iterator[Node]:
        while self.peek() not in ("", "|", ")"):
            atom = self.atom()
            if atom is not None:
                yield self.quantified(atom)

    def atom(self) -> Node | None:
        char = self.take()
        if (char == "^" and (self.pos == 1 or self.pattern[self.pos - 2] in "|(")) or (
            char == "$" and self.peek() in ("", "|", ")")
        ):
            return None  # an anchor at the start or end of a branch (^a$|^b$)
        if char == "(":
            lookaround = self.pattern.startswith(("?=", "?!"), self.pos)
            if self.pattern.startswith("?:", self.pos) or lookaround:
                self.pos += 2
            elif self.peek() == "?":
                raise ValueError(f"pattern {self.pattern!r}: unsupported group at {self.pos}")
            inner = self.alternation()
            if lookaround:  # (?!\s): generated as if absent, then drawn until a value matches
                self.lookarounds += 1
                if self.take() != ")":
                    raise ValueError(f"pattern {self.pattern!r}: unbalanced parenthesis")
                return None
            if self.take() != ")":
                raise ValueError(f"pattern {self.pattern!r}: unbalanced parenthesis")
            return inner
        if char == "[":
            return _one_of(self.char_class())
        if char == ".":
            return _one_of(_ANY)
        if char == "\\":
            return _one_of(self.escape())
        if char in "^$*+?{)|":
            raise ValueError(f"pattern {self.pattern!r}: unsupported {char!r} at {self.pos - 1}")
        return lambda rng: char

    def escape(self) -> str:
        char = self.take()
        if char in _CLASSES:
            return _CLASSES[char]
        if not char or char.isalnum():
            raise ValueError(f"pattern {self.pattern!r}: unsupported escape \\{char}")
        return char

    def char_class(self) -> str:
        negate = self.peek() == "^"
        if negate:
            self.take()
        members = ""
        while True:
            char = self.take()
            if not char:
                raise ValueError(f"pattern {self.pattern!r}: unterminated character class")
            if char == "]" and members:
                break
            first = self.escape() if char == "\\" else char
            if self.peek() == "-" and self.pattern[self.pos + 1 : self.pos + 2] not in ("]", ""):
                self.take()
                end = self.take()
                last = self.escape() if end == "\\" else end
                first = "".join(chr(c) for c in range(ord(first), ord(last) + 1))
            members += first
        members = "".join(dict.fromkeys(members))
        return "".join(c for c in _UNIVERSE if c not in members) if negate else members

    def quantified(self, atom: Node) -> Node:
        char = self.peek()
        bounds = re.match(r"\{(\d+)(,(\d*))?\}", self.pattern[self.pos :])
        if char == "?":
            low, high = 0, 1
        elif char == "*":
            low, high = 0, _MAX_REPEAT
        elif char == "+":
            low, high = 1, 1 + _MAX_REPEAT
        elif char == "{" and bounds:
            low_text, comma, high_text = bounds.groups(default="")
            low = int(low_text)
            high = low if not comma else int(high_text) if high_text else low + _MAX_REPEAT
            self.pos += bounds.end() - 1
        else:
            return atom
        self.take()
        if self.peek() == "?":  # lazy quantifiers match the same strings
            self.take()
        return lambda rng: "".join(atom(rng) for _ in range(rng.randint(low, high)))


def _one_of(members: str) -> Node:
    if len(members) == 1:
        return lambda rng: members
    return lambda rng: members[int(rng.random() * len(members))]
