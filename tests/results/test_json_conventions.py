"""The JSON conventions every result follows (docs/decisions.md, issue 12)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import numpy as np

from alchemiser.application.results.account import AccountView
from alchemiser.application.results.common import json_safe
from alchemiser.application.results.history import RunEventView


def test_money_is_an_exact_fixed_point_string() -> None:
    account = AccountView(
        equity=Decimal("1E+5"), cash=Decimal("0.10"), buying_power=Decimal("-12.345"), positions=[]
    )
    dumped = json.loads(account.model_dump_json())
    assert dumped == {
        "equity": "100000",
        "cash": "0.10",
        "buying_power": "-12.345",
        "positions": [],
    }
    assert AccountView.model_validate(dumped) == account  # read back without loss


def test_times_always_carry_their_utc_offset() -> None:
    naive = RunEventView(at=dt.datetime(2026, 11, 27, 17, 45), step="plan", message="m")
    assert json.loads(naive.model_dump_json())["at"] == "2026-11-27T17:45:00Z"


def test_free_form_values_become_json_values() -> None:
    value = {
        "n": np.int64(3),
        "flag": np.bool_(True),
        "x": np.float64("nan"),
        "d": Decimal("2.50"),
        "day": dt.date(2000, 1, 13),
        "t": (1, "a"),
    }
    assert json_safe(value) == {
        "n": 3,
        "flag": True,
        "x": None,
        "d": "2.50",
        "day": "2000-01-13",
        "t": [1, "a"],
    }
