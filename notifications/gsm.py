"""The GSM 03.38 alphabet of an SMS: folding text into it, and counting what it costs.

An SMS in the GSM-7 alphabet carries 160 characters (153 a part when it is split); one character
outside it (« » ’ ê ï, a non-breaking space) turns the whole message into UCS-2, 70 characters
(67 a part). A French reminder of 600 characters is then 10 SMS instead of 4. So every SMS is
folded first: each character outside the alphabet becomes its nearest GSM-7 form (â → a,
« → ", … → ...); é è à ù ì ò and É Ç Ä Ö Ñ Ü are in the alphabet and stay.

The tables are those of 3GPP TS 23.038 (the default alphabet and its extension table, whose
characters take two septets: an escape and the character). tests/notifications/test_sms.py checks
the counts against an independent codec (the `gsm0338` package).
"""

from __future__ import annotations

import enum
import math
import unicodedata
from dataclasses import dataclass

BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION = "^{}\\[~]|€\f"
_BASIC = frozenset(BASIC) - {"\x1b"}
_EXTENSION = frozenset(EXTENSION)

# Characters whose nearest GSM-7 form is not their base letter (NFD does the accented letters).
_NEAREST = {
    "«": '"',
    "»": '"',
    "“": '"',
    "”": '"',
    "„": '"',
    "’": "'",
    "‘": "'",
    "‚": "'",
    "…": "...",
    "\u00a0": " ",  # no-break space
    "\u202f": " ",  # narrow no-break space (French typography before : ; ! ?)
    "\u2009": " ",
    "\t": " ",
    "–": "-",
    "—": "-",
    "‑": "-",
    "·": ".",  # facilitateur·rice -> facilitateur.rice
    "°": "o",  # n° -> no
    "œ": "oe",
    "Œ": "OE",
    "ç": "c",  # GSM 03.38 has Ç only
}

SINGLE = {"gsm-7": 160, "ucs-2": 70}
PART = {"gsm-7": 153, "ucs-2": 67}


class Encoding(enum.StrEnum):
    GSM7 = "gsm-7"
    UCS2 = "ucs-2"


@dataclass(frozen=True)
class Cost:
    """What a text costs as an SMS: its encoding, its length in that encoding's units (septets for
    GSM-7, UTF-16 code units for UCS-2) and how many segments it is sent in."""

    encoding: Encoding
    units: int
    segments: int


def fold(text: str) -> str:
    """`text` in the GSM-7 alphabet: each character outside it becomes its nearest form there
    (an accented letter its base letter; a character with no near form '?')."""
    out: list[str] = []
    for char in text:
        if char in _BASIC or char in _EXTENSION:
            out.append(char)
        elif char in _NEAREST:
            out.append(_NEAREST[char])
        else:
            base = "".join(
                c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)
            )
            out.append(base if base and all(c in _BASIC for c in base) else "?")
    return "".join(out)


def is_gsm7(text: str) -> bool:
    return all(c in _BASIC or c in _EXTENSION for c in text)


def septets(text: str) -> int:
    """GSM-7 length: an extension character (€ [ ] { } ~ ^ | \\) takes two septets."""
    return sum(2 if c in _EXTENSION else 1 for c in text)


def cost(text: str) -> Cost:
    """How `text` is sent: GSM-7 when every character is in the alphabet, else UCS-2."""
    if is_gsm7(text):
        units = septets(text)
        if units <= SINGLE["gsm-7"]:
            return Cost(Encoding.GSM7, units, 1 if units else 0)
        return Cost(Encoding.GSM7, units, _gsm7_parts(text))
    units = len(text.encode("utf-16-le")) // 2
    parts = 1 if units <= SINGLE["ucs-2"] else math.ceil(units / PART["ucs-2"])
    return Cost(Encoding.UCS2, units, parts)


def _gsm7_parts(text: str) -> int:
    """Parts of a long GSM-7 text: 153 septets each, an escape pair never split between two."""
    parts, used = 1, 0
    for char in text:
        width = 2 if char in _EXTENSION else 1
        if used + width > PART["gsm-7"]:
            parts, used = parts + 1, 0
        used += width
    return parts


def fit(text: str, segments: int) -> str:
    """`text` (GSM-7) cut at a word so that it fits in `segments`, ending with '...'; unchanged
    when it fits. A last resort: the templates are written to fit (the preview test checks it)."""
    if cost(text).segments <= segments:
        return text
    limit = (SINGLE["gsm-7"] if segments == 1 else PART["gsm-7"] * segments) - 3
    cut = ""
    for char in text:
        if septets(cut + char) > limit:
            break
        cut += char
    head = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return head.rstrip(" ,;:.-") + "..."
