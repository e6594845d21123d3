"""The s-expression reader: every literal kind, positions, and malformed input."""

from __future__ import annotations

import pytest

from alchemiser.domain.errors import SymphonyParseError
from alchemiser.domain.symphony.reader import MAX_DEPTH, Form, Kind, read_forms


def _atoms(text: str) -> list[tuple[Kind, object]]:
    return [(f.kind, f.value) for f in read_forms(text)]


def test_atoms_of_every_kind() -> None:
    text = (
        '"a \\"quoted\\" word\\\\" 42 -7 3.25 -0.5 1e-3 2.5E+2 .5 :daily sym-bol >= nil true false'
    )
    assert _atoms(text) == [
        (Kind.STRING, 'a "quoted" word\\'),
        (Kind.NUMBER, 42),
        (Kind.NUMBER, -7),
        (Kind.NUMBER, 3.25),
        (Kind.NUMBER, -0.5),
        (Kind.NUMBER, 0.001),
        (Kind.NUMBER, 250.0),
        (Kind.NUMBER, 0.5),
        (Kind.KEYWORD, "daily"),
        (Kind.SYMBOL, "sym-bol"),
        (Kind.SYMBOL, ">="),
        (Kind.NIL, None),
        (Kind.BOOLEAN, True),
        (Kind.BOOLEAN, False),
    ]


def test_integers_stay_integers_and_floats_keep_their_artefacts() -> None:
    forms = read_forms("10 0.6667000000000001")
    assert type(forms[0].value) is int
    assert forms[1].value == 0.6667000000000001


def test_numbers_glued_to_letters_are_symbols() -> None:
    assert _atoms("3d 5d-ma") == [(Kind.SYMBOL, "3d"), (Kind.SYMBOL, "5d-ma")]


def test_comments_and_commas_are_whitespace() -> None:
    text = ";; header\n(a, b ; trailing comment ) not a closer\n ,, c)"
    (form,) = read_forms(text)
    assert [item.value for item in form.items] == ["a", "b", "c"]


def test_containers_nest_and_keep_their_kind() -> None:
    (form,) = read_forms('(f [1 2] {:window 10, :x "y"})')
    assert form.kind is Kind.LIST
    head, vector, mapping = form.items
    assert head.value == "f"
    assert vector.kind is Kind.VECTOR and [i.value for i in vector.items] == [1, 2]
    assert mapping.kind is Kind.MAP and [i.value for i in mapping.items] == ["window", 10, "x", "y"]


def test_every_form_keeps_line_and_column() -> None:
    text = '(a\n  "multi\nline" b\n\t[c])'
    (form,) = read_forms(text)
    a, string, b, vector = form.items
    assert (form.line, form.column) == (1, 1)
    assert (a.line, a.column) == (1, 2)
    assert (string.line, string.column) == (2, 3)
    assert (b.line, b.column) == (3, 7)  # after the string's own newline
    assert (vector.line, vector.column) == (4, 2)
    assert (vector.items[0].line, vector.items[0].column) == (4, 3)


def test_string_escapes() -> None:
    assert read_forms(r'"tab\tnew\nq\"b\\ \u00e9"')[0].value == 'tab\tnew\nq"b\\ \u00e9'


def test_absurdly_long_integer_is_an_error_not_a_crash() -> None:
    err = _error("(a " + "9" * 5000 + ")")
    assert (err.line, err.column) == (1, 4)
    assert "too long" in err.reason


def _error(text: str) -> SymphonyParseError:
    with pytest.raises(SymphonyParseError) as info:
        read_forms(text, "bad.clj")
    return info.value


def test_unexpected_closer() -> None:
    err = _error("(a b))")
    assert (err.line, err.column) == (1, 6)
    assert "unexpected ')'" in str(err) and str(err).startswith("bad.clj:1:6:")


def test_mismatched_closer_names_the_opener() -> None:
    err = _error("(a\n [b c)")
    assert (err.line, err.column) == (2, 6)
    assert "expected ']' to close the vector opened at 2:2" in err.reason


def test_unexpected_end_names_the_innermost_open_bracket() -> None:
    err = _error('(defsymphony "x" {}\n  (weight-equal [(asset "SPY"')
    assert err.line == 2
    assert "unexpected end of input" in err.reason
    assert "list opened at 2:18" in err.reason
    assert "4 brackets still open" in err.reason


def test_unterminated_string_points_at_its_quote() -> None:
    err = _error('(asset\n   "SPY)')
    assert (err.line, err.column) == (2, 4)
    assert "unterminated string" in err.reason


def test_map_with_key_but_no_value() -> None:
    err = _error('(rsi "SPY" {:window})')
    assert "key without a value" in err.reason
    assert (err.line, err.column) == (1, 20)


@pytest.mark.timeout(60)  # a hang guard, not a speed target (benchmarks/engine.py measures)
def test_nesting_100000_deep_is_a_clear_error_not_a_crash() -> None:
    text = "(a " * 100_000 + ")" * 100_000
    err = _error(text)
    assert f"nesting deeper than {MAX_DEPTH}" in err.reason
    assert (err.line, err.column) == (1, 3 * MAX_DEPTH + 1)


def test_nesting_just_under_the_limit_reads() -> None:
    depth = MAX_DEPTH
    (form,) = read_forms("[" * depth + "]" * depth)
    inner: Form = form
    for _ in range(depth - 1):
        (inner,) = inner.items
    assert inner.items == []


def test_ten_megabyte_single_line() -> None:
    name = "x" * 10_000_000
    (form,) = read_forms(f'(asset "SPY" "{name}")   ; {name[:100]}')
    assert len(form.items[2].value) == 10_000_000  # type: ignore[arg-type]
    err = _error(" " * 10_000_000 + '(asset "SPY')
    assert (err.line, err.column) == (1, 10_000_008)


@pytest.mark.timeout(60)  # a hang guard, not a speed target
def test_ten_megabytes_of_open_brackets_fail_without_building_them() -> None:
    err = _error("(" * 10_000_000)
    assert (err.line, err.column) == (1, MAX_DEPTH + 1)
