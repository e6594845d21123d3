"""Done-when: three weeks of sessions with a holiday, an early close, a weekend, a restart inside
the window and a whole window with the process down, driven through the real CLI, the real
cycle (simulated broker, SQL ledger) and a real SMTP server.

Expected sessions come from the calendar's published rules, written out by hand here:
Thanksgiving (Thu 2026-11-26) is closed and the day after closes at 13:00, so its window starts
12:45 ET instead of 15:45.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.autopilot.conftest import NEW_YORK, email_to, et
from tests.notifications.conftest import SmtpServer

D = dt.date
TRADED = [D(2026, 11, d) for d in (9, 10, 11, 12, 13, 16, 18, 19, 20, 23, 24, 25, 27)]
DOWN = D(2026, 11, 17)  # the process is down for this whole window
HOLIDAY = D(2026, 11, 26)


@pytest.mark.timeout(600)
@pytest.mark.slow
def test_three_weeks_one_cycle_per_session(
    small_world: Path,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    run_autopilot: Callable[..., int],
) -> None:
    email_to(monkeypatch, smtp_server)
    # A: Monday 08:00 → Wednesday 15:47, just after Wednesday's cycle.
    assert run_autopilot(et(2026, 11, 9, 8), et(2026, 11, 11, 15, 47)) == 0
    # B: restart inside Wednesday's window after its run: nothing more that day.
    assert run_autopilot(et(2026, 11, 11, 15, 50), et(2026, 11, 17, 15, 40)) == 0
    # Down through Tuesday the 17th's window; C: back after the close.
    assert run_autopilot(et(2026, 11, 17, 18), et(2026, 11, 19, 15, 44)) == 0
    # D: restart inside Thursday's window before its run: it runs at once (catch-up).
    assert run_autopilot(et(2026, 11, 19, 15, 52), et(2026, 11, 28, 12)) == 0

    engine = sa.create_engine(f"sqlite:///{small_world / 'ledger.sqlite3'}")
    with engine.connect() as conn:
        runs = conn.execute(
            sa.text("select run_id, trading_day, status from runs order by started_at")
        ).all()
        starts = dict(
            conn.execute(
                sa.text(
                    "select r.trading_day, min(s.at) from runs r join account_snapshots s "
                    "on s.run_id = r.run_id where s.stage = 'before' group by r.trading_day"
                )
            ).all()
        )
        working = conn.execute(
            sa.text(
                "select count(*) from sim_orders where status not in "
                "('filled', 'canceled', 'expired', 'rejected', 'done_for_day', 'replaced')"
            )
        ).scalar_one()
    days = [D.fromisoformat(str(r.trading_day)) for r in runs]
    assert days == TRADED  # exactly one per session; none on the holiday, weekend or while down
    assert {r.status for r in runs} == {"completed"}
    assert working == 0
    assert sorted(D.fromisoformat(str(d)) for d in starts) == TRADED
    for raw_day, at in starts.items():
        local = dt.datetime.fromisoformat(str(at)).replace(tzinfo=dt.UTC).astimezone(NEW_YORK)
        day = D.fromisoformat(str(raw_day))
        assert local.date() == day
        if day == D(2026, 11, 19):  # restarted at 15:52, inside the window: runs at once
            expected = dt.time(15, 52)
        elif day == D(2026, 11, 27):  # early close: window from 12:45, cycle 30 s later
            expected = dt.time(12, 45, 30)
        else:
            expected = dt.time(15, 45, 30)
        clock_time = local.time()
        assert (
            expected
            <= clock_time
            < (dt.datetime.combine(day, expected) + dt.timedelta(minutes=1)).time()
        ), (day, local)

    subjects = [str(m["Subject"]) for m in smtp_server.inbox.messages]
    missed = [s for s in subjects if "Missed session" in s]
    assert missed == [f"[Alchemiser] Missed session {DOWN}: no completed run"]
    reports = [s for s in subjects if s.startswith("[Alchemiser] Run completed")]
    assert len(reports) == len(TRADED)
    summaries = [s for s in subjects if s.startswith("[Alchemiser] Daily summary")]
    summary_days = [s.split()[3].rstrip(":") for s in summaries]
    assert len(summary_days) == len(set(summary_days))  # never twice for one session
    assert str(HOLIDAY) not in summary_days
    assert str(D(2026, 11, 27)) in summary_days
    assert not any("failed" in s or "Stale" in s for s in subjects), subjects
