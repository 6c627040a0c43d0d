"""Text made inert for people's screens and mail: no terminal controls, no reordering.

A record or a config file is text anyone can write. Written raw to a terminal, an escape
sequence can clear the screen, set the window title, plant a hyperlink (OSC 8) or write the
clipboard (OSC 52); bidi overrides make text read differently from what it says. :func:`inert`
removes them; every renderer for people (the table, ``show``, the digest's parts, messages)
passes record and config text through it. Files for programs keep the data as it is:
:func:`json_text` only writes the same characters as JSON escapes.
"""

from __future__ import annotations

import re
from typing import Any

# The patterns are strings, compiled (and kept) by ``re`` on first use: compiling them all on
# import would cost ``trialfinder --help`` time (see benchmarks/startup.py).
# Escape sequences are removed whole, so that no payload (a title, a URL, base64) is left
# behind. 8-bit forms: U+009B is CSI, U+009D OSC, U+0090 DCS, U+0098 SOS, U+009E PM, U+009F APC.
_SEQUENCE = (
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"  # CSI: colours, cursor, erase
    r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"  # OSC, DCS...
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]"  # other escapes: ESC c (reset), ESC ( B, ESC 7, ...
)
# Line breaks other than "\n" become "\n": "\r" alone would let a line overwrite another.
_BREAK = r"\r\n?|[\x0b\x0c\x85]"
# What is left: C0 controls but tab and newline, DEL, C1 controls, bidi embeddings,
# overrides (U+202A-U+202E) and isolates (U+2066-U+2069). An unterminated sequence loses its
# introducer here, and what followed it stays as plain text.
_CONTROL = r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
# Characters that ``json.dumps(..., ensure_ascii=False)`` writes raw but a terminal may act on.
_JSON_RAW = r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"


def inert(text: str) -> str:
    """``text`` without control characters, escape sequences or bidi controls.

    Newlines and tabs stay; other line breaks become newlines. Printable text, accents and
    right-to-left scripts are untouched.
    """
    if text.isprintable():  # the common case: nothing to do
        return text
    return re.sub(_CONTROL, "", re.sub(_BREAK, "\n", re.sub(_SEQUENCE, "", text)))


def json_text(value: Any, **options: Any) -> str:
    """``json.dumps(value, ensure_ascii=False)``, with DEL, C1 and bidi controls escaped.

    A JSON reader gets exactly the same strings; a terminal never sees those characters raw
    (``json`` escapes the C0 controls itself).
    """
    import json

    text = json.dumps(value, ensure_ascii=False, **options)
    return re.sub(_JSON_RAW, lambda m: f"\\u{ord(m.group()):04x}", text)
