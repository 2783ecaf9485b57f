"""Logging for Muster's processes: plain or JSON lines, and no floods while Kafka is unreachable."""
from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime


class RepeatFilter(logging.Filter):
    """Lets a given message through once per `every_s` seconds, then says how many it held back.

    aiokafka logs every failed reconnect; while a broker restarts that is thousands of lines a
    second, which would bury everything else.
    """

    def __init__(self, loggers: str = "aiokafka", every_s: float = 10.0, clock=time.monotonic) -> None:
        super().__init__()
        self.loggers = loggers
        self.every_s = every_s
        self.clock = clock
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(self.loggers):
            return True
        key = (record.name, str(record.msg))
        now = self.clock()
        last, held = self._seen.get(key, (float("-inf"), 0))
        if now - last < self.every_s:
            self._seen[key] = (last, held + 1)
            return False
        if held:
            record.msg = f"{record.msg} (and {held} more like it in the last {self.every_s:.0f} s)"
        self._seen[key] = (now, 0)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message; `exc` if any.

    Only the formatted message is written, never a record's arguments or extras on their own, so
    a line holds exactly what the code chose to say (and Muster never logs request bodies)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str = "INFO", log_format: str | None = None) -> None:
    """Log to stderr in the configured format (`MUSTER_LOG_FORMAT`: plain or json)."""
    if log_format is None:
        from core.settings import get_settings

        log_format = get_settings().log_format
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    quiet = RepeatFilter()
    for handler in logging.getLogger().handlers:
        handler.addFilter(quiet)
        if log_format == "json":
            handler.setFormatter(JsonFormatter())
