"""The JSON depth measured before decoding (clt.jsontext): right on tricky texts, and linear on hostile ones."""

import json

import pytest

from clt.jsontext import json_depth


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("", 0),
        ("42", 0),
        ('{"a": [1, {"b": []}]}', 4),
        ('["[[[[", "{{{{"]', 1),  # brackets inside strings nest nothing
        ('["a\\"[[[", []]', 2),  # an escaped quote does not end the string
        ("[" * 1000 + "]" * 1000, 1000),
        ('["unclosed [[[[', 1),  # an unclosed string runs to the end
    ],
)
def test_depth(text, depth):
    assert json_depth(text) == depth
    assert json_depth(text.encode()) == depth


def test_a_hostile_body_is_measured_in_one_pass():
    """64 KB of escaped quotes with no closing quote (10 s with a backtracking pattern) is one string."""
    body = '"' + '\\"' * 32_000
    assert json_depth(body) == 0
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)  # and the decoder refuses it as it is
    # The same text in twenty copies is measured as quickly as twenty times one: no quadratic rescans.
    assert json_depth("[" + ", ".join([body + '"'] * 20) + "]") == 1
