"""Sender addresses made to look like a registered one: the tricks an impersonator uses.

A registered address protects a unit only if a near copy of it does not pass for it. Each function
here compares one sender with the addresses the office knows (the units', the staff's, its own) and
returns the reasons, in Chinese for staff, why it looks like an impersonation:

- the local part equals a registered one at another domain (``jqzdzb@l26.com`` for ``jqzdzb@163.com``);
- the local part differs from a registered one only by look-alike characters (``tianp1ng@163.com``);
- the domain is within two edits of a registered domain once look-alike characters are folded
  (1/l, 0/o, rn/m, vv/w, cl/d, Cyrillic and Greek letters that look Latin), has a registered domain
  with something appended (``163.com.cn``), or is an internationalised (punycode) look-alike;
- the display name carries an address other than the real one (``"tianping@163.com" <x@evil.test>``)
  or a registered address's local part.

Domains of large public mail services (126.com and 163.com are two edits apart), the roster's own
domains and the administrator's ``known_domains`` are never look-alikes of one another.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Public mail services units really use, and each other's near neighbours: never a look-alike.
KNOWN_PROVIDERS = frozenset({
    "126.com", "163.com", "yeah.net", "188.com", "vip.126.com", "vip.163.com", "qq.com", "vip.qq.com",
    "foxmail.com", "sina.com", "sina.cn", "vip.sina.com", "sohu.com", "aliyun.com", "139.com", "189.cn",
    "wo.cn", "21cn.com", "tom.com", "outlook.com", "hotmail.com", "live.com", "gmail.com", "yahoo.com",
    "icloud.com", "me.com",
})
MAX_DISTANCE = 2
# Letters of other scripts that render like Latin ones (the common part of Unicode's confusables.txt).
_CONFUSABLE = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h",
    "ӏ": "l", "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "ı": "i", "ł": "l",
})
_FOLDS = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("1", "l"), ("i", "l"), ("|", "l"), ("0", "o"))
_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
GENERIC_LOCAL_PARTS = frozenset({"admin", "info", "office", "mail", "email", "service", "support", "contact",
                                 "postmaster", "webmaster", "master", "user", "test", "kefu", "zfb", "bgs"})


@dataclass(frozen=True)
class Known:
    """The addresses a sender is compared with: ``owners`` maps each to whom it belongs ("吉强镇",
    "工作人员", "本办公室"); ``safe`` domains are never look-alikes."""

    owners: dict[str, str]
    safe: frozenset[str]

    @classmethod
    def of(cls, owners: dict[str, str], extra_safe: Iterable[str] = ()) -> Known:
        domains = {a.rsplit("@", 1)[-1] for a in owners}
        return cls({a.lower(): o for a, o in owners.items()},
                   frozenset(KNOWN_PROVIDERS | domains | {d.lower() for d in extra_safe}))


def impersonation(address: str, display_name: str, known: Known) -> list[str]:
    """Why ``address`` (with its display name) looks like an impersonation of a known address; [] if not."""
    address = address.strip().lower()
    reasons = _display_reasons(address, display_name, known)
    if "@" not in address or address in known.owners:
        return reasons
    local, domain = address.rsplit("@", 1)
    for theirs, owner in known.owners.items():
        their_local, their_domain = theirs.rsplit("@", 1)
        if local == their_local and domain != their_domain and _distinctive(local):
            reasons.append(f"发件邮箱 {address} 的用户名与{owner}的登记邮箱 {theirs} 相同，但域名不同")
        elif domain == their_domain and local != their_local and fold(local) == fold(their_local):
            reasons.append(f"发件邮箱 {address} 的用户名与{owner}的登记邮箱 {theirs} 只差形近的字符")
    for theirs in dict.fromkeys(a.rsplit("@", 1)[1] for a in known.owners):
        kind = domain_lookalike(domain, theirs, known.safe)
        if kind == "suffix":
            reasons.append(f"发件邮箱的域名 {domain} 是在登记的邮箱域名 {theirs} 后面加了后缀")
        elif kind == "script":
            reasons.append(f"发件邮箱的域名 {shown_domain(domain)} 用其他文字中形似拉丁字母的字符仿照登记的邮箱域名 {theirs}")
        elif kind == "near":
            reasons.append(f"发件邮箱的域名 {domain} 与登记的邮箱域名 {theirs} 形近")
    return list(dict.fromkeys(reasons))


def _distinctive(local: str) -> bool:
    """A local part that names someone: 'admin' or 'tp' at two domains are two people, not a disguise."""
    return len(local) >= 4 and local not in GENERIC_LOCAL_PARTS


def _display_reasons(address: str, display_name: str, known: Known) -> list[str]:
    name = unicodedata.normalize("NFKC", display_name or "").strip().strip("\"'").lower()
    reasons = []
    for shown in dict.fromkeys(a.lower() for a in _ADDRESS.findall(name)):
        owner = known.owners.get(shown)
        if shown != address and not (owner and owner == known.owners.get(address)):
            reasons.append(f"发件人显示名中写着邮箱 {shown}，而实际发件邮箱是 {address or '（无）'}")
    for theirs, owner in known.owners.items():
        if name == theirs.rsplit("@", 1)[0] and _distinctive(name) and known.owners.get(address) != owner:
            reasons.append(f"发件人显示名“{name}”是{owner}登记邮箱 {theirs} 的用户名，而实际发件邮箱是 {address}")
    return reasons


def domain_lookalike(domain: str, theirs: str, safe: frozenset[str]) -> str:
    """How ``domain`` imitates the registered ``theirs``: "suffix" (163.com.cn), "script" (an
    internationalised name made of look-alike letters), "near" (within two edits once folded), or ""."""
    if domain == theirs or domain in safe or domain.endswith("." + theirs):  # a subdomain is the owner's own
        return ""
    if f".{domain}".find(f".{theirs}.") >= 0:
        return "suffix"
    readable = unicode_domain(domain)
    close = distance(fold(readable), fold(theirs)) <= MAX_DISTANCE
    if readable != domain or not domain.isascii():
        return "script" if close else ""
    return "near" if close else ""


def shown_domain(domain: str) -> str:
    """A punycode domain shown with what it displays as: 'xn--63-5cd.com（显示为 1б3.com）'."""
    readable = unicode_domain(domain)
    return f"{domain}（显示为 {readable}）" if readable != domain else domain


def unicode_domain(domain: str) -> str:
    """IDNA (xn--) labels decoded; a label that does not decode is kept as written."""
    labels = []
    for label in domain.split("."):
        if label.startswith("xn--"):
            try:
                label = label.encode("ascii").decode("idna")
            except (UnicodeError, ValueError):
                pass
        labels.append(label)
    return ".".join(labels)


def fold(text: str) -> str:
    """The text as a careless eye reads it: look-alike characters replaced by the Latin letter they imitate."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_CONFUSABLE)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    for seen, meant in _FOLDS:
        text = text.replace(seen, meant)
    return text


def distance(a: str, b: str) -> int:
    """Edit distance with transpositions (optimal string alignment)."""
    if a == b:
        return 0
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current.append(value)
        previous2, previous = previous, current
    return previous[-1]
