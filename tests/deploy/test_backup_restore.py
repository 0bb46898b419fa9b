"""deploy/README.md's backup and restore, done the way it says, on both databases.

The office backs up the database and the raw mail archive while mailbot runs,
the server is lost, and a new one is set up from the backup against the same
mailbox. What a person would check afterwards: every unit shows the state it
had, the stored mail can still be re-judged (the archive came back), and no
unit gets a second receipt for mail the backup already knew. Mail answered
after the backup was taken is answered once more; the README says so.
"""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from email import policy
from pathlib import Path

import pytest

from tests.builders import mails
from tests.builders.demo import fill_inbox, on_time, samples

MAILBOT = str(Path(sys.executable).with_name("mailbot"))
README = (Path(__file__).resolve().parents[2] / "deploy" / "README.md").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Server:
    """One mailbot server: its own state folder and database, and the mailbox both servers read."""

    var: Path
    database_url: str
    mailbox: Path

    def mailbot(self, *args: str) -> subprocess.CompletedProcess:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("MAILBOT_")},
               "MAILBOT_VAR_DIR": str(self.var), "MAILBOT_DATABASE_URL": self.database_url,
               "MAILBOT_INBOX__KIND": "maildir", "MAILBOT_INBOX__PATH": str(self.mailbox)}
        result = subprocess.run([MAILBOT, *args], env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"mailbot {' '.join(args)}: {result.stdout}{result.stderr}"
        return result


def replies(var: Path) -> list[Path]:
    outbox = var / "mail" / "outbox" / "new"
    return sorted(outbox.iterdir()) if outbox.exists() else []


def libpq(url: str) -> str:
    """The URL as pg_dump reads it (SQLAlchemy's driver suffix removed)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def back_up(kind: str, var: Path, url: str, backup: Path) -> None:
    """The README's commands for the database, then the archive."""
    if kind == "sqlite":
        assert 'sqlite3 /var/lib/mailbot/mailbot.db ".backup' in README
        subprocess.run(["sqlite3", str(var / "mailbot.db"), f".backup {backup / 'mailbot.db'}"], check=True)
    else:
        assert "pg_dump -Fc mailbot >" in README
        with open(backup / "mailbot.dump", "wb") as out:
            subprocess.run(["pg_dump", "-Fc", libpq(url)], stdout=out, check=True)
    assert "rsync -a /var/lib/mailbot/archive/ /backup/archive/" in README
    subprocess.run(["rsync", "-a", f"{var / 'archive'}/", f"{backup / 'archive'}/"], check=True)


def restore(kind: str, backup: Path, var: Path, url: str) -> None:
    """Put the database file (or pg_restore) and the archive back, as the README's 恢复 paragraph says."""
    var.mkdir(parents=True)
    if kind == "sqlite":
        shutil.copy(backup / "mailbot.db", var / "mailbot.db")
    else:
        assert "pg_restore -d mailbot" in README
        subprocess.run(["pg_restore", "-d", libpq(url), str(backup / "mailbot.dump")], check=True)
    subprocess.run(["rsync", "-a", f"{backup / 'archive'}/", f"{var / 'archive'}/"], check=True)


@pytest.mark.skipif(not (shutil.which("sqlite3") and shutil.which("rsync") and shutil.which("pg_dump")),
                    reason="needs sqlite3, rsync and postgresql-client (.ci/run installs them)")
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_new_server_restored_from_the_backup_carries_on(kind, tmp_path, request):
    backup = tmp_path / "backup"
    backup.mkdir()
    if kind == "sqlite":
        old_url, new_url = f"sqlite:///{tmp_path / 'old' / 'mailbot.db'}", f"sqlite:///{tmp_path / 'new' / 'mailbot.db'}"
    else:
        cluster = request.getfixturevalue("postgres")
        old_url, new_url = cluster.new_database(), cluster.new_database()
    mailbox = tmp_path / "mail-server" / "mail" / "inbox"  # on the mail server: it outlives the lost mailbot server
    old, new = Server(tmp_path / "old", old_url, mailbox), Server(tmp_path / "new", new_url, mailbox)

    sent = fill_inbox(tmp_path / "mail-server", "mx")
    old.mailbot("run", "--once")
    answered_before_backup = len(replies(old.var))
    assert answered_before_backup == len(sent) - 1  # every mail but the auto-reply
    back_up(kind, old.var, old_url, backup)

    # after the backup: one more mail is answered, then the server is lost
    unit, (_, files) = next(iter(samples().items()))
    late = mails.client_mail("126", sender="unit1@163.com", sender_name=unit, subject=f"{unit}整改材料（再次报送）",
                             files=files, received=on_time(9))
    (mailbox / "new" / "1637750000.after-backup.mx").write_bytes(late)
    old.mailbot("run", "--once")
    assert len(replies(old.var)) == answered_before_backup + 1
    status_before_loss = old.mailbot("status").stdout

    # the new server: the backup restored, the mailbox as it is
    restore(kind, backup, new.var, new_url)
    new.mailbot("db", "upgrade")
    new.mailbot("run", "--once")

    answered = replies(new.var)
    assert len(answered) == 1  # only the mail the backup did not know is answered again
    late_id = email.message_from_bytes(late, policy=policy.default)["Message-ID"]
    assert email.message_from_bytes(answered[0].read_bytes(), policy=policy.default)["In-Reply-To"] == late_id
    assert new.mailbot("status").stdout == status_before_loss
    replay = new.mailbot("rules", "replay")  # re-reads every unit's stored mail from the restored archive
    assert "重审" in replay.stdout and "0 个有变化" in replay.stdout, replay.stdout
