"""Invitation tokens: long enough, fit a deep link, stored only as a hash."""

import math
import re

from bot.accounts.tokens import deep_link, looks_like_token, new_token, token_hash


def test_tokens_carry_at_least_128_bits_and_fit_a_deep_link() -> None:
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", token)
        assert len(token) * math.log2(64) >= 128
        assert looks_like_token(token)


def test_hash_is_stable_and_hides_the_token() -> None:
    token = new_token()
    assert token_hash(token) == token_hash(token)
    assert token not in token_hash(token)
    assert token_hash(token) != token_hash(new_token())


def test_payloads_outside_the_deep_link_alphabet_are_not_tokens() -> None:
    for payload in ["", "a b", "x" * 65, "<script>", "é"]:
        assert not looks_like_token(payload)


def test_deep_link_shape() -> None:
    assert deep_link("escale_bot", "abc") == "https://t.me/escale_bot?start=abc"
