"""The house keeps its design: stages import downwards only, the receiving side never
reaches the writer, no cycles, small modules. See docs/architecture.md.

The import graph is read from the source (every import statement, also those inside
functions), so a lazy import cannot hide an edge; a second check imports the
validator in a fresh interpreter and looks at what was loaded.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "packager"
MAX_LINES = 450
MAX_PLAIN_MODULES = 6  # besides __init__ and __main__

#: Stages from the bottom up. A module may import its own stage and lower layers only;
#: stages that share a layer are siblings and never import each other.
LAYERS: list[set[str]] = [
    {"base"},  # model, errors
    {"issues", "schemas"},  # the issue registry; the shipped reference data
    {"collection"},
    {"analysis"},
    {"review"},
    {"metadata"},
    {"files", "engine"},  # looking at files; where item work runs (threads or a Dask cluster)
    {"embed", "bag", "validate"},
    {"pipeline"},
    {"cli"},
    {"__main__"},
]
BASE = {"packager", "packager.model", "packager.errors"}
WRITER = ("packager.bag", "packager.embed", "packager.pipeline", "packager.cli")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def stage(module: str) -> str:
    if module in BASE:
        return "base"
    return module.split(".")[1]


def layer(module: str) -> int:
    return next(i for i, stages in enumerate(LAYERS) if stage(module) in stages)


def imports_of(module: str) -> set[str]:
    """Every packager module ``module`` imports, wherever the import statement stands."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("packager"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base.split(".")[0] != "packager":
                continue
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    found.discard(module)
    unknown = found - set(MODULES)
    assert not unknown, f"{module} imports modules that do not exist: {unknown}"
    return found


GRAPH = {m: imports_of(m) for m in MODULES}


def reachable(start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in GRAPH[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


def test_the_graph_is_read_from_the_source() -> None:
    """The checks below see real edges, lazy ones included."""
    assert "packager.validate.check" in GRAPH["packager.validate.validator"]
    assert "packager.pipeline" in GRAPH["packager.cli.main"]  # imported inside the commands
    assert len(MODULES) > 50


def test_no_import_cycle() -> None:
    cycles = sorted(m for m in MODULES if m in reachable(m))
    assert cycles == [], f"modules on an import cycle: {cycles}"


def test_the_receiving_side_never_reaches_the_writer() -> None:
    for module in (m for m in MODULES if m.startswith("packager.validate")):
        reached = {m for m in reachable(module) if m.startswith(WRITER)}
        assert not reached, f"{module} reaches {sorted(reached)}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_stages_import_downwards_only(module: str) -> None:
    upward = sorted(m for m in GRAPH[module] if stage(m) != stage(module) and layer(m) >= layer(module))
    assert upward == [], f"{module} (layer {layer(module)}) imports {upward}"


def test_modules_stay_small() -> None:
    sizes = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in MODULES.items()}
    assert {m: n for m, n in sizes.items() if n > MAX_LINES} == {}


def test_few_plain_modules_at_the_top() -> None:
    plain = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py"))
    assert len(plain) <= MAX_PLAIN_MODULES, plain


def loaded_after(module: str) -> set[str]:
    code = f"import sys, {module}; print(' '.join(m for m in sys.modules if m.startswith('packager')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(out.stdout.split())


def test_importing_the_validator_loads_no_writer() -> None:
    loaded = loaded_after("packager.validate.validator")
    assert {"packager.validate.metacheck", "packager.validate.check"} <= loaded
    assert not {m for m in loaded if m.startswith(WRITER) or m.startswith("packager.analysis")}


def test_importing_the_bag_writer_loads_no_validator() -> None:
    loaded = loaded_after("packager.bag.writer")
    assert "packager.bag.writer" in loaded
    assert not {m for m in loaded if m.startswith(("packager.validate", "packager.embed"))}


def test_the_design_documents_name_the_real_house() -> None:
    """docs/architecture.md and the README's table name every subpackage, and every
    module path they name exists."""
    design = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    subpackages = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))
    for text in (design, readme):
        assert [s for s in subpackages if f"`{s}/`" not in text] == []
    named = set(re.findall(r"`((?:[a-z_]+/)*[a-z_]+\.py)`", design))
    missing = sorted(n for n in named if not any(p.as_posix().endswith(n) for p in PACKAGE.rglob("*.py"))
                     and not (ROOT / n).exists())
    assert missing == []
    assert "DESIGN" + ".md" not in design


def test_code_cites_the_design_in_the_repository() -> None:
    """Comments point at docs/ in this repository, never at a design file outside it."""
    outside = "DESIGN" + ".md"
    files = [*PACKAGE.rglob("*.py"), *(ROOT / "tests").glob("*.py"), *(ROOT / "scripts").glob("*.py")]
    assert sorted(str(p.relative_to(ROOT)) for p in files if outside in p.read_text(encoding="utf-8")) == []
