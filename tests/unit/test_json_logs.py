"""MUSTER_LOG_FORMAT=json: one JSON object per line, for log shippers; plain lines stay the default."""
from __future__ import annotations

import json
import logging

import pytest

from core.settings import Settings, get_settings
from muster.logs import configure


@pytest.fixture
def bare_root():
    """Call it to take pytest's handlers off the root logger (as in a fresh process); they are
    put back afterwards."""
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level

    def bare():
        root.handlers = []

    yield bare
    for handler in root.handlers:
        handler.close()
    root.handlers, root.level = saved, level


def test_json_lines_carry_time_level_logger_and_message(bare_root, capfd):
    bare_root()
    configure("INFO", "json")
    logging.getLogger("streams.incidents").warning("dead-lettered %s at offset %d", "incidents", 42)
    try:
        raise ValueError("bad area")
    except ValueError:
        logging.getLogger("api.routes.cap").exception("could not apply")
    lines = capfd.readouterr().err.strip().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert set(first) == {"time", "level", "logger", "message"}
    assert (first["level"], first["logger"], first["message"]) == ("WARNING", "streams.incidents",
                                                                   "dead-lettered incidents at offset 42")
    assert first["time"].endswith("+00:00") and "T" in first["time"]
    assert second["level"] == "ERROR" and "ValueError: bad area" in second["exc"]


def test_the_setting_chooses_the_format(bare_root, capfd, monkeypatch):
    monkeypatch.setenv("MUSTER_LOG_FORMAT", "json")
    get_settings.cache_clear()
    try:
        bare_root()
        configure("INFO")
        logging.getLogger("muster").info("ready")
    finally:
        get_settings.cache_clear()
    assert json.loads(capfd.readouterr().err)["message"] == "ready"


def test_plain_is_the_default_and_other_formats_are_refused(bare_root, capfd):
    assert Settings().log_format == "plain"
    with pytest.raises(ValueError):
        Settings(log_format="xml")
    bare_root()
    configure("INFO", "plain")
    logging.getLogger("muster").info("ready")
    line = capfd.readouterr().err.strip()
    assert line.endswith("INFO muster ready") and not line.startswith("{")
