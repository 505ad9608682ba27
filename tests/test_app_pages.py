"""The page scripts in app_pages/ are only pages: importing one runs nothing, every one is
registered by app.py, and nothing else lives in the folder."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "app_pages").glob("*.py"))


def test_every_page_script_is_registered_by_app_py():
    registered = set(re.findall(r'st\.Page\("(app_pages/\w+\.py)"', (ROOT / "app.py").read_text()))
    assert registered == {f"app_pages/{p.name}" for p in PAGES}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_importing_a_page_runs_nothing(page, monkeypatch):
    """Loaded as a module (not as the script Streamlit runs), a page only defines its
    functions: ``main`` is not called, so its helpers can be imported and tested."""
    import streamlit as st

    def boom(*args, **kwargs):
        raise AssertionError(f"{page.name} drew on import")

    for name in ("title", "info", "error", "dataframe", "columns", "button", "plotly_chart"):
        monkeypatch.setattr(st, name, boom)
    names = runpy.run_path(str(page), run_name="app_pages_import_test")
    assert callable(names["main"])
