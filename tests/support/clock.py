"""The moment most scenarios happen at: noon UTC on the day of the Orillia ice storm."""
from __future__ import annotations

from datetime import datetime, timezone

NOON = datetime(2025, 3, 30, 12, 0, tzinfo=timezone.utc)
