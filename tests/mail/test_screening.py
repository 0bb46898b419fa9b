"""Mail that must never be answered is recognised; a unit's ordinary mail is answered."""

import pytest

from mailbot.mailparse import parse_mail
from mailbot.screening import screen
from tests.builders import mails

OWN = frozenset({"xjzfbxx@126.com"})


@pytest.mark.parametrize("kind", ["auto-submitted", "x-autoreply", "precedence", "list", "return-path", "loop",
                                  "vacation", "qq-bounce", "mailer-daemon"])
def test_automatic_mail_is_not_answered(kind):
    result = screen(parse_mail(mails.auto_reply(kind)), OWN)
    assert not result.answer and result.reason


def test_delivery_report_is_not_answered():
    assert "退信" in screen(parse_mail(mails.bounce_report()), OWN).reason


def test_our_own_address_is_not_answered():
    assert not screen(parse_mail(mails.client_mail("163", sender="xjzfbxx@126.com")), OWN).answer


@pytest.mark.parametrize("client", ["126", "qq", "outlook", "wps"])
def test_ordinary_submissions_are_answered(client):
    assert screen(parse_mail(mails.client_mail(client)), OWN).answer


def test_auto_submitted_no_is_a_person():
    raw = mails.client_mail("163", extra_headers=("Auto-Submitted: no",))
    assert screen(parse_mail(raw), OWN).answer
