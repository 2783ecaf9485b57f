"""Dependencies point inward: the rules and the geometry know nothing of Kafka, HTTP or Faust."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "handlers": {"faust", "aiokafka", "fastapi", "starlette", "uvicorn", "streams", "api", "bus", "mode"},
    "geo": {"faust", "aiokafka", "fastapi", "starlette", "uvicorn", "streams", "api", "bus", "handlers", "muster", "pydantic_settings"},
}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_inner_packages_do_not_import_the_outer_layers(package):
    offenders = {
        str(path.relative_to(ROOT)): sorted(imports(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {p: i for p, i in offenders.items() if i} == {}


def test_no_pickle_anywhere():
    for package in ("handlers", "geo", "streams", "api", "bus", "muster"):
        for path in (ROOT / package).rglob("*.py"):
            assert "pickle" not in imports(path), path
            assert "pickle" not in path.read_text().replace("no pickle", ""), path
