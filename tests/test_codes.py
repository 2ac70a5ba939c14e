"""Tracking codes read well aloud and resist guessing; guest secrets are stored hashed."""

from __future__ import annotations

import re

import pytest

from aduan.reports.codes import (
    ALPHABET,
    hash_secret,
    new_secret,
    new_tracking_code,
    normalize_tracking_code,
    secret_matches,
)


def test_a_tracking_code_is_two_groups_of_four_without_look_alikes():
    for _ in range(500):
        code = new_tracking_code()
        assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
        assert not set(code.replace("-", "")) & set("01ILOU")


def test_the_alphabet_leaves_out_every_look_alike():
    assert not set(ALPHABET) & set("01ILOU")
    assert len(set(ALPHABET)) == len(ALPHABET) == 30


def test_tracking_codes_do_not_repeat():
    codes = {new_tracking_code() for _ in range(2000)}
    assert len(codes) == 2000


@pytest.mark.parametrize(
    "typed", ["K7QM-3XPA", "k7qm3xpa", " k7qm 3xpa ", "K7QM--3XPA", "k7qm–3xpa"]
)
def test_what_people_type_is_normalized(typed):
    assert normalize_tracking_code(typed) == "K7QM-3XPA"


@pytest.mark.parametrize("typed", ["", "K7QM-3XP", "K7QM-3XPAB", "jalan rusak di pasar"])
def test_text_that_is_not_a_code_normalizes_to_nothing(typed):
    assert normalize_tracking_code(typed) == ""


def test_a_secret_matches_only_its_own_hash():
    secret = new_secret()
    digest = hash_secret(secret)
    assert len(secret) >= 32 and secret not in digest
    assert secret_matches(secret, digest)
    assert not secret_matches(new_secret(), digest)
    assert not secret_matches(secret, "")
    assert new_secret() != secret
