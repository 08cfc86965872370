"""Text normalisation and longest-match phrase lookup, shared by every extractor.

Product text is matched on normalised tokens: lower case, accents folded
("crêpe" → "crepe"), possessives dropped ("Men's" → "men"), and split on anything
that is not a letter or digit ("T-shirt" → ``t shirt``). Matching the same way on
both sides is what links spelling variants to one vocabulary term.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_POSSESSIVE = re.compile(r"(?<=\w)['’]s?\b")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower-case ``text`` and strip accents: ``"Crêpe"`` → ``"crepe"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def tokens(text: str) -> list[str]:
    """Normalised word tokens of ``text``: ``"Men's Off-White T-shirt"`` → ``[men, off, white, t, shirt]``."""
    folded = _POSSESSIVE.sub("", fold(text))
    return [t for t in _NON_WORD.split(folded) if t]


def slug(text: str) -> str:
    """A stable id from a display name: ``"United Colors of Benetton"`` → ``"united-colors-of-benetton"``."""
    return "-".join(tokens(text))


@dataclass(frozen=True)
class Mention:
    """A vocabulary term found in text: token span ``[start, end)`` and the matched surface."""

    term: str
    start: int
    end: int
    surface: str


class Lexicon:
    """Maps phrases (token tuples) to term ids; finds the longest non-overlapping matches.

    A phrase given for two terms keeps the first one added: callers add the most
    specific terms (taxonomy leaves) before the general ones.
    """

    def __init__(self, plurals: bool = True) -> None:
        self._phrases: dict[tuple[str, ...], str] = {}
        self._max_len = 0
        self._plurals = plurals

    def __len__(self) -> int:
        return len(self._phrases)

    def add(self, term: str, phrases: Iterable[str]) -> None:
        """Register ``phrases`` (display names or synonyms) as spellings of ``term``."""
        for phrase in phrases:
            key = tuple(tokens(phrase))
            if not key:
                continue
            variants = [key]
            if self._plurals:
                suffix = "es" if key[-1].endswith(("s", "x", "ch", "sh")) else "s"
                variants.append(key[:-1] + (key[-1] + suffix,))
            for variant in variants:
                self._phrases.setdefault(variant, term)
                self._max_len = max(self._max_len, len(variant))

    def lookup(self, phrase: str) -> str | None:
        """The term whose spelling is exactly ``phrase`` (after normalisation), or None."""
        return self._phrases.get(tuple(tokens(phrase)))

    def find(self, words: list[str], start: int = 0) -> list[Mention]:
        """Longest-match mentions in the token list ``words``, scanning from ``start``."""
        found: list[Mention] = []
        i = start
        while i < len(words):
            for size in range(min(self._max_len, len(words) - i), 0, -1):
                key = tuple(words[i : i + size])
                term = self._phrases.get(key)
                if term is not None:
                    found.append(Mention(term, i, i + size, " ".join(key)))
                    i += size
                    break
            else:
                i += 1
        return found
