"""Bearer tokens: a signature is checked once per process, the expiry at every use."""
from __future__ import annotations

import time

import pytest

from api.auth import InvalidToken, mint, verify
from core.settings import Settings

SETTINGS = Settings(token_secret="s" * 40)


def test_a_token_accepted_once_is_refused_after_it_expires():
    now = time.time()
    token = mint(SETTINGS, "navigator", sub="nav-7", ttl_s=60, now=now)
    assert verify(SETTINGS, token, now=now + 1).sub == "nav-7"
    assert verify(SETTINGS, token, now=now + 59).role == "navigator"
    with pytest.raises(InvalidToken, match="token expired"):
        verify(SETTINGS, token, now=now + 60)


def test_a_token_expired_before_it_is_first_seen_is_refused():
    token = mint(SETTINGS, "manager", ttl_s=60, now=time.time() - 120)
    with pytest.raises(InvalidToken, match="token expired"):
        verify(SETTINGS, token)


def test_a_token_altered_or_signed_with_another_secret_is_refused_even_after_the_genuine_one_was_accepted():
    token = mint(SETTINGS, "partner", partner_id="p-1")
    assert verify(SETTINGS, token).partner_id == "p-1"
    header, payload, signature = token.split(".")
    altered = mint(Settings(token_secret="t" * 40), "admin").split(".")[1]
    for forged in (f"{header}.{altered}.{signature}", mint(Settings(token_secret="t" * 40), "partner", partner_id="p-1")):
        with pytest.raises(InvalidToken, match="invalid token"):
            verify(SETTINGS, forged)
    with pytest.raises(InvalidToken, match="invalid token"):
        verify(Settings(token_secret="u" * 40), token)
