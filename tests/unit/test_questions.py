"""Questions in a unit's own words are found; quoted text, links and plain cover notes are not questions."""

import pytest

from mailbot.questions import question_in


@pytest.mark.parametrize("body,question", [
    ("附件为我乡材料。请问第12项是否由我乡整改？谢谢。", "请问第12项是否由我乡整改？"),
    ("您好：\n台账中序号 27 不是我局职责，能否删除\n李明", "台账中序号 27 不是我局职责，能否删除"),
    ("材料已发送, is the deadline extended?", "材料已发送, is the deadline extended?"),
])
def test_a_question_is_found(body, question):
    assert question_in(body) == question


@pytest.mark.parametrize("body", [
    "您好，附件为我乡整改台账及整改报告，请查收。",
    "见附件",
    "",
    "报告见超大附件：https://mail.163.com/large-attachment-download/index.html?p=X0&file=MjA",
    # a reply to our receipt: its quoted text is not the unit's question
    "已按要求修改，请查收。\n\n在 2021-11-24 10:30:15，\"县政府办公室\" <xjzfbxx@126.com> 写道：\n> 有疑问吗？",
    "已修改。\n------------------ 原始邮件 ------------------\n发件人: 县政府办公室\n是否需要重新报送？",
    "> 请问是否需要盖章？\n已盖章，见附件。",
])
def test_no_question_is_invented(body):
    assert question_in(body) == ""


def test_a_long_question_is_shortened():
    assert len(question_in("请问" + "很" * 300 + "长？")) == 120


@pytest.mark.parametrize("body", ["啊" * 1_000_000, "-" * 1_000_000, ("-" * 30 + "\n") * 30_000])
def test_a_huge_line_is_read_in_one_pass(body):
    """A search that restarted at every character took hours on a 1 MB line; the suite's timeout catches that."""
    assert question_in(body) == ""
