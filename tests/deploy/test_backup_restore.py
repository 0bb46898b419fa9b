"""deploy/README.md's backup and restore, its own command blocks run as written (tests/deploy/guide.py), on both databases.

The office backs up while mailbot runs, the server is lost, and a new one is installed by the
guide, started once, and restored from the backup against the same mailbox. What a person would
check afterwards: every unit shows the state it had, the stored mail can still be re-judged (the
archive came back), the files belong to the service user again, and no unit gets a second receipt
for mail the backup already knew. Mail answered after the backup was taken is answered once more;
the guide says so.

The commands stay in the guide rather than in a shipped script: the administrator reads and
types exactly what this test runs, and there is no second copy to drift from it.
"""

from __future__ import annotations

import email
import os
import shutil
import subprocess
from email import policy
from pathlib import Path

import pytest

from tests.builders import mails
from tests.builders.demo import fill_inbox, on_time, samples
from tests.deploy.example_settings import set_key
from tests.deploy.guide import MAILBOT, Root, blocks, for_database
from tests.pipeline.conftest import delivered


def replies(root: Root) -> list[Path]:
    return delivered(root.state / "mail" / "outbox" / "new")


def answering(path: Path) -> str:
    """The Message-ID a reply answers."""
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)["In-Reply-To"]


def message_id(raw: bytes) -> str:
    return email.message_from_bytes(raw, policy=policy.default)["Message-ID"]


NEEDS_TOOLS = pytest.mark.skipif(not (shutil.which("sqlite3") and shutil.which("rsync") and shutil.which("pg_dump")),
                                 reason="needs sqlite3, rsync and postgresql-client (./dev test installs them)")
# A dozen mailbot commands, each a fresh process with its own parser pool: minutes on a busy machine. Nothing in
# these tests waits for a time to pass (each step is a command run to its end), so this bound is only a hang guard.
WHOLE_GUIDE = pytest.mark.timeout(900)


