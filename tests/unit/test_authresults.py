"""Only the office's receiving server is believed, and only its topmost stamp (RFC 8601)."""

import pytest

from mailbot.authresults import FAIL, NEUTRAL, PASS, read_authentication

TRUSTED = ("*.126.com",)


def verdict(headers, from_domain="163.com", trusted=TRUSTED):
    return read_authentication(headers, trusted, from_domain).verdict(from_domain)


@pytest.mark.parametrize("results, expected", [
    ("spf=pass smtp.mail=a@163.com; dkim=pass header.d=163.com; dmarc=pass header.from=163.com", PASS),
    ("spf=fail smtp.mail=a@163.com; dkim=none; dmarc=fail header.from=163.com", FAIL),
    ("dmarc=fail (p=none dis=none) header.from=163.com", FAIL),  # a fail is a fail whatever the policy
    ("spf=softfail smtp.mailfrom=a@163.com; dkim=none", FAIL),  # no DMARC result: SPF fail without DKIM
    ("spf=softfail smtp.mailfrom=a@163.com; dkim=pass header.d=163.com", PASS),  # DKIM for the From domain
    ("spf=softfail smtp.mailfrom=a@163.com; dkim=pass header.d=attacker.test", FAIL),  # not aligned
    ("spf=pass smtp.mailfrom=bounce@mail.163.com", PASS),  # relaxed alignment
    ("spf=pass smtp.mailfrom=x@attacker.test", NEUTRAL),  # passes for someone else's domain
    ("spf=none; dkim=none", NEUTRAL),
    ("none", NEUTRAL),
])
def test_the_servers_results_decide(results, expected):
    assert verdict([f"mx3.126.com; {results}"]) == expected


def test_only_the_topmost_trusted_header_counts():
    top = "mx3.126.com; spf=pass smtp.mail=a@163.com; dmarc=pass header.from=163.com"
    lower = "mx3.126.com; spf=fail smtp.mail=a@163.com; dmarc=fail header.from=163.com"
    assert verdict([top, lower]) == PASS
    assert verdict([lower, top]) == FAIL


def test_a_header_of_another_server_is_skipped_not_believed():
    forged = "mx.attacker.test; dmarc=pass header.from=163.com"
    real = "mx7.126.com; dmarc=fail header.from=163.com"
    assert verdict([forged, real]) == FAIL
    assert read_authentication([forged], TRUSTED).server == ""


def test_nothing_is_read_unless_the_office_configured_its_server():
    assert verdict(["mx3.126.com; dmarc=fail"], trusted=()) == NEUTRAL


def test_comments_quotes_and_folding_are_tolerated():
    header = ('mx3.126.com (Coremail) ; spf=pass (126.com: domain of "a;b"@163.com designates 1.2.3.4)\r\n\t'
              'smtp.mail="a;b@163.com"; dkim=pass (2048-bit key) header.i=@163.com; dmarc=pass')
    auth = read_authentication([header], TRUSTED, "163.com")
    assert (auth.server, auth.spf, auth.dkim, auth.dmarc) == ("mx3.126.com", "pass", "pass", "pass")
    assert auth.describe() == "SPF pass，DKIM pass，DMARC pass（mx3.126.com）"


def test_malformed_headers_give_no_verdict_rather_than_an_error():
    for value in ("", ";;;", "mx3.126.com; =; spf", "(unclosed mx3.126.com; dmarc=fail"):
        assert verdict([value]) in (NEUTRAL, FAIL)
    assert verdict([";;;"]) == NEUTRAL
