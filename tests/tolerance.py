"""Comparing documents with numbers in them: structure and text exact, numbers to 1e-9 relative.

Golden files were written with one version of the solver; another allowed version may differ
in the last digits (1e-14). A golden comparison must fail on a real change, not on those.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

REL = 1e-9
ABS = 1e-9
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=ABS)


def json_differences(got: Any, want: Any, path: str = "$") -> list[str]:
    """Where two JSON values differ: keys, order, types and strings exactly; numbers to 1e-9."""
    if isinstance(want, bool) or want is None or isinstance(want, str):
        return [] if got == want and type(got) is type(want) else [f"{path}: {got!r} != {want!r}"]
    if isinstance(want, int | float):
        ok = isinstance(got, int | float) and not isinstance(got, bool) and close(got, want)
        return [] if ok else [f"{path}: {got!r} != {want!r}"]
    if isinstance(want, dict):
        if not isinstance(got, dict) or list(got) != list(want):
            return [f"{path}: keys {list(got) if isinstance(got, dict) else got!r} != {list(want)}"]
        return [d for k in want for d in json_differences(got[k], want[k], f"{path}.{k}")]
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return [f"{path}: length {len(got) if isinstance(got, list) else got!r} != {len(want)}"]
        return [d for i, (g, w) in enumerate(zip(got, want, strict=True))
                for d in json_differences(g, w, f"{path}[{i}]")]
    raise TypeError(f"{path}: not a JSON value: {want!r}")


def assert_same_json(got_text: str, want_text: str) -> None:
    diffs = json_differences(json.loads(got_text), json.loads(want_text))
    assert not diffs, "\n".join(diffs[:20])


def text_differences(got: str, want: str) -> list[str]:
    """Line by line: the text between numbers exact, the numbers to 1e-9 relative."""
    g_lines, w_lines = got.splitlines(), want.splitlines()
    if len(g_lines) != len(w_lines):
        return [f"{len(g_lines)} lines != {len(w_lines)} lines"]
    out = []
    for i, (g, w) in enumerate(zip(g_lines, w_lines, strict=True), 1):
        if NUMBER.split(g) != NUMBER.split(w):
            out.append(f"line {i}: {g!r} != {w!r}")
            continue
        gn, wn = NUMBER.findall(g), NUMBER.findall(w)
        if len(gn) != len(wn) or not all(close(float(a), float(b)) for a, b in zip(gn, wn, strict=True)):
            out.append(f"line {i}: {g!r} != {w!r}")
    return out


def assert_same_text(got: str, want: str) -> None:
    diffs = text_differences(got, want)
    assert not diffs, "\n".join(diffs[:20])
