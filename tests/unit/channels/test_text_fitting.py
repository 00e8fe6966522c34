"""Fitting text into provider limits: splitting long texts, shortening labels, option ids."""

from __future__ import annotations

import random

import pytest

from shared.channels.text_fitting import (
    ELLIPSIS,
    option_id,
    shorten,
    split_text,
    utf8_bytes,
    utf16_units,
    within_chars,
    within_utf8_bytes,
    within_utf16_units,
)

# -- measures ----------------------------------------------------------------------------------------

def test_multibyte_accents_count_once_as_characters_but_twice_as_utf8_bytes():
    assert utf8_bytes("ñandú") == 7
    assert within_chars(5)("ñandú")
    assert not within_utf8_bytes(6)("ñandú") and within_utf8_bytes(7)("ñandú")


def test_an_emoji_counts_twice_in_utf16_units_and_four_times_in_utf8_bytes():
    assert utf16_units("😀") == 2 and utf8_bytes("😀") == 4
    assert utf16_units("ñ") == 1  # accents are one unit: only characters beyond the BMP take two
    assert within_chars(1)("😀") and not within_utf16_units(1)("😀") and within_utf16_units(2)("😀")


def test_a_lone_surrogate_is_measured_instead_of_failing():
    assert utf16_units("a\ud83d") == 2 and utf8_bytes("a\ud83d") == 4


# -- splitting: where it cuts ------------------------------------------------------------------------

def test_a_text_that_fits_is_one_piece():
    assert split_text("Hola, ¿en qué te ayudo?", within_chars(100)) == ["Hola, ¿en qué te ayudo?"]


def test_a_paragraph_break_is_preferred_to_a_line_break():
    # Filling up by lines would give "aaa\n\nbbb" | "ccc": the second paragraph goes whole.
    assert split_text("aaa\n\nbbb\nccc", within_chars(10)) == ["aaa", "bbb\nccc"]


def test_a_line_break_is_preferred_to_a_space():
    # Filling up by words would give "aaa bbb\nccc" | "ddd": the line goes whole.
    assert split_text("aaa bbb\nccc ddd", within_chars(11)) == ["aaa bbb", "ccc ddd"]


def test_a_line_too_long_is_cut_between_words():
    assert split_text("uno dos tres cuatro", within_chars(8)) == ["uno dos", "tres", "cuatro"]


def test_short_paragraphs_share_a_piece_while_they_fit():
    paragraphs = [f"párrafo {n}" for n in range(6)]  # 10 characters each
    pieces = split_text("\n\n".join(paragraphs), within_chars(34))
    assert pieces == ["\n\n".join(paragraphs[:3]), "\n\n".join(paragraphs[3:])]


def test_only_a_word_longer_than_the_limit_is_cut_inside():
    text = f"ab {'x' * 10} cd"
    assert split_text(text, within_chars(4)) == ["ab", "xxxx", "xxxx", "xx", "cd"]


def test_a_character_that_alone_does_not_fit_still_makes_a_piece_rather_than_looping_forever():
    assert split_text("😀😀", within_utf16_units(1)) == ["😀", "😀"]


# -- splitting: each measure -------------------------------------------------------------------------

def test_splitting_by_utf8_bytes_counts_accents_as_two():
    assert split_text("ñññ ñññ", within_chars(7)) == ["ñññ ñññ"]
    assert split_text("ñññ ñññ", within_utf8_bytes(6)) == ["ñññ", "ñññ"]


def test_splitting_by_utf16_units_counts_emoji_as_two_and_never_splits_one():
    assert split_text("😀" * 4, within_chars(4)) == ["😀" * 4]
    assert split_text("😀" * 5, within_utf16_units(4)) == ["😀😀", "😀😀", "😀"]


# -- splitting: what every piece is ------------------------------------------------------------------

def test_pieces_are_trimmed_and_blank_text_gives_none():
    assert split_text("  hola  \n\n  mundo  ", within_chars(8)) == ["hola", "mundo"]
    assert split_text(" \n\n \t ", within_chars(8)) == []
    assert split_text("", within_chars(8)) == []


def _texts() -> list[str]:
    rng = random.Random(7)
    words = ["a", "hola", "ñandú", "😀", "👍🏽", "palabra", "x" * 40, "línea", "ok."]
    joints = [" ", " ", " ", "  ", "\n", "\n\n", "\n\n\n", " \n "]
    texts = []
    for _ in range(40):
        tokens = [rng.choice(words) + rng.choice(joints) for _ in range(rng.randint(1, 80))]
        texts.append(rng.choice(["", "  ", "\n"]) + "".join(tokens))
    return texts


@pytest.mark.parametrize("fits_of, measure", [(within_chars, len), (within_utf8_bytes, utf8_bytes),
                                              (within_utf16_units, utf16_units)])
@pytest.mark.parametrize("limit", [4, 9, 25, 60])
def test_pieces_are_never_empty_never_over_the_limit_and_lose_nothing_but_whitespace(fits_of, measure, limit):
    for text in _texts():
        pieces = split_text(text, fits_of(limit))
        assert all(piece and piece == piece.strip() for piece in pieces)
        assert all(measure(piece) <= limit for piece in pieces)
        assert "".join("".join(piece.split()) for piece in pieces) == "".join(text.split())
        if pieces:  # callers take "the rest" around the first or last piece
            assert text.strip().startswith(pieces[0]) and text.strip().endswith(pieces[-1])


def test_words_that_fit_are_never_cut():
    text = " ".join(f"w{n:03d}" for n in range(300))
    pieces = split_text(text, within_chars(50))
    assert " ".join(pieces) == text


# -- shortening --------------------------------------------------------------------------------------

def test_a_label_that_fits_is_only_trimmed():
    assert shorten("  Hola  ", 10) == "Hola"
    assert shorten("", 10) == ""


def test_a_long_label_is_cut_to_the_limit_ending_with_an_ellipsis_and_no_space_before_it():
    assert shorten("Hablar con una persona", 12) == "Hablar con…"
    assert shorten("abcdefghij", 5) == "abcd…"


def test_shortening_counts_the_ellipsis_itself_in_the_measure():
    # "…" is three UTF-8 bytes: two "ñ" (4 bytes) and the ellipsis make 7 of the 8.
    assert shorten("ñññññ", 8, utf8_bytes) == "ññ…"
    assert shorten("😀" * 5, 5, utf16_units) == "😀😀…"
    assert utf8_bytes(ELLIPSIS) == 3 and utf16_units(ELLIPSIS) == 1


def test_a_limit_smaller_than_the_ellipsis_cuts_bare():
    assert shorten("abcdef", 2, utf8_bytes) == "ab"


# -- option ids --------------------------------------------------------------------------------------

def test_an_option_id_is_the_full_title_when_it_fits():
    assert option_id("Sí", 0, within_chars(5)) == "Sí"


def test_an_option_id_is_the_one_based_position_when_the_title_does_not_fit_or_is_empty():
    assert option_id("x" * 6, 2, within_chars(5)) == "3"
    assert option_id("", 4, within_chars(5)) == "5"


def test_an_option_id_uses_the_providers_measure():
    assert option_id("ñññ", 0, within_chars(5)) == "ñññ"
    assert option_id("ñññ", 0, within_utf8_bytes(5)) == "1"
