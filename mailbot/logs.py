"""Logging for `mailbot run`: one line per mail with its receipt and verdict; JSON lines by setting."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime, timezone

from mailbot.shown import ShownLogs, shown


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def log_mail(log: logging.Logger, key: str, sender: str, outcome: str, *, unit: str | None = None,
             receipt: str = "", verdict: str = "", late: bool = False, rules_version: str = "", reason: str = "") -> None:
    """The one line a mail leaves in the log, whatever became of it, with the same fields every time:
    ``outcome`` is processed | ignored | duplicate | failed."""
    if outcome == "processed":
        text = f"unit={unit or '-'} receipt={receipt} verdict={verdict}{'（逾期）' if late else ''}"
    else:
        text = f"{outcome}: {reason}"
    fields = {"event": "mail", "outcome": outcome, "mail": key, "from": sender, "unit": unit, "receipt": receipt,
              "verdict": verdict, "late": late, "rules_version": rules_version, "reason": reason}
    log.log(logging.ERROR if outcome == "failed" else logging.INFO, "mail %s from %s: %s", key, sender or "-", text,
            extra={"fields": fields})


def log_file_warnings(log: logging.Logger, key: str, warnings: Iterable[tuple[str, str]]) -> None:
    """What the reading libraries (openpyxl, pdfminer, calamine...) warned about, one line each, with the
    mail it came from: without the key a warning in the log cannot be traced to a file. The texts were
    made single-line and stripped of control and bidi characters in the sandbox (parsers.sandbox)."""
    for name, text in warnings:
        name = shown(name, one_line=True)  # a file name comes from the mail: no forged log lines
        log.warning("mail %s file %s: %s", key, name, text,
                    extra={"fields": {"event": "file_warning", "mail": key, "file": name, "warning": text}})


def configure_logging(kind: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(ShownLogs())  # a subject or file name cannot forge a log line
    if kind == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its INFO is per-step chatter; schema.py logs the upgrade
