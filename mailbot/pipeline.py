"""The one place that orders the steps for one mail (see DESIGN.md's flow).

archive → record → screen → decode → unpack and parse → identify → dossier →
judge → record verdict + reply (one transaction). Delivery happens after the
commit, in :mod:`mailbot.outbox`, called by the daemon after each mail.

A step that fails on bad input produces a finding; an unexpected failure marks
the message ``failed`` (raw bytes are already archived), flags it for staff,
and leaves it to be retried a bounded number of times (mailbot/attempts.py):
nothing is lost and nothing is answered twice. Whatever one mail's bytes hold,
the failure is that mail's, never the inbox's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime

from mailbot import attempts
from mailbot import queries as q
from mailbot import store as db
from mailbot.archive import Archive
from mailbot.campaigns import match_campaign
from mailbot.cloud_links import cloud_services
from mailbot.dossier import Dossier, Identity, Refusal, RefusedFile
from mailbot.hostile import HostileSign, hostile_signs
from mailbot.identify import identify
from mailbot.intake import Accepted, read_attachments, restrict, unpack_files
from mailbot.judge import judge
from mailbot.logs import log_file_warnings, log_mail
from mailbot.mail_types import ParsedMail, RawMail
from mailbot.mailparse import parse_mail
from mailbot.models import DONE_STATES, MessageRecord
from mailbot.record import Judged, record_held, record_verdict, stamp_trust
from mailbot.rules import Campaign
from mailbot.runtime import Runtime
from mailbot.screening import Screen, screen
from mailbot.trust import TrustDecision, decide
from parsers.sniff import make_attachment
from parsers.types import Attachment, ParseError, ParseErrorKind
from parsers.unpack import Rejected

log = logging.getLogger("mailbot")
PARSE_FAILURES = {ParseErrorKind.TIMEOUT: "超过解析时限", ParseErrorKind.OUT_OF_MEMORY: "超过内存上限"}


class MailProblem(Exception):
    """This mail cannot be processed for a reason said in Chinese for staff (its file unreadable, its MIME
    structure beyond parsing): recorded failed, flagged, retried."""


@dataclass(frozen=True)
class Outcome:
    state: str  # processed | held | ignored | duplicate | failed | skipped
    receipt: str = ""
    verdict: str = ""
    unit: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class Unread:
    """A decoded mail's files, not read yet: the daemon hands a mail with a scanned report to its OCR lane
    this early, so that reading scans (rendering pages for ink and seals) never holds up other mail. The
    bytes are in the archive; ``files`` keep only their names and hashes while the mail waits."""

    files: tuple[Attachment, ...]
    rejected: tuple[Rejected, ...]
    key: str
    too_large_bytes: int = 0

    def kept(self, archive: Archive) -> tuple[Attachment, ...]:
        """The files with their bytes, from the archive where they were dropped (:meth:`Prepared.waiting`)."""
        return tuple(replace(a, data=archive.get(a.sha256)) if not a.data else a for a in self.files)


@dataclass(frozen=True)
class Prepared:
    """Everything about one mail that needs no database. The daemon prepares several mails at once."""

    sha256: str
    mail: ParsedMail | None = None
    screen: Screen | None = None
    current: Dossier | None = None  # this mail's own files, read or refused
    sizes: dict[str, int] = field(default_factory=dict)  # attachment sha256 → bytes
    signs: tuple[HostileSign, ...] = ()  # what marks the mail as an attack (mailbot.hostile)
    error: Exception | None = None  # an unexpected failure, reported when the mail is recorded
    unread: Unread | None = None  # set between open_mail and read_files

    def waiting(self) -> Prepared:
        """As kept while waiting for a lane: the files' bytes dropped (they are archived)."""
        if self.unread is None:
            return self
        light = tuple(replace(a, data=b"") for a in self.unread.files)
        return replace(self, unread=replace(self.unread, files=light))


def prepare(raw: RawMail, rt: Runtime) -> Prepared:
    """Archive the raw bytes (first: if that fails, nothing else happens), decode, screen, read the files."""
    return read_files(open_mail(raw, rt), rt)


def open_mail(raw: RawMail, rt: Runtime) -> Prepared:
    """Archive, decode, screen and unpack; the files are read by :func:`read_files`.

    The mail is decoded in the sandbox, like its attachments: MIME parsing reads untrusted bytes and
    needs the same bounds on memory and time (a mail it cannot decode at all is failed, for a person)."""
    if raw.unreadable:
        return Prepared("", error=MailProblem(raw.unreadable))
    sha = rt.archive.put_file(raw.source) if raw.source else rt.archive.put(raw.data)  # too large: streamed
    try:
        try:
            mail = rt.sandbox.run(parse_mail, raw.data)
        except ParseError as exc:
            why = PARSE_FAILURES.get(exc.kind, "邮件结构无法识别")
            raise MailProblem(f"邮件无法解析（{why}）：{exc.detail or exc.kind.value}") from exc
        verdict_screen = screen(mail, rt.own_addresses)
        if not verdict_screen.answer:
            return Prepared(sha, mail, verdict_screen)
        attachments, rejected = unpack_files(((a.name, a.data) for a in mail.attachments), rt.limits)
        for attachment in attachments:
            rt.archive.put(attachment.data)
        unread = Unread(tuple(attachments), tuple(rejected), raw.key, raw.too_large_bytes)
        return Prepared(sha, mail, verdict_screen, unread=unread)
    except Exception as exc:  # noqa: BLE001 - recorded as a failed mail by process()
        return Prepared(sha, error=exc)


