"""A unit's mail as staff look at it: each mail with its files, verdicts, findings, decisions and the mail
we sent back; and the unit's current ledger with the cells that have findings. Read-only views of the
database for the console's 单位 page."""

from __future__ import annotations

import email
import json
from dataclasses import dataclass, field
from email import policy

from mailbot import queries as q
from mailbot.dossier import IDENTITY_LABELS
from mailbot.findings import Place, Severity
from mailbot.models import AttachmentRecord, FindingRecord, FlagRecord, MessageRecord, OutboxRecord, OverrideRecord, \
    ReviewRecord, VerdictRecord
from mailbot.rules import Campaign, Unit
from mailbot.trust import Trust

# which column of the ledger a finding is about (the rest mark the whole row)
FIELD_OF_CODE = {
    "ledger.measure_missing": "measure", "ledger.example_left": "measure",
    "ledger.status_missing": "status", "ledger.status_invalid": "status", "ledger.status_synonym": "status",
    "ledger.reason_missing": "remark", "ledger.problem_changed": "problem",
}
STATE_LABELS = {"new": "待审核", "processed": "已审核", "ignored": "不予回复", "duplicate": "重复邮件", "failed": "处理出错",
                "held": "待人工确认", "rejected": "已关闭（不予计入）"}
KIND_LABELS = {  # what a file really is (sniffed from its bytes), as staff read it
    "xlsx": "Excel 工作簿", "xls": "Excel 97-2003 工作簿", "csv": "CSV 表格", "pdf": "PDF 文档", "zip": "ZIP 压缩包",
    "rar": "RAR 压缩包", "7z": "7z 压缩包", "ofd": "OFD 文档", "ods": "OpenDocument 表格", "odt": "OpenDocument 文档",
    "docx": "Word 文档", "doc": "Word 97-2003 文档", "office_encrypted": "加密的 Office 文档", "image": "图片",
    "executable": "可执行程序", "text": "纯文本", "tnef": "Outlook winmail.dat", "office_other": "其他 Office 文档",
    "unknown": "无法识别",
}
SENT_LABELS = {"pending": "待发送", "sent": "已发送", "failed": "发送失败"}


@dataclass(frozen=True)
class VerdictView:
    verdict: VerdictRecord
    findings: list[FindingRecord]
    overrides: list[OverrideRecord]

    @property
    def identity(self) -> str:
        return IDENTITY_LABELS.get(self.verdict.identity_note, self.verdict.identity_note)


@dataclass(frozen=True)
class SentView:
    row: OutboxRecord

    @property
    def text(self) -> str:
        """The plain-text body, as the unit read it (parsed only when a page shows it)."""
        return reply_text(self.row.raw)

    @property
    def state(self) -> str:
        return SENT_LABELS.get(self.row.state, self.row.state)


@dataclass(frozen=True)
class MailView:
    message: MessageRecord
    files: list[AttachmentRecord]
    verdicts: list[VerdictView]
    sent: list[SentView]
    flags: list[FlagRecord]
    reviews: list[ReviewRecord] = field(default_factory=list)

    @property
    def state(self) -> str:
        if self.message.state == "held" and self.message.trust == Trust.HOSTILE.value:
            return "已隔离，待人工处理"
        return STATE_LABELS.get(self.message.state, self.message.state)

    @property
    def trust(self) -> str:
        """How far the sender was trusted (mailbot.trust), "" for mail recorded before it was decided."""
        return Trust(self.message.trust).label if self.message.trust else ""

    @property
    def trust_reasons(self) -> list[str]:
        return json.loads(self.message.trust_reasons or "[]")

    @property
    def authentication(self) -> str:
        m = self.message
        return f"SPF {m.spf or '无结果'}，DKIM {m.dkim or '无结果'}，DMARC {m.dmarc or '无结果'}（{m.auth_server}）" \
            if m.auth_server else ""


def mail_view(session, message_id: int) -> MailView | None:
    message = session.get(MessageRecord, message_id)
    if message is None:
        return None
    verdicts = [VerdictView(v, q.findings_of(session, v.id), q.overrides_of(session, v.id))
                for v in reversed(q.verdicts_of_message(session, message_id))]
    sent = [SentView(row) for row in q.outbox_of_message(session, message_id)]
    flags = q.flags_of_message(session, message_id)
    return MailView(message, q.attachments_of(session, message_id), verdicts, sent, flags,
                    q.reviews_of(session, message_id))


def unit_history(session, unit: str) -> list[MailView]:
    """Every mail credited to the unit, newest first."""
    return [mail_view(session, m.id) for m in q.messages_of_unit(session, unit)]


def reply_text(raw: bytes) -> str:
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
        body = message.get_body(("plain",))
        return body.get_content() if body is not None else ""
    except Exception:  # noqa: BLE001 - our own mail; a display problem must not break the page
        return ""


@dataclass(frozen=True)
class LedgerLine:
    seq: int
    problem: str
    measure: str = ""
    status: str = ""
    remark: str = ""
    marked: frozenset[str] = frozenset()  # fields with a finding; "row" when it is about the whole row
    notes: tuple[str, ...] = ()  # the findings, with their cells

    def css(self, name: str) -> str:
        return "error" if name in self.marked else ""


@dataclass(frozen=True)
class LedgerView:
    verdict: VerdictRecord | None
    lines: list[LedgerLine] = field(default_factory=list)
    other: list[FindingRecord] = field(default_factory=list)  # findings not about a row (file, report, contacts)


def ledger_view(session, campaign: Campaign, unit: Unit, verdict: VerdictRecord | None) -> LedgerView:
    """The unit's rows of the template with what its newest ledger says, cells with findings marked."""
    if verdict is None:
        return LedgerView(None)
    rows = {r.seq: r for r in q.ledger_rows_of(session, verdict.id)}
    findings = [f for f in q.findings_of(session, verdict.id) if f.severity != Severity.OFF.value]
    by_seq: dict[int, list[FindingRecord]] = {}
    for f in findings:
        if f.seq is not None:
            by_seq.setdefault(f.seq, []).append(f)
    lines = []
    for problem in campaign.problems_for(unit):
        row = rows.get(problem.seq)
        mine = by_seq.pop(problem.seq, [])
        marked = frozenset(FIELD_OF_CODE.get(f.code, "row") for f in mine)
        notes = tuple(f"{Place(sheet=f.sheet, cell=f.cell).describe() + '：' if f.cell else ''}{f.message}"
                      for f in mine)
        lines.append(LedgerLine(problem.seq, problem.problem, row.measure if row else "", row.status if row else "",
                                row.remark if row else "", marked, notes))
    other = [f for f in findings if f.seq is None or f.seq in by_seq]
    return LedgerView(verdict, lines, other)
