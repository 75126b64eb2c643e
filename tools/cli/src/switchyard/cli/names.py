"""Small fixed pools of names for the test file generator; a few carry accents to exercise UTF-8."""

from __future__ import annotations

import re
import unicodedata

FIRST_NAMES = (
    "Anna", "Ben", "Chloé", "David", "Elif", "Farah", "Gustav", "Hana", "Ines", "Jonas",
    "Kai", "Lena", "Mateo", "Nora", "Oskar", "Priya", "Quinn", "Rafael", "Sofia", "Tomás",
    "Uma", "Viktor", "Wei", "Ximena", "Yusuf", "Zoë", "Aisha", "Björn", "Camille", "Dmitri",
    "Emma", "Felix", "Giulia", "Hugo", "Ingrid", "Jamal", "Keiko", "Lucas", "Maya", "Noah",
)  # fmt: skip

LAST_NAMES = (
    "Smith", "Müller", "García", "Rossi", "Nowak", "Dubois", "Jensen", "Silva", "Kowalski", "Novák",
    "O'Brien", "Yamamoto", "Chen", "Okafor", "Andersson", "Fernández", "Ivanova", "Kim", "Haddad", "Costa",
    "van Dijk", "Schmidt", "Larsen", "Moreau", "Papadopoulos", "Nguyen", "Patel", "Öztürk", "Horvat",
    "Lindqvist",
)  # fmt: skip

_NOT_SLUG = re.compile(r"[^a-z]")


def slug(name: str) -> str:
    """ASCII lowercase letters only, for usernames and emails: "Müller" -> "muller", "O'Brien" -> "obrien"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("", ascii_name.lower())


# (display name, slug) pairs, built once.
FIRST = tuple((name, slug(name)) for name in FIRST_NAMES)
LAST = tuple((name, slug(name)) for name in LAST_NAMES)
