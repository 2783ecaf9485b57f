"""Every reason code a refusal can carry has English and French text on the dashboard, and the
texts use only the parameters their code carries."""
from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

from handlers.reasons import CODES, ReasonCode

I18N = Path(__file__).resolve().parents[3] / "api" / "static" / "js" / "i18n.js"
LANGUAGES = ("en", "fr")


def reason_texts(language: str) -> dict[str, str]:
    """The `reason.*` entries of one dictionary in api/static/js/i18n.js, read as its lines are
    written: `  en: {` opens a dictionary, `"key": "text",` one entry per line."""
    source = I18N.read_text(encoding="utf-8")
    block = re.search(rf"^  {language}: \{{\n(.*?)^  \}},?$", source, re.MULTILINE | re.DOTALL)
    assert block is not None, f"no {language} dictionary in {I18N}"
    return dict(re.findall(r'^ +"(reason\.[\w.]+)": "((?:[^"\\]|\\.)*)",$', block.group(1), re.MULTILINE))


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def test_the_reason_codes_and_their_parameters_are_listed_alike():
    assert set(get_args(ReasonCode)) == set(CODES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_reason_code_has_text_in_each_language_and_no_text_names_an_unknown_code(language):
    texts = reason_texts(language)
    codes = {key.split(".")[1] for key in texts}
    assert sorted(set(CODES) - codes) == [], "codes without text"
    assert sorted(codes - set(CODES)) == [], "texts for codes handlers/reasons.py does not have"


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_text_fills_only_parameters_its_code_always_carries_or_its_variant_names(language):
    """`reason.<code>` may use the code's required parameters; a variant (`reason.<code>.<variant>`),
    shown when an optional parameter is there, may use the optional ones too."""
    wrong = {}
    for key, text in reason_texts(language).items():
        code, *variant = key.split(".")[1:]
        params = CODES[code]
        allowed = {"message", *params.required, *(params.optional if variant else ())}
        if placeholders(text) - allowed:
            wrong[key] = sorted(placeholders(text) - allowed)
    assert wrong == {}


def test_french_and_english_fill_the_same_parameters():
    english, french = reason_texts("en"), reason_texts("fr")
    assert english.keys() == french.keys()
    assert {key: placeholders(text) for key, text in english.items()} == \
        {key: placeholders(text) for key, text in french.items()}
