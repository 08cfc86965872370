import pytest

from shopgraph.graphstore.ingest.facts import Fact, merge_facts


def test_merge_keeps_one_fact_per_target_with_noisy_or_confidence() -> None:
    merged = merge_facts(
        [
            Fact("HAS_COLOUR", "black", "name:colour-primary", 0.7),
            Fact("HAS_COLOUR", "black", "column:baseColour", 0.7),
            Fact("HAS_COLOUR", "white", "name:colour-secondary", 0.6),
        ]
    )
    by_target = {m.target: m for m in merged}
    assert by_target["black"].confidence == pytest.approx(0.91)
    assert by_target["black"].rules == ("name:colour-primary", "column:baseColour")
    assert by_target["white"].confidence == 0.6


def test_fact_rejects_unknown_types_and_bad_confidence() -> None:
    with pytest.raises(ValueError, match="unknown fact type 'LIKES'"):
        Fact("LIKES", "x", "r", 0.5)
    with pytest.raises(ValueError, match=r"confidence must be in \[0, 1\], got 1.5"):
        Fact("HAS_COLOUR", "x", "r", 1.5)
