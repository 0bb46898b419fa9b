"""A mailbot on the embedded default in a temporary folder: Maildir in/out, SQLite, the shipped rules."""

from __future__ import annotations

import email
import itertools
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email import policy
from pathlib import Path

import pytest

from mailbot.daemon import Daemon, build_daemon
from mailbot.rules_loader import load_rules
from mailbot.settings import Settings
from tests.builders import mails
from tests.builders.campaign import edited_rules

_counter = itertools.count(1)


@dataclass
class Office:
    root: Path
    settings: Settings
    daemon: Daemon

    @property
    def inbox(self) -> Path:
        return self.settings.inbox_path

    @property
    def outbox(self) -> Path:
        return self.settings.outbox_path / "new"

    def deliver(self, raw: bytes) -> Path:
        """Put a message into the inbox as a mail server does (tmp → new)."""
        name = f"{1700000000 + next(_counter)}.M{os.getpid()}.mx"
        tmp = self.inbox / "tmp" / name
        tmp.write_bytes(raw)
        target = self.inbox / "new" / name
        os.replace(tmp, target)
        return target

    def replies(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in delivered(self.outbox)]

    def reply_text(self, index: int = -1) -> str:
        return self.replies()[index].get_body(("plain",)).get_content()


def rows(office: Office, model) -> list:
    """Every row of ``model``, in the order they were numbered (a query without ORDER BY has no order)."""
    from sqlmodel import select

    with office.daemon.rt.store.session() as session:
        return list(session.exec(select(model).order_by(model.id)))


def delivered(folder: Path) -> list[Path]:
    """The files of a Maildir outbox's new/ in the order they were written (their names are Message-IDs).
    Two replies written within one tick of the file-time clock (a few ms) have the same mtime: then the
    receipt numbers, given in order, decide."""
    def written(path: Path) -> tuple[int, bytes, str]:
        receipt = re.search(rb"^X-Mailbot-Loop: *(\S+)", path.read_bytes()[:16384], re.MULTILINE | re.IGNORECASE)
        return path.stat().st_mtime_ns, receipt.group(1) if receipt else b"", path.name

    return sorted(folder.iterdir(), key=written) if folder.exists() else []


def make_office(root: Path, rules, **settings) -> Office:
    """An office in ``root`` judging by ``rules``: its state in root/var unless ``settings`` say otherwise."""
    configured = Settings(**{"var_dir": root / "var", "rules_dir": Path("rules"), **settings})
    daemon = build_daemon(configured, rules)
    daemon.inbox.root.mkdir(parents=True, exist_ok=True)
    return Office(root, configured, daemon)


@pytest.fixture
def office(tmp_path, rules, database_url) -> Office:
    return make_office(tmp_path, rules, database_url=database_url)


def on_time(hours: float = 0) -> datetime:
    return datetime(2021, 11, 24, 10, 0, tzinfo=timezone(timedelta(hours=8))) + timedelta(hours=hours)


def submission(unit_files: dict[str, bytes], sender="tianping@126.com", client="126", subject="田坪乡整改台账及整改报告",
               received=None, **kw) -> bytes:
    return mails.client_mail(client, sender=sender, subject=subject, files=unit_files, received=received or on_time(),
                             **kw)


def edit_rules(office: Office, folder: Path, units=(), campaign=()):
    """Edit a copy of the shipped rules as an administrator would and put it in force; its campaign."""
    office.daemon.rt.rules = load_rules(edited_rules(folder, units=units, campaign=campaign))
    return office.daemon.rt.rules.campaign()