def read_files(prepared: Prepared, rt: Runtime) -> Prepared:
    """Read the files of an opened mail (in the sandbox) into its dossier; look for signs of an attack."""
    if prepared.unread is None:
        return prepared
    unread, mail = prepared.unread, prepared.mail
    try:
        attachments = unread.kept(rt.archive)
        current = read_attachments(attachments, unread.rejected, Accepted.of(*rt.rules.campaigns.values()), rt.sandbox)
        log_file_warnings(log, unread.key, current.warnings)
        linked = tuple(RefusedFile(service, None, Refusal.LINK) for service in cloud_services(mail.links))
        current = replace(current, refused=current.refused + linked + unread_parts(mail))
        if unread.too_large_bytes:
            size = ParseError(ParseErrorKind.TOO_LARGE, f"{unread.too_large_bytes / 1024 / 1024:.0f} MB")
            current = Dossier(refused=(RefusedFile("（整封邮件）", None, Refusal.MAIL_TOO_LARGE, size),))
        signs = hostile_signs(mail, attachments, current)
        return replace(prepared, current=current, sizes={a.sha256: a.size for a in attachments}, signs=signs,
                       unread=None)
    except Exception as exc:  # noqa: BLE001 - recorded as a failed mail by process()
        return Prepared(prepared.sha256, error=exc)


def unread_parts(mail: ParsedMail) -> tuple[RefusedFile, ...]:
    """The parts of the mail that could not be read, as refusals the unit is told about (checks/mail_parts.py)."""
    kinds = {"undecodable": ParseErrorKind.UNREADABLE}
    return tuple(RefusedFile(u.name, None, Refusal.MAIL_PART, ParseError(kinds.get(u.why, ParseErrorKind.TOO_LARGE), u.why))
                 for u in mail.unread)


def process(raw: RawMail, rt: Runtime, prepared: Prepared | None = None) -> Outcome:
    prepared = prepared or prepare(raw, rt)
    with rt.store.session() as session:
        record = q.message_by_key(session, raw.mailbox, raw.key)
        if record is not None and record.state in DONE_STATES:
            return Outcome("skipped")
        if record is None:  # not begun through attempts.begin: this is its first attempt
            record = MessageRecord(mailbox=raw.mailbox, key=raw.key, sha256=prepared.sha256,
                                   received_at=raw.received_at, attempts=1, too_large_bytes=raw.too_large_bytes)
            session.add(record)
            if not db.try_commit(session):  # another worker recorded it first: it is that worker's mail
                return Outcome("skipped")
        message_id = record.id
    with rt.store.session() as session:
        claimed = db.claim_message(session, message_id)  # FOR UPDATE SKIP LOCKED: one worker per mail
        if claimed is None:
            return Outcome("skipped")
        claimed.sha256 = prepared.sha256 or claimed.sha256
        if prepared.sha256:
            db.lock(session, f"sha256/{prepared.sha256}")  # a copy claimed by another worker at this moment waits
            first = q.first_with_sha(session, prepared.sha256, message_id)
            if first is not None:
                claimed.state, claimed.reason = "duplicate", f"与第 {first.id} 号邮件完全相同"
                session.add(claimed)
                session.commit()
                log_mail(log, raw.key, prepared.mail.from_address if prepared.mail else "", "duplicate",
                         reason=claimed.reason)
                return Outcome("duplicate", reason=claimed.reason)
        try:
            if prepared.error is not None:
                raise prepared.error
            return _judge_and_record(session, claimed, raw, prepared, rt)
        except Exception as exc:  # noqa: BLE001 - any bug must leave a trace, not a lost mail
            session.rollback()
            failed = session.get(MessageRecord, message_id)
            failed.sha256 = prepared.sha256 or failed.sha256
            why = str(exc) if isinstance(exc, MailProblem) else f"{type(exc).__name__}: {exc}"
            reason = attempts.fail(session, failed, why)
            session.commit()
            log_mail(log, raw.key, prepared.mail.from_address if prepared.mail else "", "failed", reason=reason)
            if not isinstance(exc, MailProblem):
                log.error("traceback of mail %s", raw.key, exc_info=exc)  # for the developer; the line above is the record
            return Outcome("failed", reason=reason)


