"""This module contains where the two sides of a diff come from: spec files, `git:REV:PATH`, and every spec that
changed since a revision (`--base REV`)."""

from __future__ import annotations

import os
import subprocess
import tomllib
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

import orjson
import yaml

from mock_server.errors import Problem, SettingsError, SpecError
from mock_server.specs import SPEC_SUFFIXES, load_document
from mock_server.types import Document

GIT_PREFIX = "git:"
EMPTY: Document = {"openapi": "3.0.3", "paths": {}}
"""The side of a spec that does not exist at one end (added or deleted since the base)."""


@dataclass(frozen=True, slots=True)
class Side:
    """One version of a spec: how the report names it and its parsed document."""

    label: str
    document: Document


def load_side(ref: str) -> Side:
    """A spec file, or `git:REV:PATH` (PATH as git reads it: from the repository root, or `./` from here)."""
    if not ref.startswith(GIT_PREFIX):
        return Side(ref, load_document(Path(ref)))
    rev, sep, path = ref[len(GIT_PREFIX) :].partition(":")
    if not rev or not sep or not path:
        raise SettingsError(f"{ref}: expected git:REV:PATH, e.g. git:origin/main:specs/eguma.yaml")
    return Side(ref, parse_document(git_show(rev, path, Path.cwd()), ref))


def parse_document(text: str, label: str) -> Document:
    """Parse a spec's text; SpecError (label: /: reason) when it is not a YAML/JSON mapping."""
    try:
        data = orjson.loads(text) if label.endswith(".json") else yaml.safe_load(text)
    except (yaml.YAMLError, orjson.JSONDecodeError) as exc:
        raise SpecError([Problem(label, "", f"not valid YAML/JSON: {' '.join(str(exc).split())}")]) from None
    if not isinstance(data, dict):
        raise SpecError([Problem(label, "", "not an OpenAPI document (top level is not a mapping)")])
    return data


def changed_sides(base: str, spec_dir: Path, config: Path | None) -> list[tuple[Side, Side]]:
    """(old, new) for every spec changed since `base`: those in spec_dir and those the config's `specs` globs name.

    `base` is compared with the working tree: uncommitted edits count, and so does a new spec not yet added to git.
    A spec added since `base` is compared with an empty document, a deleted one the other way round.
    """
    cwd = Path.cwd().resolve()
    root = Path(_git(["rev-parse", "--show-toplevel"], cwd, "--base needs a git repository").strip())
    _git(["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"], root, f"unknown revision {base!r}")
    is_spec = _spec_matcher(spec_dir, config)
    listing = _git(["diff", "--name-status", "--no-renames", "-z", base, "--"], root, f"cannot diff against {base}")
    fields = listing.split("\0")
    changes = list(zip(fields[::2], fields[1::2], strict=False))
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], root, "cannot list untracked files")
    changes += [("A", name) for name in untracked.split("\0") if name]
    pairs = []
    for status, name in sorted(changes, key=lambda change: change[1]):
        path = root / name
        if not is_spec(path):
            continue
        label = _relative(path, cwd)
        old_label = f"{GIT_PREFIX}{base}:{name}"
        old = Side(old_label, EMPTY if status == "A" else parse_document(git_show(base, name, root), old_label))
        new = Side(label, EMPTY if status == "D" else load_document(Path(label)))
        pairs.append((old, new))
    return pairs


def git_show(rev: str, path: str, cwd: Path) -> str:
    """A file's text at a revision; SettingsError with git's one-line reason when there is none."""
    return _git(["show", f"{rev}:{path}"], cwd, f"git:{rev}:{path}")


def _git(args: list[str], cwd: Path, what: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise SettingsError(f"{what}: git is not installed") from None
    if done.returncode != 0:
        reason = next((line for line in done.stderr.splitlines() if line.strip()), "")
        reason = reason.removeprefix("fatal: ").strip()
        raise SettingsError(f"{what}: {reason}" if reason else what)
    return done.stdout


def _spec_matcher(spec_dir: Path, config: Path | None) -> _Matcher:
    patterns: list[str] = []
    config_dir = Path.cwd()
    if config is not None:
        config_dir = config.resolve().parent
        patterns = _config_patterns(config)
    return _Matcher(spec_dir.resolve(), config_dir, tuple(patterns))


@dataclass(frozen=True, slots=True)
class _Matcher:
    """Whether a path is one of the specs: in the bundled directory, or named by a `specs` glob of the config
    (relative to the config file; a directory pattern takes the specs in it)."""

    spec_dir: Path
    config_dir: Path
    patterns: tuple[str, ...]

    def __call__(self, path: Path) -> bool:
        if path.suffix not in SPEC_SUFFIXES:
            return False
        if path.parent.resolve() == self.spec_dir:
            return True
        try:
            relative = PurePosixPath(path.resolve().relative_to(self.config_dir).as_posix())
        except ValueError:
            return False
        candidates = [str(relative), *(str(p) for p in relative.parents if str(p) != ".")]
        return any(fnmatch(c, p.removeprefix("./").rstrip("/")) for c in candidates for p in self.patterns)


def _config_patterns(config: Path) -> list[str]:
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"{config}: cannot read config: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{config}: not valid TOML: {exc}") from None
    patterns = data.get("specs", [])
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise SettingsError(f'{config}: specs must be a list of paths or globs, e.g. specs = ["apis/*.yaml"]')
    return patterns


def _relative(path: Path, cwd: Path) -> str:
    """The path as the user would type it from here (`specs/a.yaml`, `../specs/a.yaml`)."""
    return os.path.relpath(path, cwd)
