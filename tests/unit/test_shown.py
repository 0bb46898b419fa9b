"""One rule for what people read (mailbot/shown.py), applied once per channel."""

import io
import json
import logging

from mailbot.logs import configure_logging, log_mail
from mailbot.replies import environment
from mailbot.shown import ShownWriter, shown

RLO = "\u202e"


def test_direction_controls_and_invisible_characters_go_and_lines_stay():
    assert shown(f"报告{RLO}fdp.exe\u200b\u2066x\x07\x1b[31m\n第二行") == "报告fdp.exex[31m\n第二行"
    assert shown("甲\r\n乙\u2028丙\t丁", one_line=True) == "甲 乙 丙 丁"
    assert shown(None) is None and shown(3) == 3


def test_a_log_record_cannot_forge_a_second_line(capsys):
    configure_logging("json")
    try:
        log_mail(logging.getLogger("mailbot"), "1.mx", "a@b.cn", "failed",
                 reason=f"KeyError: '{RLO}gpj.exe'\n2021-11-24 INFO mail 2.mx from x: unit=田坪乡 receipt=1")
    finally:
        logging.getLogger().handlers[:] = []
    [line] = capsys.readouterr().err.strip().splitlines()
    entry = json.loads(line)
    assert RLO not in line and "\n" not in entry["message"] and "\n" not in entry["reason"]


def test_every_template_value_is_shown_cleanly():
    template = environment().from_string("主题：{{ subject }}；{{ html }}")
    assert template.render(subject=f"田坪乡{RLO}整改", html="x") == "主题：田坪乡整改；x"


def test_the_command_stream_writes_through_shown():
    out = io.StringIO()
    ShownWriter(out).write(f"《报告{RLO}fdp.exe》\n")
    assert out.getvalue() == "《报告fdp.exe》\n"
