"""Which units a text names: longest name first, in order of first mention, in time linear in the text."""

import pytest

from mailbot.rules_loader import load_rules
from tests.builders.campaign import RULES


@pytest.fixture(scope="module")
def roster():
    return load_rules(RULES).roster


def names(roster, text):
    return [u.name for u in roster.mentioned_in(text)]


def test_units_in_order_of_first_mention(roster):
    assert names(roster, "兴隆镇、田坪乡、兴隆镇整改报告") == ["兴隆镇", "田坪乡"]


def test_a_long_name_is_not_also_read_as_a_shorter_one_inside_it(roster):
    # 西吉县人民政府办公室 holds 县人民政府办公室, 政府办公室 and 县政府办: one mention of 政府办, nothing else
    assert names(roster, "西吉县人民政府办公室") == ["政府办"]


def test_no_unit(roster):
    assert names(roster, "关于报送整改材料的函") == [] and names(roster, "") == []


def test_a_million_mentions(roster):
    """Rebuilding the text at each mention was quadratic (hours for a report page full of one name)."""
    assert names(roster, "田坪乡" * 1_000_000 + "兴隆镇") == ["田坪乡", "兴隆镇"]
