"""``engine.foreign_text``: what a provider sends is kept, with only what no store can hold
replaced; a valid character outside the BMP, written by JSON as a surrogate pair, stays."""

from __future__ import annotations

import json

from engine.foreign_text import cleaned


def test_nul_and_lone_surrogates_become_the_replacement_character_keys_included() -> None:
    answer = json.loads('{"id\\ud800": ["a\\u0000b", {"c": "\\udfff"}], "n": 3, "ok": null}')
    assert cleaned(answer) == {"id\ufffd": ["a\ufffdb", {"c": "\ufffd"}], "n": 3, "ok": None}


def test_a_surrogate_pair_is_one_character_and_is_kept() -> None:
    answer = json.loads('{"topic": "Rapat \\ud83d\\udcf9 pagi"}')
    assert cleaned(answer) == {"topic": "Rapat \U0001f4f9 pagi"}
    assert cleaned(answer)["topic"].encode("utf-8")  # storable as it came
