"""The layout docs/architecture.md describes is the layout the code has.

Dependencies point one way (front ends -> pipeline -> stages -> core), the library never
imports Streamlit or the CLI, imports sit at module top, the page folder holds only pages
app.py registers, and every room is named in the architecture doc.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = [p for d in ("planning", "forecasts") for p in (ROOT / d).rglob("*.py")]
FRONT = [*(ROOT / "app_pages").glob("*.py"), *(ROOT / "ui").glob("*.py"), ROOT / "app.py"]
PROJECT = ("planning", "forecasts", "ui", "app_pages", "devtools", "tests")
# rooms the pipeline sits above; a stage importing the pipeline would point upwards
STAGES = ("inputs", "requirements", "optimise", "risk", "actuals", "store", "reports")


def module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def imports(path: Path) -> list[tuple[str, bool]]:
    """(imported module, imported at module top?) for every import in a file."""
    tree = ast.parse(path.read_text(), str(path))
    top = set(map(id, tree.body))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, id(node) in top))
    # imports inside `if TYPE_CHECKING:` / `try:` at module level count as top-level
    for node in tree.body:
        if isinstance(node, ast.If | ast.Try):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Import | ast.ImportFrom):
                    names = [a.name for a in sub.names] if isinstance(sub, ast.Import) else [sub.module]
                    out = [(m, t or m in names) for m, t in out]
    return out


def test_the_library_never_imports_streamlit_the_app_or_the_cli():
    bad = []
    for path in LIBRARY:
        inside_cli = module(path).startswith("planning.cli")
        for name, _ in imports(path):
            root = name.split(".")[0]
            if root in {"streamlit", "ui", "app_pages", "app"} or (
                    name.startswith("planning.cli") and not inside_cli):
                bad.append(f"{module(path)} imports {name}")
    assert not bad, bad


def test_stages_do_not_import_the_pipeline_or_front_ends():
    bad = [f"{module(p)} imports {name}" for p in LIBRARY
           if module(p).split(".")[1:2] and module(p).split(".")[1] in STAGES
           for name, _ in imports(p) if name in {"planning.pipeline"}]
    assert not bad, bad


def test_project_imports_sit_at_module_top():
    """A function-level import of the project's own code hides a cycle; only heavy optional
    third-party packages may be imported late."""
    late = [f"{module(p)} imports {name} inside a function" for p in [*LIBRARY, *FRONT]
            for name, at_top in imports(p) if not at_top and name.split(".")[0] in PROJECT]
    assert not late, late


def test_the_page_folder_holds_only_registered_pages():
    registered = set(re.findall(r'st\.Page\("(app_pages/\w+\.py)"', (ROOT / "app.py").read_text()))
    present = {f"app_pages/{p.name}" for p in (ROOT / "app_pages").iterdir() if p.suffix == ".py"}
    assert present == registered
    assert not [p for p in (ROOT / "app_pages").iterdir() if p.suffix not in {".py", ""}
                and p.name != "__pycache__"]


def test_few_modules_sit_directly_in_planning():
    top = sorted(p.stem for p in (ROOT / "planning").glob("*.py") if p.stem != "__init__")
    assert len(top) <= 12, top


@pytest.mark.parametrize("room", sorted(
    p.name for p in (ROOT / "planning").iterdir() if p.is_dir() and (p / "__init__.py").exists()))
def test_every_room_is_in_the_architecture_doc(room):
    assert f"`planning/{room}/`" in (ROOT / "docs" / "architecture.md").read_text()


def test_every_room_in_the_architecture_doc_exists():
    named = re.findall(r"`((?:planning|forecasts|app_pages|ui|devtools)/[\w/]*)`",
                       (ROOT / "docs" / "architecture.md").read_text())
    assert named
    missing = [n for n in named if not (ROOT / n.rstrip("/")).exists()]
    assert not missing, missing