def cli(root: Root, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILBOT_")}
    result = subprocess.run([str(MAILBOT), "--settings", str(root.settings), *args], env=env, cwd=root.home,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"mailbot {' '.join(args)}: {result.stdout}{result.stderr}"
    return result


def libpq(url: str) -> str:
    """The URL as pg_dump reads it (SQLAlchemy's driver suffix removed)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def server(path: Path, backup: Path, mailbox: Path, url: str | None) -> Root:
    """A server set up by section 1 (and 3), its inbox the mail server's, started once."""
    root = Root(path, backup, replace={"-d mailbot": f"-d '{libpq(url)}'"} if url else {})
    root.install()
    text = set_key(root.settings.read_text(encoding="utf-8"), "inbox", "path", f'"{mailbox}"')
    if url:
        text = set_key(text, "", "database_url", f'"{url}"')
    root.settings.write_text(text, encoding="utf-8")
    cli(root, "db", "upgrade")  # first start: the tables exist, empty
    return root


def back_up_then_answer_one_more(root: Root, kind: str, mailbox: Path) -> bytes:
    """The guide's backup (section 5.1), then one more mail answered after it: the mail returned."""
    backed_up = root.run(*for_database(blocks("5.1"), kind))
    assert backed_up.returncode == 0, backed_up.stderr
    unit, (_, files) = next(iter(samples().items()))
    late = mails.client_mail("126", sender="unit1@163.com", sender_name=unit, subject=f"{unit}整改材料（再次报送）",
                             files=files, received=on_time(9))
    (mailbox / "new" / "1637750000.after-backup.mx").write_bytes(late)
    assert root.start_unit("--once").returncode == 0
    return late


@NEEDS_TOOLS
@WHOLE_GUIDE
@pytest.mark.own_database("runs the guide's SQLite and PostgreSQL blocks itself, one kind per run")
@pytest.mark.parametrize("kind", ["SQLite", "PostgreSQL"])
def test_a_new_server_restored_from_the_backup_carries_on(kind, tmp_path, request):
    backup = tmp_path / "backup"  # made by the guide's own first line
    old_url = new_url = None
    if kind == "PostgreSQL":
        cluster = request.getfixturevalue("postgres")
        old_url, new_url = cluster.new_database(), cluster.new_database()
    mailbox = tmp_path / "mail-server" / "mail" / "inbox"  # on the mail server: it outlives the lost mailbot server
    sent = fill_inbox(tmp_path / "mail-server", "mx")
    old = server(tmp_path / "old", backup, mailbox, old_url)
    # what the office changed on the old server over the years: its settings and its roster
    old.settings.write_text(set_key(old.settings.read_text(encoding="utf-8"), "office", "phone", '"王雪倩 15509503117"'),
                            encoding="utf-8")
    roster = old.path / "etc" / "mailbot" / "rules" / "units.toml"
    roster.write_text(roster.read_text(encoding="utf-8") + "# 2021 年 11 月名册修订\n", encoding="utf-8")
    assert old.start_unit("--once").returncode == 0
    answered_before_backup = len(replies(old))
    assert answered_before_backup == len(sent) - 1  # every mail but the auto-reply

    late = back_up_then_answer_one_more(old, kind, mailbox)  # then the server is lost
    assert len(replies(old)) == answered_before_backup + 1
    status_before_loss = cli(old, "status").stdout

    # the new server, installed by the guide, then restored by it
    new = server(tmp_path / "new", backup, mailbox, new_url)
    # on real servers both have the same paths and database name; here the restored settings are re-pointed
    moved = f"sed -i -e 's|{old.path}|{new.path}|g' -e 's|{old_url or old.path}|{new_url or new.path}|g' " \
            "/etc/mailbot/mailbot.toml\n"
    first, *rest = blocks("5.2")
    restored = new.run(first, moved, *for_database(rest, kind))
    assert restored.returncode == 0, restored.stderr
    assert 'phone = "王雪倩 15509503117"' in new.settings.read_text(encoding="utf-8")
    assert "# 2021 年 11 月名册修订" in (new.path / "etc" / "mailbot" / "rules" / "units.toml").read_text(encoding="utf-8")
    if os.geteuid() == 0:  # root put the files back; the service user must own them again
        foreign = [p for p in new.state.rglob("*") if p.owner() != new.service_user]
        assert foreign == []
        assert new.settings.group() == new.service_group

    assert new.start_unit("--once").returncode == 0
    answered = replies(new)
    assert len(answered) == 1  # only the mail the backup did not know is answered again
    assert answering(answered[0]) == message_id(late)
    assert cli(new, "status").stdout == status_before_loss
    replay = cli(new, "rules", "replay")  # re-reads every unit's stored mail from the restored archive
    assert replay.returncode == 0 and "结论和问题均无变化" in replay.stdout, replay.stdout + replay.stderr


@NEEDS_TOOLS
@WHOLE_GUIDE
@pytest.mark.own_database("runs the guide's SQLite and PostgreSQL blocks itself, one kind per run")
@pytest.mark.parametrize("kind", ["SQLite", "PostgreSQL"])
def test_the_database_restored_on_the_same_server_answers_every_mail_after_it(kind, tmp_path, request):
    """The database is restored from the backup on the server it came from (a bad edit, a damaged file): the
    outbox folder still holds every reply written since. The restored outbox table hands out the same row ids
    again; with files named after the row, the replies of mail processed after the restore were marked 已发送
    and never written, and the guide's promise of a second receipt was not kept."""
    backup = tmp_path / "backup"
    url = request.getfixturevalue("postgres").new_database() if kind == "PostgreSQL" else None
    mailbox = tmp_path / "mail-server" / "mail" / "inbox"
    fill_inbox(tmp_path / "mail-server", "mx")
    office = server(tmp_path / "office", backup, mailbox, url)
    assert office.start_unit("--once").returncode == 0
    late = back_up_then_answer_one_more(office, kind, mailbox)
    before_restore = replies(office)

    restored = office.run(*for_database(blocks("5.2"), kind))  # on the same server: its installation is there
    assert restored.returncode == 0, restored.stderr
    assert office.start_unit("--once").returncode == 0
    again = [p for p in replies(office) if p not in before_restore]
    assert [answering(p) for p in again] == [message_id(late)]  # answered once more, as the guide says

    _, (_, files) = next(iter(samples().items()))
    after = mails.client_mail("126", sender="unit2@163.com", sender_name="兴隆镇", subject="兴隆镇整改材料",
                              files=files, received=on_time(10))
    (mailbox / "new" / "1637760000.after-restore.mx").write_bytes(after)
    assert office.start_unit("--once").returncode == 0
    newest = [p for p in replies(office) if p not in before_restore and p not in again]
    assert [answering(p) for p in newest] == [message_id(after)]
    assert all(p.exists() for p in before_restore)  # nothing written before is overwritten
