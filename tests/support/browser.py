"""Debian's headless Chromium for the dashboard tests: where it is, how it runs, the screen sizes the
pages are checked at, and where screenshots go."""
from __future__ import annotations

import os
from pathlib import Path

from tests.support.processes import OUTPUT

CHROMIUM = os.environ.get("MUSTER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
SCREENSHOTS = OUTPUT / "screenshots"
STATIC = Path(__file__).resolve().parents[2] / "api" / "static"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
