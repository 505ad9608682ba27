"""Small helpers of the scenario store: who is saving, package versions, ``--set k=v``."""

from __future__ import annotations

import dataclasses
import getpass
import os
import platform
from collections.abc import Iterable
from importlib import metadata
from typing import Any

from planning.errors import InputError, Issue
from planning.inputs.scenario_toml import SCENARIO_KEYS, update_scenario
from planning.inputs.tables import Inputs

#: packages whose versions are kept with every saved scenario
PACKAGES = ("headcount-planner", "pandas", "numpy", "pulp", "highspy", "openpyxl", "XlsxWriter",
            "sqlalchemy",
            "statsforecast")


def who_am_i() -> str:
    """The operating-system user (``unknown`` when none can be found)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError, ImportError):  # no user in the password database (containers)
        return os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"


def package_versions() -> dict[str, str]:
    """Python's and the main packages' versions (those installed)."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def apply_settings(inputs: Inputs, assignments: Iterable[str], *, source: str = "--set") -> Inputs:
    """The inputs with scenario keys changed by ``section.key=value`` assignments.

    ``section.key=`` (nothing after ``=``) removes the key, so its default applies.
    The result is checked like ``scenario.toml``; a bad key or value raises InputError
    naming it (e.g. ``--set: levers.volume_multiplier = -1, must be a number >= 0``).
    """
    changes: dict[str, dict[str, Any]] = {}
    issues: list[Issue] = []
    given: set[str] = set()
    for text in assignments:
        key, sep, value = text.partition("=")
        key = key.strip()
        if key in given:
            issues.append(Issue(source, None, key, None,
                                f"{key} is given twice: give each setting once"))
            continue
        given.add(key)
        if not sep or key not in SCENARIO_KEYS:
            issues.append(Issue(source, None, key or text, None,
                                "expected section.key=value with a scenario key, one of "
                                + ", ".join(SCENARIO_KEYS)))
            continue
        section, item = key.split(".", 1)
        # key= with nothing after it: back to the default (e.g. no budget cap)
        changes.setdefault(section, {})[item] = value.strip() or None
    if issues:
        raise InputError(issues)
    scenario, problems = update_scenario(inputs.scenario, changes, source)
    if scenario is None or any(p.severity == "error" for p in problems):
        raise InputError(problems)
    return dataclasses.replace(inputs, scenario=scenario)
