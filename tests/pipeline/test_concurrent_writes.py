"""A person's command while a worker is recording: it waits for the worker, then decides on what is true.

The "worker" here is a second connection that records a newer verdict for 田坪乡 while holding what
the daemon holds when it does that (SQLite's write lock, PostgreSQL's lock on the unit's dossier),
and commits only once the command under test is waiting for that lock. An override of the older
receipt, or a `rules replay --apply` that would correct it, issued meanwhile, must see the newer
verdict and leave the unit alone; checked first and written later, either would have recorded a
decision on a superseded receipt.
"""

import threading
import time

import pytest
from sqlalchemy import event, text

from mailbot import queries as q
from mailbot import store as db
from mailbot.models import VerdictRecord
from mailbot.overrides import OverrideError, override
from mailbot.replay import replay
from mailbot.store import Store
from tests.builders import pdfs
from tests.builders.campaign import as_csv, filled_ledger
from tests.pipeline.conftest import edit_rules, on_time, submission

# an advisory lock asked for in this database and not granted: a session waiting for the worker's dossier lock
WAITING_FOR_AN_ADVISORY_LOCK = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND "
                                    "database = (SELECT oid FROM pg_database WHERE datname = current_database())")


class Worker(threading.Thread):
    """Records a newer verdict for the unit of ``receipt`` under the worker's locks, and commits only once the
    office's own connection waits for them (or after 30 s, which the test then fails on).

    PostgreSQL shows a waiting session in pg_locks. SQLite does not: there the waiter sits in its
    busy timeout, so the proof is that the office's connection has issued BEGIN IMMEDIATE while the
    worker holds the write lock, which it cannot get until the worker commits.
    """

    def __init__(self, office, receipt: str) -> None:
        super().__init__()
        self.office_engine = office.daemon.rt.store.engine
        with office.daemon.rt.store.session() as session:
            self.first = q.verdict_by_receipt(session, receipt)
        self.url = self.office_engine.url.render_as_string(hide_password=False)
        self.held, self.asked = threading.Event(), threading.Event()
        self.receipt = ""
        self.saw_the_wait = False
        self.committed = float("inf")

    def __enter__(self) -> "Worker":
        event.listen(self.office_engine, "before_cursor_execute", self._asking)
        self.start()
        assert self.held.wait(10), "the worker never got its locks"
        return self

    def __exit__(self, *exc) -> None:
        self.join(40)
        event.remove(self.office_engine, "before_cursor_execute", self._asking)

    def _asking(self, _conn, _cursor, statement: str, *_args) -> None:
        if statement.strip().upper().startswith("BEGIN IMMEDIATE"):
            self.asked.set()

    def _waited_for(self, session) -> bool:
        if session.get_bind().dialect.name == "postgresql":
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if session.execute(WAITING_FOR_AN_ADVISORY_LOCK).scalar():
                    return True
                time.sleep(0.02)
            return False
        return self.asked.wait(30)

    def run(self) -> None:
        store = Store(self.url)
        with store.session() as session:
            db.begin_write(session)
            db.lock(session, f"dossier/{self.first.campaign}/{self.first.unit}")
            newer = VerdictRecord(**{k: v for k, v in self.first.model_dump().items() if k not in ("id", "receipt")})
            session.add(newer)
            session.flush()
            newer.receipt = self.receipt = f"20211124-{newer.id:05d}"
            self.held.set()
            self.saw_the_wait = self._waited_for(session)
            session.commit()
            self.committed = time.monotonic()
        store.close()

    def check_the_command_waited(self, started: float, returned: float) -> None:
        assert not self.is_alive(), "the worker is still holding its locks"
        assert self.saw_the_wait, "the command never waited for the worker's locks"
        assert started < self.committed < returned  # it returned only after the worker's commit


def test_an_override_waits_for_a_worker_and_then_refuses_a_superseded_receipt(office):
    office.deliver(submission({"台账.xlsx": filled_ledger(), "报告.pdf": pdfs.text_report()}))
    [outcome] = office.daemon.run_once()
    with Worker(office, outcome.receipt) as worker:
        started = time.monotonic()
        with pytest.raises(OverrideError) as refused:
            override(office.daemon.rt, outcome.receipt, "需补正", "王雪倩", "报告未盖章", False, on_time(2))
        returned = time.monotonic()
    worker.check_the_command_waited(started, returned)
    assert f"请核对后对 {worker.receipt} 作人工认定" in str(refused.value)


def test_a_replay_waits_for_a_worker_and_then_leaves_the_newer_verdict_alone(office, tmp_path):
    edit_rules(office, tmp_path / "a", campaign=(('types = ["xlsx", "xls", "csv"]', 'types = ["xlsx"]'),))
    office.deliver(submission({"台账.csv": as_csv(filled_ledger()), "报告.pdf": pdfs.text_report()}))
    [outcome] = office.daemon.run_once()
    assert outcome.verdict == "需补正"
    campaign = edit_rules(office, tmp_path / "b")  # the shipped rules take .csv: replay would accept it
    with Worker(office, outcome.receipt) as worker:
        started = time.monotonic()
        [change] = replay(office.daemon.rt, campaign, apply=True)
        returned = time.monotonic()
    worker.check_the_command_waited(started, returned)
    assert change.new == "已受理" and not change.applies
    assert f"该单位已有更新的报送（回执 {worker.receipt}），以最新一次报送为准" in change.kept
    with office.daemon.rt.store.session() as session:
        assert q.latest_verdicts(session, campaign.id)["田坪乡"].receipt == worker.receipt  # no correction recorded


def test_a_confirmation_waits_for_a_worker_recording_the_same_unit(tmp_path, database_url):
    from mailbot.review import confirm
    from mailbot.rules_loader import load_rules
    from tests.builders import attacks
    from tests.pipeline.conftest import make_office

    office = make_office(tmp_path, load_rules(attacks.guarded_rules(tmp_path)), database_url=database_url)
    office.deliver(attacks.unit_mail())
    office.deliver(attacks.unit_mail("helper@qq.com", client="qq", subject="吉强镇整改报告（补发）"))
    first, waiting = office.daemon.run_once()
    assert (first.verdict, waiting.state) == ("已受理", "held")
    with office.daemon.rt.store.session() as session:
        number = q.held_messages(session)[0].id
    with Worker(office, first.receipt) as worker:
        started = time.monotonic()
        done = confirm(office.daemon.rt, str(number), "吉强镇", "王雪倩", on_time(2))
        returned = time.monotonic()
    worker.check_the_command_waited(started, returned)
    with office.daemon.rt.store.session() as session:
        assert q.latest_verdicts(session, "xzbh-2021-56")["吉强镇"].receipt == done.receipt  # recorded after the worker's
