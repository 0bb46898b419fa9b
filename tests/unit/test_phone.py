import pytest

from mailbot.checks.ledger_contacts import phone_numbers_valid


@pytest.mark.parametrize("text", [
    "15509503117", "0954-3012423", "0954—3012423", "０９５４－３０１２４２３", "(0954)3012423",
    "王雪倩 15509503117", "15509503117、0954-3016271", "0954 3012423", "+8615509503117",
])
def test_numbers_that_dial(text):
    assert phone_numbers_valid(text)


@pytest.mark.parametrize("text", [
    "1550950311", "155095031170", "25509503117", "3012423", "见附件", "电话", "0954-301",
    "15509503117、12345",
])
def test_numbers_that_do_not(text):
    assert not phone_numbers_valid(text)
