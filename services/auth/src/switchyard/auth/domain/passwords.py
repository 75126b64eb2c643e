"""The password policy of NIST SP 800-63B rev. 4: length, blocklist and guessability, no composition rules."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from switchyard.auth.domain.errors import InvalidInput

_SCORED_PREFIX = 72


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    min_length: int = 15
    max_length: int = 128
    min_score: int = 3


def normalize_password(password: str) -> str:
    """NFKC, so one password typed on two keyboards hashes the same (SP 800-63B 3.1.1.2)."""
    return unicodedata.normalize("NFKC", password)


@cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn's list of the 30,000 most common passwords from breach corpora.
    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password(
    password: str, policy: PasswordPolicy, *, user_inputs: Sequence[str] = (), field: str = "password"
) -> str:
    """The normalized password, or InvalidInput saying which rule it breaks.

    Length is counted in Unicode code points after normalization; nothing is ever truncated.
    """
    if len(password) > policy.max_length * 4:
        # Refuse before normalizing: NFKC of a huge string is wasted work.
        raise InvalidInput(field, f"Password must be at most {policy.max_length} characters.")
    normalized = normalize_password(password)
    if len(normalized) < policy.min_length:
        raise InvalidInput(field, f"Password must be at least {policy.min_length} characters.")
    if len(normalized) > policy.max_length:
        raise InvalidInput(field, f"Password must be at most {policy.max_length} characters.")
    if normalized.lower() in _common_passwords():
        raise InvalidInput(field, "This password is on a list of common or breached passwords.")
    # zxcvbn's cost grows steeply with length; past its default 72 the prefix decides (length helps).
    result = zxcvbn(normalized[:_SCORED_PREFIX], user_inputs=[u for u in user_inputs if u])
    if result["score"] < policy.min_score:
        hint = result["feedback"].get("warning") or "Add more words or characters that are hard to guess."
        raise InvalidInput(field, f"This password is too easy to guess. {hint}".strip())
    return normalized
