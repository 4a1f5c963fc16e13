"""Languages a debate can be held in, by ISO 639 code, with the names people write them by."""

from __future__ import annotations

from models.text import name_key

# code -> (English name, French name, other spellings)
LANGUAGES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "fr": ("French", "français", ("fra", "fre", "francais")),
    "en": ("English", "anglais", ("eng",)),
    "bm": ("Bambara", "bambara", ("bam", "bamanankan", "bamana")),
    "son": ("Songhai", "songhaï", ("ses", "khq", "songhay", "sonrai", "koyraboro senni")),
    "taq": (
        "Tamasheq",
        "tamasheq",
        ("tmh", "tamashek", "tamacheq", "tamachek", "tuareg", "touareg"),
    ),
    "ff": ("Fulfulde", "peul", ("ful", "ffm", "fulani", "pulaar", "fula", "peulh")),
    "ar": ("Arabic", "arabe", ("ara", "hassaniya", "mey")),
    "snk": ("Soninke", "soninké", ("sarakole", "sarakolle")),
    "dts": ("Dogon", "dogon", ("dogon",)),
    "bza": ("Bozo", "bozo", ("bozo",)),
    "mxx": ("Mahou", "malinké", ("malinke", "maninka", "emk")),
    "sev": ("Senufo", "sénoufo", ("senoufo", "senufo", "minyanka")),
    "kao": ("Khassonke", "khassonké", ("khassonke", "xaasongaxango")),
}

_BY_KEY: dict[str, str] = {}
for _code, (_en, _fr, _others) in LANGUAGES.items():
    for _spelling in (_code, _en, _fr, *_others):
        _BY_KEY[name_key(_spelling)] = _code


def language_code(text: str) -> str:
    """'Tamasheq', 'tmh', 'taq' -> 'taq'; an unknown language is a ValueError listing the known ones."""
    code = _BY_KEY.get(name_key(text))
    if code is None:
        known = ", ".join(f"{c} ({en})" for c, (en, _fr, _o) in LANGUAGES.items())
        raise ValueError(f"unknown language '{text}'; use one of {known}")
    return code


def language_name(code: str, locale: str = "fr") -> str:
    english, french, _others = LANGUAGES[code]
    return french if locale == "fr" else english
