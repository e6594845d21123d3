"""Which source a setting or `--source` spec builds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from alchemiser import bootstrap
from alchemiser.domain.errors import ConfigurationError
from alchemiser.infrastructure.marketdata.synthetic import SyntheticMarket


def test_default_is_the_synthetic_market_with_the_configured_seed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    default = bootstrap.market_data_source(bootstrap.load_settings())
    assert default.name == "synthetic"
    assert default.synthetic
    monkeypatch.setenv("ALCHEMISER_MARKET_DATA__SYNTHETIC_SEED", "3")
    seeded = bootstrap.market_data_source(bootstrap.load_settings())
    end = dt.date(2025, 1, 10)
    expected = SyntheticMarket(3, today=end).history(["SPY"])
    np.testing.assert_array_equal(seeded.history(["SPY"], None, end).close, expected.close)
    assert not np.array_equal(default.history(["SPY"], None, end).close, expected.close)


def test_files_from_settings_and_inline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "SPY.csv").write_text("date,close\n2025-01-02,1\n2025-01-03,2\n")
    monkeypatch.setenv("ALCHEMISER_MARKET_DATA__SOURCE", "files")
    with pytest.raises(ConfigurationError, match=r"market_data\.files_dir is not set"):
        bootstrap.market_data_source(bootstrap.load_settings())
    monkeypatch.setenv("ALCHEMISER_MARKET_DATA__FILES_DIR", str(tmp_path))
    settings = bootstrap.load_settings()
    from_settings = bootstrap.market_data_source(settings)
    inline = bootstrap.market_data_source(settings, f"files:{tmp_path}")
    assert from_settings.name == inline.name == f"files:{tmp_path}"
    h = from_settings.history(["SPY"], dt.date(2025, 1, 1), dt.date(2025, 1, 3))
    assert h.closes("SPY").tolist() == [1.0, 2.0]
    assert any(settings.cache_dir.glob("files-*/SPY.parquet"))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("bloomberg", "unknown market data source 'bloomberg'"),
        ("files", "needs a directory"),
        ("yahoo:x", "takes no argument"),
    ],
)
def test_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        bootstrap.market_data_source(bootstrap.load_settings(), spec)


def test_yahoo_spec_builds_a_cached_yahoo_source() -> None:
    source = bootstrap.market_data_source(bootstrap.load_settings(), " Yahoo ")
    assert source.name == "yahoo"
    assert not source.synthetic
