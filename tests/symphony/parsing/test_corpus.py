"""Every real symphony parses, validates, and survives both round trips unchanged."""

from __future__ import annotations

from pathlib import Path

from alchemiser.domain.symphony.clj_writer import to_clj
from alchemiser.domain.symphony.composer_json import dumps_composer_json, parse_composer_json
from alchemiser.domain.symphony.parser import parse_clj
from alchemiser.domain.symphony.tree import Asset, Filter, Group, Symphony, walk
from alchemiser.domain.symphony.validator import validate


def _corpus(symphonies_dir: Path) -> list[Path]:
    files = sorted(symphonies_dir.glob("*.clj"))
    assert len(files) >= 62
    return files


def _signature(symphony: Symphony) -> list[tuple[str, str | None]]:
    """Digest of every position, plus the display names a digest ignores."""
    return [
        (node.digest, node.name if isinstance(node, Asset | Group) else None)
        for node in walk(symphony.root)
    ]


def test_every_corpus_file_parses_validates_and_round_trips(symphonies_dir: Path) -> None:
    failures: list[str] = []
    for path in _corpus(symphonies_dir):
        symphony = parse_clj(path.read_text(encoding="utf-8"), source=str(path))
        report = validate(symphony)
        if not report.ok:
            failures.append(f"{path.name}: {[p.render(path.name) for p in report.errors]}")
        assert report.tickers and report.node_count > 0 and report.warmup_sessions >= 1

        via_json = parse_composer_json(dumps_composer_json(symphony), source="x.json")
        via_clj = parse_clj(to_clj(symphony), source="x.clj")
        for again in (via_json, via_clj):
            assert again.digest == symphony.digest, path.name
            assert _signature(again) == _signature(symphony), path.name
            assert again.rebalance == symphony.rebalance, path.name
            assert again.name == symphony.name, path.name
    assert failures == []


def test_corpus_facts_the_spec_states(symphonies_dir: Path) -> None:
    """Spot checks against what SPEC §2.1 and the corpus README say about these files."""
    text = (symphonies_dir / "ftl_starburst_gen2.clj").read_text(encoding="utf-8")
    assert len(text) > 3_000_000
    symphony = parse_clj(text, source="ftl_starburst_gen2.clj")
    assert validate(symphony).ok
    bare = parse_clj((symphonies_dir / "simple_rsi.clj").read_text(), source="simple_rsi.clj")
    assert bare.name == "simple_rsi"
    test = parse_clj((symphonies_dir / "test.clj").read_text(), source="test.clj")
    assert test.root == Asset("SPY")
    assert test.rebalance.threshold == 0.1


def test_klm_chooses_among_eight_variant_groups_by_their_own_returns(
    symphonies_dir: Path,
) -> None:
    """README: KLM is 8 variant groups chosen by a filter over their own returns."""
    symphony = parse_clj((symphonies_dir / "KLM.clj").read_text(), source="KLM.clj")
    group_filters = [
        node
        for node in walk(symphony.root)
        if isinstance(node, Filter) and all(isinstance(c, Group) for c in node.candidates)
    ]
    assert any(len(f.candidates) == 8 for f in group_filters)
