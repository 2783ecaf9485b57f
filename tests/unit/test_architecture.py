"""Dependencies point inward: the rules and the geometry know nothing of Kafka, HTTP or Faust."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = {"core", "geo", "handlers", "bus", "streams", "api", "muster", "bench", "tests"}
MAY_IMPORT = {
    "core": set(),
    "geo": set(),
    "handlers": {"geo"},
    "bus": {"core", "handlers"},
    "streams": {"core", "geo", "handlers", "bus"},
    "api": {"core", "geo", "handlers", "bus"},
}
"""Each floor and the floors below it that it may use: dependencies point inward and down, to the
rules. `muster/` (the CLI, the composition root, the broker manager, sample data) and `bench/` are
the top floor: nothing above imports them."""
FRAMEWORKS = {"faust", "aiokafka", "fastapi", "starlette", "uvicorn", "mode", "pydantic_settings"}
PURE = {"core": FRAMEWORKS - {"pydantic_settings"}, "geo": FRAMEWORKS, "handlers": FRAMEWORKS}
"""Third-party frameworks the inner floors never import: the rules and the geometry know nothing of
Kafka, HTTP or Faust, and only core reads the environment."""


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _offenders(package: str, forbidden: set[str]) -> dict[str, list[str]]:
    found = {str(path.relative_to(ROOT)): sorted(imports(path) & forbidden) for path in (ROOT / package).rglob("*.py")}
    return {path: names for path, names in found.items() if names}


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_each_floor_imports_only_the_floors_below_it(package):
    assert _offenders(package, OURS - MAY_IMPORT[package] - {package}) == {}


@pytest.mark.parametrize("package", sorted(PURE))
def test_the_inner_floors_know_nothing_of_kafka_http_or_faust(package):
    assert _offenders(package, PURE[package]) == {}


def test_nothing_imports_the_top_floor():
    below = [package for package in MAY_IMPORT]
    assert {p: n for package in below for p, n in _offenders(package, {"muster", "bench"}).items()} == {}


def test_the_api_never_imports_the_workers():
    assert _offenders("api", {"streams"}) == {}


def test_no_pickle_anywhere():
    for package in ("core", "handlers", "geo", "streams", "api", "bus", "muster"):
        for path in (ROOT / package).rglob("*.py"):
            assert "pickle" not in imports(path), path
            assert "pickle" not in path.read_text().replace("no pickle", ""), path


def _modules_imported(path: Path) -> set[str]:
    """Every module `path` imports, by its dotted name; a relative import as `.name`, wherever it points."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return found


def test_tests_share_builders_and_fixtures_only_through_tests_support():
    """Of the tests, a module imports only tests.support (builders, plugin modules of fixtures): a test
    module imported by another would have its tests collected twice and its fixtures shadow the
    parameters that ask for them; conftest files are pytest's to load, not anyone's to import."""
    offenders = {}
    for path in (ROOT / "tests").rglob("*.py"):
        ours = sorted(name for name in _modules_imported(path)
                      if name.startswith(".") or (name.split(".")[0] == "tests"
                                                  and name != "tests.support" and not name.startswith("tests.support.")))
        if ours:
            offenders[str(path.relative_to(ROOT))] = ours
    assert offenders == {}
