"""How far a mail may change a unit's standing: decided once per mail, recorded, shown to staff.

A unit's standing is an official record: only that unit (or a person at the office) may change it.
So what a mail *says* (the unit named in its ledger, subject, file names, report) counts by itself
only when the sender is one the roster vouches for, or when the unit registered no address at all
(then nothing better than the content exists, and staff are told). In order:

1. hostile content (mailbot.hostile) → ``hostile``: quarantined, never credited, never answered;
2. the receiving server's authentication fails for the From domain (mailbot.authresults), or the
   sender imitates a known address (mailbot.lookalike) → ``suspected``: never credited, never answered;
3. a staff address sending files itself (not forwarding) → ``held``: staff are not a unit;
4. the sender's address is registered (for a staff forward: the original sender's) → ``registered``;
   an authenticated staff forward with ``trust_staff_forwards`` → ``staff_forward``;
5. the content names a unit that registered addresses, from an address that is not one of them →
   ``held``: recorded and parsed, the unit's dossier untouched, one 【待确认】 reply, staff flagged;
6. otherwise (the unit registered none, or no unit is named) → ``unregistered``: judged as before.

A staff forward is trusted only as far as it proves: by default the mail inside is judged like a
direct mail, on the authentication its own headers carry (a forward as attachment keeps them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from mailbot.authresults import FAIL, PASS, Authentication, read_authentication
from mailbot.dossier import Identity
from mailbot.hostile import HostileSign
from mailbot.lookalike import Known, impersonation
from mailbot.mail_types import ParsedMail, TrustPolicy
from mailbot.rules import Roster

CONTENT_SOURCES = ("ledger", "subject", "filename", "report", "scan")


class Trust(str, Enum):
    REGISTERED = "registered"
    STAFF_FORWARD = "staff_forward"
    UNREGISTERED = "unregistered"
    HELD = "held"
    SUSPECTED = "suspected"
    HOSTILE = "hostile"

    @property
    def label(self) -> str:
        return TRUST_LABELS[self]


TRUST_LABELS = {
    Trust.REGISTERED: "登记邮箱",
    Trust.STAFF_FORWARD: "工作人员转发（已验证）",
    Trust.UNREGISTERED: "未登记邮箱（该单位未登记邮箱，按材料内容认定）",
    Trust.HELD: "待确认（发件邮箱不是该单位登记的邮箱）",
    Trust.SUSPECTED: "疑似冒充（未回复）",
    Trust.HOSTILE: "含可疑内容（已隔离，未回复）",
}


@dataclass(frozen=True)
class TrustDecision:
    trust: Trust
    unit: str | None  # the unit the mail is about (for held mail: the one a person may confirm it to)
    address: str  # the sender judged: the From address, or the original sender of a staff forward
    reasons: tuple[str, ...] = ()  # Chinese, for staff
    auth: Authentication = field(default_factory=Authentication)

    @property
    def credits(self) -> bool:
        """The mail may change the unit's dossier and standing by itself."""
        return self.trust in (Trust.REGISTERED, Trust.STAFF_FORWARD, Trust.UNREGISTERED)

    @property
    def answered(self) -> bool:
        """The sender is written to: a receipt, or for held mail the 【待确认】 notice."""
        return self.trust not in (Trust.SUSPECTED, Trust.HOSTILE)


def known_addresses(roster: Roster, office_address: str) -> dict[str, str]:
    """Every address the office knows, with whom it belongs to (look-alikes are measured against these)."""
    owners = {a: unit.name for unit in roster.units for a in unit.addresses}
    owners.update({a: "工作人员" for a in roster.staff})
    owners[office_address.lower()] = "本办公室"
    return owners


def decide(mail: ParsedMail, identity: Identity, signs: tuple[HostileSign, ...], roster: Roster,
           policy: TrustPolicy, office_address: str) -> TrustDecision:
    from_domain = _domain(mail.from_address)
    auth = read_authentication(mail.auth_results, policy.authserv_ids, from_domain)
    address = identity.address or mail.from_address

    def decision(trust: Trust, *reasons: str, unit: str | None = identity.unit) -> TrustDecision:
        return TrustDecision(trust, unit, address, tuple(reasons), auth)

    if signs:
        return decision(Trust.HOSTILE, *(s.detail for s in signs))
    outer = auth.verdict(from_domain)
    if outer == FAIL:
        return decision(Trust.SUSPECTED, f"收信服务器对发件域名 {from_domain} 的验证未通过：{auth.describe()}")
    staff = frozenset(roster.staff)
    from_staff = mail.from_address in staff
    forwarded = from_staff and address != mail.from_address
    known = Known.of(known_addresses(roster, office_address), policy.known_domains)
    reasons = impersonation(address, "" if forwarded else mail.from_name, known)
    if forwarded:
        inner_domain = _domain(address)
        inner = read_authentication(mail.forwarded_auth_results, policy.authserv_ids, inner_domain)
        if inner.verdict(inner_domain) == FAIL:
            reasons.insert(0, f"被转发邮件的原发件人 {address} 未通过收信服务器的验证：{inner.describe()}")
    if reasons:
        return decision(Trust.SUSPECTED, *reasons)
    if from_staff and not forwarded:
        return decision(Trust.HELD, f"工作人员邮箱 {mail.from_address} 直接发来的材料，不自动计入任何单位")
    if roster.by_address(address) is not None:
        return decision(Trust.REGISTERED)
    if forwarded and policy.trust_staff_forwards and outer == PASS:
        return decision(Trust.STAFF_FORWARD, f"由工作人员 {mail.from_address} 转发，转发邮件已通过收信服务器验证")
    named = dict.fromkeys(e.unit for e in identity.evidence if e.source in CONTENT_SOURCES)
    guarded = [u for u in named if (unit := roster.get(u)) is not None and unit.addresses]
    if guarded:
        claimed = identity.unit if identity.unit in guarded else guarded[0]
        return decision(Trust.HELD, *(f"发件邮箱 {address} 不是“{u}”登记的报送邮箱" for u in guarded), unit=claimed)
    return decision(Trust.UNREGISTERED)


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower() if "@" in address else ""
