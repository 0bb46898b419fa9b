"""What a sender can put around a real submission never costs it: each part is decoded on its own, the
parser's work is bounded (nesting, part count, header length), and what real clients write decodes."""

import time

import pytest

import mailbot.mailparse as mailparse
from mailbot.mailparse import parse_mail
from mailbot.mimetree import MAX_DEPTH, MAX_PARTS
from parsers.types import Limits
from tests.builders import hostile_mail
from tests.builders.hostile_mail import FILES, SENDER, SUBJECT


def counts(mail) -> tuple:
    """What decides a submission: who sent it, its subject, its files."""
    return mail.from_address, mail.subject, [(a.name, a.data) for a in mail.attachments]


SUBMISSION = (SENDER, SUBJECT, list(FILES.items()))


@pytest.mark.parametrize("charset", ["idna", "undefined", "punycode"])
def test_one_part_in_an_odd_charset_does_not_lose_the_submission(charset):
    """These labels made the email package raise (UnicodeError) and the whole mail became an empty one,
    recorded as ignored: 无法识别发件人地址."""
    mail = parse_mail(hostile_mail.extra_charset_part(charset))
    assert counts(mail) == SUBMISSION
    assert "田坪乡党政办" in mail.body_text  # the odd part itself is read as well as its bytes allow
    assert mail.unread == ()


@pytest.mark.parametrize("build, levels", [(hostile_mail.nested_multipart, 5_000), (hostile_mail.nested_rfc822, 1_000)])
def test_nesting_beyond_the_parsers_recursion_is_cut_and_said(build, levels):
    mail = parse_mail(build(levels))
    assert counts(mail) == SUBMISSION
    assert [u.why for u in mail.unread] == ["too_deep"]


def test_nesting_a_real_client_writes_is_not_cut():
    mail = parse_mail(hostile_mail.nested_multipart(MAX_DEPTH - 3))  # the mail's own two levels plus these
    assert counts(mail) == SUBMISSION and mail.unread == ()


def test_parts_beyond_the_bound_are_read_past_and_said():
    mail = parse_mail(hostile_mail.many_parts(MAX_PARTS + 500))
    assert counts(mail) == SUBMISSION
    [unread] = mail.unread
    assert unread.why == "too_many" and unread.count > 0


def test_a_part_that_fails_is_skipped_and_named_and_the_rest_still_counts(monkeypatch):
    real = mailparse._payload

    def failing(part, label, problems):
        if label == "田坪乡整改报告.pdf":
            raise LookupError("a codec nobody has")
        return real(part, label, problems)

    monkeypatch.setattr(mailparse, "_payload", failing)
    mail = parse_mail(hostile_mail.extra_charset_part("utf-8"))
    assert counts(mail)[:2] == SUBMISSION[:2]
    assert [a.name for a in mail.attachments] == ["田坪乡整改台账.xlsx"]
    assert [(u.name, u.why) for u in mail.unread] == [("田坪乡整改报告.pdf", "undecodable")]


def test_a_mail_the_parser_cannot_read_at_all_raises_rather_than_becoming_an_empty_mail(monkeypatch):
    """An empty mail would be recorded as ignored (no sender); a person must see this one."""
    monkeypatch.setattr(mailparse, "parse_tree", lambda data: 1 / 0)
    with pytest.raises(mailparse.UnreadableMail):
        parse_mail(hostile_mail.extra_charset_part("utf-8"))


def cpu_seconds(*raws: bytes, rounds: int = 7) -> list[float]:
    """The least CPU time of ``rounds`` parses of each mail, taken in turn: CPU time, not elapsed, the least, and
    interleaved, so that a busy machine (which still slows a process by contending for caches) changes the
    ratios little."""
    best = [float("inf")] * len(raws)
    for _ in range(rounds):
        for index, raw in enumerate(raws):
            start = time.process_time()
            mail = parse_mail(raw)
            best[index] = min(best[index], time.process_time() - start)
            assert counts(mail) == SUBMISSION  # the boundary comes first: the submission is read whatever follows
    return best


def test_parse_time_grows_no_faster_than_the_parameters():
    """A Content-Type of 8.5 MB of parameters took 263 s (quadratic, in the daemon's own process). The
    curve: twice and four times the parameters may cost about twice and four times as much, never the
    square; and the worst a mail of the size limit can hold stays far inside the parse timeout."""
    one, two, four = cpu_seconds(*(hostile_mail.many_parameters(n) for n in (100_000, 200_000, 400_000)))
    # linear is 2× and 4×, quadratic 4× and 16×: the bounds sit halfway (geometrically), room for a busy machine
    assert two < 2.8 * one and four < 8 * one, (one, two, four)
    [worst] = cpu_seconds(hostile_mail.many_parameters(2_600_000), rounds=1)  # ~30 MB: the default size limit
    assert worst < Limits().parse_timeout_seconds / 10


def test_outlook_2000_boundary_folded_inside_its_quotes_still_finds_every_part():
    mail = parse_mail(hostile_mail.outlook2000_folded_boundary())
    assert counts(mail) == SUBMISSION and mail.body_text == "请查收。"


def test_raw_gbk_bytes_inside_a_q_encoded_word_are_read_with_its_charset():
    mail = parse_mail(hostile_mail.raw_gbk_in_q_word("田坪乡台账"))
    assert mail.subject == "田坪乡台账"
    assert [a.name for a in mail.attachments] == ["田坪乡台账.xlsx"]


def test_an_empty_encoded_word_leaves_nothing_in_the_subject():
    raw = b"From: a@b.cn\r\nSubject: =?utf-8?B??= =?GBK?B?" + __import__("base64").b64encode("整改台账".encode("gbk")) + \
        b"?= =?utf-8?Q??=\r\n\r\nbody"
    mail = parse_mail(raw)
    assert mail.subject == "整改台账" and mail.problems == ()


@pytest.mark.parametrize("header", [
    b"Subject: \x1b$B%F%9%H\x1b(B",  # raw ISO-2022-JP, as Japanese clients write it unencoded
    b"Subject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=",
    b"Subject: =?iso-2022-jp?B?GyRCJUYlOSVIGyhJMRsoQg==?=",  # half-width kana (ESC ( I) under the plain label
])
def test_iso_2022_jp_leaves_no_escape_bytes(header):
    subject = parse_mail(b"From: a@b.cn\r\n" + header + b"\r\n\r\nbody").subject
    assert subject.startswith("テスト") and "\x1b" not in subject and "$B" not in subject
