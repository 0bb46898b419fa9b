from mailbot.toml_places import key_lines, line_of

TEXT = """\
staff = ["a@b.cn"]

[[units]]
name = "吉强镇"
kind = "乡镇"

[[units]]
name = "政府办"
kind = "部门"   # comment
aliases = ["县政府办"]

[deadline]
date = 2021-11-25

[checks]
"ledger.problem_changed" = "warning"
"""


def test_array_of_tables_are_counted():
    assert line_of(TEXT, ("units", 1, "kind")) == 9
    assert line_of(TEXT, ("units", 0, "name")) == 4


def test_list_items_point_at_their_key():
    assert line_of(TEXT, ("units", 1, "aliases", 0)) == 10


def test_quoted_dotted_key_is_one_key():
    assert line_of(TEXT, ("checks", "ledger.problem_changed")) == 16


def test_missing_key_falls_back_to_its_table():
    assert line_of(TEXT, ("deadline", "timezone")) == 12
    assert line_of(TEXT, ("nothing",)) is None


def test_every_key_is_found():
    lines = key_lines(TEXT)
    assert lines[("staff",)] == 1 and lines[("deadline", "date")] == 13
