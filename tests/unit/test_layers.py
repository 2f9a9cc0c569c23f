"""The layers import downwards only: ``shared`` (contract, internal messages, nameko
helpers) knows nothing of the services, the command line or the test data above it, so a
service can be read, built and changed without the rest."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ABOVE_SHARED = ("services", "wagewatch", "testkit", "tests", "loadtests")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):      # function-level imports too: a lazy import is still an arrow
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "shared").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_under_shared_imports_a_layer_above_it(path):
    upward = sorted(name for name in imported_modules(path) if name.split(".")[0] in ABOVE_SHARED)
    assert upward == [], f"{path.relative_to(ROOT)} imports {upward}"


def test_the_services_never_import_the_test_data():
    leaks = {str(path.relative_to(ROOT)): sorted(n for n in imported_modules(path) if n.split(".")[0] == "testkit")
             for path in (ROOT / "services").rglob("*.py")}
    assert {path: names for path, names in leaks.items() if names} == {}
