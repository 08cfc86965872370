"""Entity recognition and linking from product text.

Two extractors:

* ``NameExtractor`` reads a product name such as
  ``"United Colors of Benetton Men Navy Blue Polo T-shirt"``: brand first (learned
  from the catalog itself, see ``BrandLexicon``), then gender, colours, category,
  pattern, style and material from the words after it.
* ``extract_materials`` reads a description such as H&M's ``detail_desc``
  (``"Top in soft organic cotton jersey"``) and links the materials it states.

Every result is a ``Fact`` carrying the rule that produced it and a confidence;
the confidences are priors checked against the measured precision in
docs/extraction-quality.md.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from shopgraph.graphstore.core.text import Lexicon, Mention, fold, slug, tokens
from shopgraph.graphstore.core.vocab import Vocabulary
from shopgraph.graphstore.ingest.facts import BrandRef, Fact

MAX_BRAND_WORDS = 5

# Confidence priors by rule; see docs/extraction-quality.md for measured precision.
CONFIDENCE = {
    "column": 1.0,
    "name:brand-lexicon": 0.95,
    "name:brand-anchor": 0.8,
    "name:brand-first-word": 0.5,
    "name:colour-primary": 0.85,
    "name:colour-secondary": 0.6,
    "name:category-head": 0.85,
    "name:gender": 0.9,
    "name:pattern": 0.8,
    "name:style": 0.6,
    "name:material": 0.7,
    "desc:material": 0.85,
    "desc:material-content-clause": 0.9,
}

# Words after which a name describes something else ("Skirt with belt").
_HEAD_STOP = {"with", "and", "plus", "set", "pack", "combo"}
# Kids' words are less specific than boys/girls when both appear ("Kids Girl's ...").
_GENERIC_GENDERS = {"kids"}


@dataclass(frozen=True)
class BrandMatch:
    brand: BrandRef
    words: int
    rule: str
    confidence: float


class BrandLexicon:
    """Brands learned from the names of a catalog where names start with the brand.

    Learning: for each name, the words before the first gender word
    ("Men", "Women's", "Unisex", "Kids", ...) are a brand candidate when they are
    one to five words long. Each candidate's display form is its most frequent
    spelling that is not all capitals ("ADIDAS" and "Adidas" → "Adidas").
    A learned brand whose words start with another learned brand is its sub-brand
    ("Adidas Originals" → "Adidas").
    """

    def __init__(self, display: dict[str, str], support: dict[str, int]) -> None:
        self._display = display
        self._support = support
        self._max_words = max((len(k.split("-")) for k in display), default=0)

    def __len__(self) -> int:
        return len(self._display)

    @classmethod
    def learn(cls, names: Iterable[str], genders: Lexicon) -> BrandLexicon:
        """Learn brands from ``names``; ``genders`` is the Gender lexicon used as the anchor."""
        spellings: dict[str, Counter[str]] = defaultdict(Counter)
        for name in names:
            words = name.split()
            anchor = _first_anchor(words, genders)
            if anchor is not None and 1 <= anchor <= MAX_BRAND_WORDS:
                candidate = " ".join(words[:anchor])
                key = slug(candidate)
                if key:
                    spellings[key][candidate] += 1
        display = {key: _display_form(forms) for key, forms in spellings.items()}
        support = {key: sum(forms.values()) for key, forms in spellings.items()}
        return cls(display, support)

    def parent_of(self, key: str) -> str | None:
        """The longest other learned brand that ``key`` starts with, word-wise."""
        parts = key.split("-")
        for size in range(len(parts) - 1, 0, -1):
            prefix = "-".join(parts[:size])
            if prefix in self._display:
                return prefix
        return None

    def brand(self, key: str) -> BrandRef:
        """The learned brand ``key`` with its parent brand, if any."""
        parent = self.parent_of(key)
        return BrandRef(id=key, name=self._display[key], parent=self.brand(parent) if parent else None)

    def match(self, name: str, genders: Lexicon, anchors: tuple[Lexicon, ...] = ()) -> BrandMatch | None:
        """The brand that ``name`` starts with.

        Longest learned brand prefix first; otherwise the words before the first
        gender word; otherwise the words before the first colour, category or
        pattern word in ``anchors``; otherwise the first word.
        """
        words = name.split()
        for size in range(min(self._max_words, len(words) - 1), 0, -1):
            key = slug(" ".join(words[:size]))
            if key in self._display:
                return BrandMatch(self.brand(key), size, "name:brand-lexicon", CONFIDENCE["name:brand-lexicon"])
        anchor = _first_anchor(words, genders, anchors)
        if anchor is not None and 1 <= anchor <= MAX_BRAND_WORDS:
            candidate = " ".join(words[:anchor])
            ref = BrandRef(id=slug(candidate), name=candidate)
            return BrandMatch(ref, anchor, "name:brand-anchor", CONFIDENCE["name:brand-anchor"])
        if len(words) >= 2 and slug(words[0]):
            ref = BrandRef(id=slug(words[0]), name=words[0])
            return BrandMatch(ref, 1, "name:brand-first-word", CONFIDENCE["name:brand-first-word"])
        return None


def _first_anchor(words: list[str], genders: Lexicon, others: tuple[Lexicon, ...] = ()) -> int | None:
    for i, word in enumerate(words):
        if i == 0:
            continue
        if genders.lookup(word) is not None or any(lex.lookup(word) is not None for lex in others):
            return i
    return None


def _display_form(forms: Counter[str]) -> str:
    ranked = sorted(forms.items(), key=lambda kv: (kv[0].isupper() and len(kv[0]) > 3, -kv[1], kv[0]))
    best = ranked[0][0]
    if best.isupper() and len(best) > 4:
        return best.title()
    return best


@dataclass(frozen=True)
class NameExtraction:
    brand: BrandMatch | None
    facts: list[Fact]


class NameExtractor:
    """Extracts brand, gender, colours, category, pattern, style and material from product names."""

    def __init__(self, vocab: Vocabulary, brands: BrandLexicon | None) -> None:
        self.vocab = vocab
        self.brands = brands

    def extract(self, name: str, with_brand: bool = True) -> NameExtraction:
        """Facts found in ``name``. With ``with_brand`` the leading brand words are recognised and skipped."""
        lex = self.vocab.lexicons
        brand = None
        rest = name
        if with_brand and self.brands is not None:
            brand = self.brands.match(name, lex["Gender"], (lex["Colour"], lex["Category"], lex["Pattern"]))
            if brand is not None:
                rest = " ".join(name.split()[brand.words :])
        words = tokens(rest)
        facts: list[Fact] = []
        facts += self._genders(lex["Gender"].find(words))
        for i, mention in enumerate(lex["Colour"].find(words)):
            rule = "name:colour-primary" if i == 0 else "name:colour-secondary"
            facts.append(Fact("HAS_COLOUR", mention.term, rule, CONFIDENCE[rule]))
        head = _head_category(lex["Category"].find(words), words)
        if head is not None:
            facts.append(Fact("IN_CATEGORY", head.term, "name:category-head", CONFIDENCE["name:category-head"]))
        for label, rel, rule in [
            ("Pattern", "HAS_PATTERN", "name:pattern"),
            ("Style", "HAS_STYLE", "name:style"),
            ("Material", "MADE_OF", "name:material"),
        ]:
            for term in dict.fromkeys(m.term for m in lex[label].find(words)):
                facts.append(Fact(rel, term, rule, CONFIDENCE[rule]))
        return NameExtraction(brand, facts)

    @staticmethod
    def _genders(mentions: list[Mention]) -> list[Fact]:
        found = list(dict.fromkeys(m.term for m in mentions))
        specific = [g for g in found if g not in _GENERIC_GENDERS]
        chosen = specific[:1] or found[:1]
        return [Fact("FOR_GENDER", g, "name:gender", CONFIDENCE["name:gender"]) for g in chosen]


def _head_category(mentions: list[Mention], words: list[str]) -> Mention | None:
    """The category the name is about: the last one before "with"/"and"/"set", else the last."""
    if not mentions:
        return None
    stop = next((i for i, w in enumerate(words) if w in _HEAD_STOP and i > mentions[0].start), len(words))
    before = [m for m in mentions if m.end <= stop]
    return (before or mentions)[-1]


_CONTENT_CLAUSE = re.compile(r"\b(\w+) content (?:of [^.]*? )?is (partly |partially |100% )?(organic|recycled)\b")
_QUALIFIED = {
    "organic": {"cotton": "organic-cotton"},
    "recycled": {"cotton": "recycled-cotton", "polyester": "recycled-polyester", "wool": "recycled-wool"},
}


def extract_materials(text: str, vocab: Vocabulary) -> list[Fact]:
    """Materials stated in a product description, as ``MADE_OF`` facts.

    Longest match makes "imitation leather" win over "leather" and "organic cotton"
    over "cotton". A content clause ("The polyester content is recycled") turns the
    named material into its qualified form (recycled polyester), even when the
    material itself is named only in that clause.
    """
    if not text:
        return []
    found = {m.term: "desc:material" for m in vocab.lexicons["Material"].find(tokens(text))}
    for match in _CONTENT_CLAUSE.finditer(fold(text)):
        base, qualifier = match.group(1), match.group(3)
        qualified = _QUALIFIED.get(qualifier, {}).get(base)
        if qualified is None:
            continue
        found.pop(base, None)
        found[qualified] = "desc:material-content-clause"
    return [Fact("MADE_OF", term, rule, CONFIDENCE[rule]) for term, rule in found.items()]
