"""What the office's own receiving server says about a sender (Authentication-Results, RFC 8601).

Anyone can write an Authentication-Results header into the mail they send, so only the receiving
server's own stamp counts: the topmost header whose authserv-id matches one of the patterns the
office configured (settings ``[trust] authserv_ids``, e.g. ``*.126.com``). A header further down,
or one naming another server, is never read. With no pattern configured nothing is read and every
mail is neutral: absence of a verdict is not a failure.

Parsed by hand, tolerantly: 126.com writes ``smtp.mail=`` where RFC 8601 says ``smtp.mailfrom=``,
and a strict parser (``authres``) refuses unknown properties, which would silently turn a real
``fail`` into "no verdict".
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass

PASS, FAIL, NEUTRAL = "pass", "fail", "neutral"
_PROPERTY = re.compile(r"^([a-z0-9-]+)\.([a-z0-9._-]+)=(.*)$", re.I)


@dataclass(frozen=True)
class Authentication:
    """The results one trusted header gave (empty strings: nothing trusted was there)."""

    server: str = ""  # authserv-id of the header read
    spf: str = ""  # pass | fail | softfail | neutral | none | temperror | permerror
    dkim: str = ""  # the best DKIM result for the From domain (or, failing that, any)
    dmarc: str = ""
    spf_domain: str = ""  # the envelope sender's domain the SPF result is about
    dkim_passed: tuple[str, ...] = ()  # signing domains whose signature verified

    def verdict(self, from_domain: str) -> str:
        """pass, fail or neutral for mail whose From address is at ``from_domain``.

        fail: DMARC fail, or (no DMARC result) SPF fail/softfail without a DKIM pass for the From
        domain. pass: DMARC pass, or an SPF or DKIM pass aligned with the From domain (relaxed
        alignment: the same domain or one inside the other).
        """
        if not self.server:
            return NEUTRAL
        aligned_dkim = any(aligned(d, from_domain) for d in self.dkim_passed)
        if self.dmarc == FAIL:
            return FAIL
        if self.dmarc == PASS or aligned_dkim or (self.spf == PASS and aligned(self.spf_domain, from_domain)):
            return PASS
        if self.spf in (FAIL, "softfail"):
            return FAIL
        return NEUTRAL

    def describe(self) -> str:
        """'SPF fail，DKIM none，DMARC fail（mx3.126.com）' for staff; '' when nothing was trusted."""
        if not self.server:
            return ""
        parts = [f"{name} {value or '无结果'}" for name, value in (("SPF", self.spf), ("DKIM", self.dkim),
                                                                   ("DMARC", self.dmarc))]
        return "，".join(parts) + f"（{self.server}）"


def aligned(domain: str, from_domain: str) -> bool:
    domain, from_domain = domain.lower().strip("."), from_domain.lower().strip(".")
    if not domain or not from_domain:
        return False
    return domain == from_domain or from_domain.endswith("." + domain) or domain.endswith("." + from_domain)


def read_authentication(headers: Iterable[str], authserv_ids: Iterable[str], from_domain: str = "") -> Authentication:
    """The results of the topmost header (``headers`` top first) whose authserv-id matches a pattern."""
    patterns = [p.strip().lower() for p in authserv_ids if p.strip()]
    if not patterns:
        return Authentication()
    for value in headers:
        server, results = _parse(value)
        if server and any(fnmatch.fnmatchcase(server, p) for p in patterns):
            return _summarise(server, results, from_domain)
    return Authentication()


def _parse(value: str) -> tuple[str, list[tuple[str, str, dict[str, str]]]]:
    """(authserv-id, [(method, result, properties)]) of one header value; ('', []) when malformed."""
    statements = [s.strip() for s in _strip_comments(value).split(";")]
    if not statements or not statements[0]:
        return "", []
    server = statements[0].split()[0].lower()
    results = []
    for statement in statements[1:]:
        tokens = statement.split()
        if not tokens or "=" not in tokens[0]:
            continue
        method, _, result = tokens[0].partition("=")
        properties = {}
        for token in tokens[1:]:
            found = _PROPERTY.match(token)
            if found:
                properties[f"{found.group(1).lower()}.{found.group(2).lower()}"] = found.group(3).strip('"').lower()
        results.append((method.split("/")[0].lower(), result.strip('"').lower(), properties))
    return server, results


def _strip_comments(value: str) -> str:
    """Remove (nested) parenthesised comments, keeping quoted strings intact."""
    out, depth, quoted = [], 0, False
    for char in value.replace("\r", " ").replace("\n", " "):
        if char == '"' and depth == 0:
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
            continue
        elif not quoted and char == ")" and depth:
            depth -= 1
            continue
        if depth == 0:
            out.append(char)
    return "".join(out)


def _domain_of(value: str) -> str:
    return value.rsplit("@", 1)[-1].strip("<>\"' ").lower()


def _summarise(server: str, results: list[tuple[str, str, dict[str, str]]], from_domain: str) -> Authentication:
    spf = dmarc = spf_domain = ""
    dkim_results: list[tuple[str, str]] = []  # (result, signing domain)
    for method, result, props in results:
        if method == "spf" and not spf:
            spf = result
            spf_domain = _domain_of(props.get("smtp.mailfrom") or props.get("smtp.mail") or props.get("smtp.helo", ""))
        elif method == "dkim":
            dkim_results.append((result, _domain_of(props.get("header.d") or props.get("header.i", ""))))
        elif method == "dmarc" and not dmarc:
            dmarc = result
    passed = tuple(d for r, d in dkim_results if r == PASS and d)
    mine = [r for r, d in dkim_results if aligned(d, from_domain)] if from_domain else []
    dkim = PASS if any(r == PASS for r in mine) else (mine[0] if mine else (dkim_results[0][0] if dkim_results else ""))
    return Authentication(server, spf, dkim, dmarc, spf_domain, passed)
