"""A person's command while a worker is recording: it waits for the worker, then decides on what is true.

The "worker" here is a second connection that records a newer verdict for 田坪乡 while holding what
the daemon holds when it does that (SQLite's write lock, PostgreSQL's lock on the unit's dossier),
and commits a second later. An override of the older receipt, or a `rules replay --apply` that
would correct it, issued meanwhile, must see the newer verdict and leave the unit alone; checked
first and written later, either would have recorded a decision on a superseded receipt.
"""

import threading
import time

import pytest

from mailbot import queries as q
from mailbot import store as db
from mailbot.models import VerdictRecord
from mailbot.overrides import OverrideError, override
from mailbot.replay import replay
from mailbot.store import Store
from tests.builders import pdfs
from tests.builders.campaign import as_csv, filled_ledger
from tests.pipeline.conftest import edit_rules, on_time, submission


def record_newer_verdict_slowly(url: str, first: VerdictRecord, held: threading.Event, receipts: list) -> None:
    store = Store(url)
    with store.session() as session:
        db.begin_write(session)
        db.lock(session, f"dossier/{first.campaign}/{first.unit}")
        newer = VerdictRecord(**{k: v for k, v in first.model_dump().items() if k not in ("id", "receipt")})
        session.add(newer)
        session.flush()
        newer.receipt = f"20211124-{newer.id:05d}"
        receipts.append(newer.receipt)
        held.set()
        time.sleep(1.0)
        session.commit()
    store.close()


def worker_recording_a_newer_verdict(office, receipt: str) -> tuple[threading.Thread, list]:
    """Started, and holding its locks, when this returns; the newer receipt is in the list."""
    rt = office.daemon.rt
    with rt.store.session() as session:
        first = q.verdict_by_receipt(session, receipt)
    url = rt.store.engine.url.render_as_string(hide_password=False)
    held, receipts = threading.Event(), []
    worker = threading.Thread(target=record_newer_verdict_slowly, args=(url, first, held, receipts))
    worker.start()
    assert held.wait(10)
    return worker, receipts


def test_an_override_waits_for_a_worker_and_then_refuses_a_superseded_receipt(office):
    office.deliver(submission({"台账.xlsx": filled_ledger(), "报告.pdf": pdfs.text_report()}))
    [outcome] = office.daemon.run_once()
    worker, receipts = worker_recording_a_newer_verdict(office, outcome.receipt)
    with pytest.raises(OverrideError) as refused:
        override(office.daemon.rt, outcome.receipt, "需补正", "王雪倩", "报告未盖章", False, on_time(2))
    worker.join(10)
    assert f"请核对后对 {receipts[0]} 作人工认定" in str(refused.value)


def test_a_replay_waits_for_a_worker_and_then_leaves_the_newer_verdict_alone(office, tmp_path):
    edit_rules(office, tmp_path / "a", campaign=(('types = ["xlsx", "xls", "csv"]', 'types = ["xlsx"]'),))
    office.deliver(submission({"台账.csv": as_csv(filled_ledger()), "报告.pdf": pdfs.text_report()}))
    [outcome] = office.daemon.run_once()
    assert outcome.verdict == "需补正"
    campaign = edit_rules(office, tmp_path / "b")  # the shipped rules take .csv: replay would accept it
    worker, receipts = worker_recording_a_newer_verdict(office, outcome.receipt)
    [change] = replay(office.daemon.rt, campaign, apply=True)
    worker.join(10)
    assert change.new == "已受理" and not change.applies
    assert f"该单位已有更新的报送（回执 {receipts[0]}），以新的为准" in change.kept
    with office.daemon.rt.store.session() as session:
        assert q.latest_verdicts(session, campaign.id)["田坪乡"].receipt == receipts[0]  # no correction recorded
