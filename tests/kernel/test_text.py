from hypothesis import given
from hypothesis import strategies as st

from gachi.kernel.text import hidden_characters, normalised, shows_nothing


def test_control_and_direction_characters_are_named() -> None:
    assert hidden_characters("가온\x01협동조합") == ["U+0001"]
    assert hidden_characters("exe.\u202egpj") == ["U+202E"]
    assert hidden_characters("a\u200bb\u200bc") == ["U+200B"]
    assert hidden_characters("줄 하나\n줄 둘\t끝") == ["U+000A", "U+0009"]
    assert hidden_characters("줄 하나\n줄 둘\t끝", multiline=True) == []
    assert hidden_characters("사업\x0b이름", multiline=True) == ["U+000B"]


def test_text_that_would_look_empty() -> None:
    for blank in ("", " ", "\u200b", "\ufeff", "\u3164", "\u2800", "\u115f", " \u200b\u3164 "):
        assert shows_nothing(blank), repr(blank)
    for text in ("정정", "a", "0", "·", "ㄱ"):
        assert not shows_nothing(text), text


def test_normalised_composes_hangul_and_trims() -> None:
    assert normalised("  \u1100\u1161 ") == "가"
    assert normalised(None) == ""


@given(st.text())
def test_any_text_with_a_visible_letter_or_digit_shows_something(text: str) -> None:
    if any(ch.isalnum() and ch not in "\u115f\u1160\u3164\uffa0" for ch in text):
        assert not shows_nothing(text)
