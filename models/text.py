"""Name keys: spelling-insensitive forms of place and language names."""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "´": "'"})
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_key(text: str) -> str:
    """'N’Gassola' -> 'n gassola', 'Ségou' -> 'segou', 'Gourma-Rharous' -> 'gourma rharous'."""
    return _NON_ALNUM.sub(" ", strip_accents(text).casefold()).strip()


def slug(text: str) -> str:
    return name_key(text).replace(" ", "-")