def _judge_and_record(session, record: MessageRecord, raw: RawMail, prepared: Prepared, rt: Runtime) -> Outcome:
    """Everything about one claimed mail, committed once: a crash leaves it 'new', to be done again."""
    mail = prepared.mail
    record.message_id, record.from_address, record.subject = mail.message_id, mail.from_address, mail.subject[:500]
    if not prepared.screen.answer:
        record.state, record.reason = "ignored", prepared.screen.reason
        session.add(record)
        session.commit()
        log_mail(log, raw.key, mail.from_address, "ignored", reason=prepared.screen.reason)
        return Outcome("ignored", reason=prepared.screen.reason)
    campaign = match_campaign(rt.rules, mail, prepared.current, raw.received_at,
                              _earlier_rounds(session, mail, prepared.current, rt))
    decision = trust_of(mail, prepared, campaign, rt)
    stamp_trust(record, decision)
    if not decision.credits:  # held, suspected or hostile: the unit's standing does not move
        record_held(session, record.id, mail, raw, prepared.current, decision, campaign, prepared.sizes, rt)
        log_mail(log, raw.key, mail.from_address, "held", unit=decision.unit, reason=decision.trust.value)
        return Outcome("held", unit=decision.unit, reason=decision.trust.value)
    judged = judge_mail(session, mail, prepared.current, campaign, raw.received_at, rt)
    row = record_verdict(session, record.id, mail, raw, judged, prepared.sizes, rt)
    log_mail(log, raw.key, mail.from_address, "processed", unit=row.unit, receipt=row.receipt, verdict=row.tag,
             late=row.late, rules_version=row.rules_version)
    return Outcome("processed", receipt=row.receipt, verdict=row.tag, unit=row.unit)


def trust_of(mail: ParsedMail, prepared: Prepared, campaign: Campaign, rt: Runtime) -> TrustDecision:
    """How far the mail may change a unit's standing (mailbot.trust), from what it names in ``campaign``."""
    identity = identify(mail, restrict(prepared.current, Accepted.of(campaign)), rt.rules.roster, rt.staff)
    return decide(mail, identity, prepared.signs, rt.rules.roster, rt.trust, rt.office.address)


def judge_mail(session, mail: ParsedMail, current: Dossier, campaign: Campaign, received_at: datetime,
               rt: Runtime, given: str | None = None) -> Judged:
    """Identify the unit, complete its dossier with earlier files, judge: the steps a new mail and
    `rules replay` share, so that a replayed verdict is exactly the one a new mail would get now.
    ``given``: the unit a person confirmed the mail to (`mailbot confirm`), over what the mail says."""
    current = restrict(current, Accepted.of(campaign))  # read with every campaign's types, judged with its own
    identity = identify(mail, current, rt.rules.roster, rt.staff)
    if given is not None:
        identity = Identity(given, "given", identity.evidence, identity.address)
    unit = rt.rules.roster.get(identity.unit) if identity.unit else None
    if unit is not None:
        db.lock(session, f"dossier/{campaign.id}/{unit.name}")
    dossier = _complete(current, unit.name, campaign, session, rt) if unit else current
    first = first_submission(session, unit.name if unit else None, campaign)
    verdict = judge(dossier, campaign, rt.rules.roster, rt.rules.version, unit, identity, received_at, first)
    return Judged(campaign, current, dossier, identity, verdict)


def _earlier_rounds(session, mail: ParsedMail, current: Dossier, rt: Runtime) -> frozenset[str]:
    """With several rounds open: those where the sender's unit already has files (a correction
    belongs with its first submission). No query when there is only one round."""
    if len(rt.rules.campaigns) < 2:
        return frozenset()
    unit = identify(mail, current, rt.rules.roster, rt.staff).unit
    return q.campaigns_with_files(session, unit) if unit else frozenset()


def first_submission(session, unit: str | None, campaign: Campaign) -> datetime | None:
    """The unit's first mail with a ledger or report, looked up only where it decides lateness
    (``[deadline] first_mail_counts``): no query per mail for a setting that is off."""
    if unit is None or not campaign.spec.deadline.first_mail_counts:
        return None
    return q.first_submission(session, unit, campaign.id)


def _complete(current: Dossier, unit: str, campaign: Campaign, session, rt: Runtime) -> Dossier:
    """The unit's dossier: this mail's files, plus its newest earlier ledger/report where this mail lacks one."""
    ledgers, reports = current.ledgers, current.reports
    for role in ("ledger", "report"):
        if (ledgers if role == "ledger" else reports):
            continue
        previous = q.newest_file(session, unit, campaign.id, role)
        if previous is None:
            continue
        attachment = make_attachment(previous.name.rsplit("/", 1)[-1], rt.archive.get(previous.sha256))
        attachment = replace(attachment, path=tuple(previous.name.split("/")[:-1]))
        earlier = rt.scans.cached(read_attachments([attachment], [], Accepted.of(campaign), rt.sandbox))  # read when it came
        if role == "ledger":
            ledgers = earlier.ledgers
        else:
            reports = earlier.reports
    return Dossier(ledgers, reports, current.refused)


