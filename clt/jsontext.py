"""How deeply a JSON text nests, measured before decoding it (pure: no Django).

Python's ``json`` decoder recurses once per ``[`` or ``{``, so a small body of a thousand brackets ends
in ``RecursionError``. The API's parser and the parcel import measure the depth first, in linear time:
strings are taken out by one regular expression whose quantifiers never backtrack and whose closing
quote is optional (an unclosed string runs to the end of the text instead of being retried from every
quote, which made a 64 KB body of escaped quotes take 10 s), then the brackets are counted.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["json_depth"]

_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth(data: bytes | str) -> int:
    """How deeply arrays and objects nest in a JSON text (brackets inside strings do not count)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    brackets = np.frombuffer(_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS), dtype=np.uint8)
    if brackets.size == 0:
        return 0
    opening = (brackets == ord("[")) | (brackets == ord("{"))
    return int(np.cumsum(np.where(opening, 1, -1), dtype=np.int64).max())
