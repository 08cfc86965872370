from shopgraph.graphstore.core.text import Lexicon, fold, slug, tokens


def test_tokens_fold_accents_possessives_and_hyphens() -> None:
    assert tokens("Men's Off-White T-shirt") == ["men", "off", "white", "t", "shirt"]
    assert tokens("Crêpe  weave") == ["crepe", "weave"]
    assert tokens("Girls' socks") == ["girls", "socks"]
    assert fold("ÉCRU") == "ecru"


def test_slug_is_stable_for_spelling_variants() -> None:
    assert slug("ADIDAS") == slug("Adidas") == "adidas"
    assert slug("United Colors of Benetton") == "united-colors-of-benetton"
    assert slug("H&M") == "h-m"


def test_lexicon_longest_match_wins_and_does_not_overlap() -> None:
    lex = Lexicon()
    lex.add("leather", ["leather"])
    lex.add("imitation-leather", ["imitation leather"])
    found = lex.find(tokens("Bag in imitation leather with leather trims"))
    assert [(m.term, m.start, m.end) for m in found] == [("imitation-leather", 2, 4), ("leather", 5, 6)]


def test_lexicon_adds_plurals_and_first_claim_wins() -> None:
    lex = Lexicon()
    lex.add("top", ["top"])
    lex.add("tops", ["tops"])
    assert lex.lookup("Tops") == "top"
    assert lex.lookup("dress") is None
    lex.add("dress", ["dress"])
    assert lex.lookup("dresses") == "dress"
