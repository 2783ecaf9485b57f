"""The navigator's screen names what the API sends it in both languages: every service type with
the labels handlers/sites.py gives it, and every reason code a search leaves a site out with."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import get_args

import pytest

from api.printed import STATUS_REASONS
from handlers.service_directory import ExclusionCode
from handlers.sites import SERVICE_TYPE_LABELS, SERVICE_TYPES, StatusReason

JS = Path(__file__).resolve().parents[3] / "api" / "static" / "js"
ENTRY = re.compile(r'^\s*"([^"]+)":\s*"((?:[^"\\]|\\.)*)",?$', re.MULTILINE)


def dictionaries() -> dict[str, dict[str, str]]:
    """i18n.js's two dictionaries, read as the key-per-line literals they are written as."""
    text = (JS / "i18n.js").read_text("utf-8")
    english, french = text.split("\n  fr: {", 1)
    return {"en": dict(ENTRY.findall(english)), "fr": dict(ENTRY.findall(french))}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_service_type_has_its_label_from_the_directory(lang):
    words = dictionaries()[lang]
    assert {t: words.get(f"serviceType.{t}") for t in SERVICE_TYPES} == {
        t: getattr(SERVICE_TYPE_LABELS[t], lang) for t in SERVICE_TYPES}


def test_the_screen_offers_every_service_type_in_the_directorys_order():
    source = (JS / "screens" / "services.js").read_text("utf-8")
    listed = re.search(r"export const SERVICE_TYPES = (\[.*?\]);", source, re.DOTALL).group(1)
    assert json.loads(re.sub(r",\s*\]", "]", listed)) == list(SERVICE_TYPES)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_reason_a_search_gives_reads_in_both_languages(lang):
    words = dictionaries()[lang]
    assert [code for code in get_args(ExclusionCode) if f"exclusion.{code}" not in words] == []
    assert [reason for reason in get_args(StatusReason) if f"statusReason.{reason}" not in words] == []
    assert set(STATUS_REASONS[lang]) == set(get_args(StatusReason))


def test_french_words_differ_from_english_where_the_languages_do():
    words = dictionaries()
    assert words["fr"]["exclusion.not_open_now"] != words["en"]["exclusion.not_open_now"]
    assert (words["fr"]["compass.SW"], words["fr"]["compass.W"], words["fr"]["compass.NW"]) == ("SO", "O", "NO")
