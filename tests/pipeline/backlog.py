"""A backlog of one submission per unit, as Maildir files: what the crash and the two-worker tests process."""

from pathlib import Path

from tests.builders import pdfs
from tests.builders.campaign import Filling, filled_ledger
from tests.pipeline.conftest import on_time, submission

UNITS = ["田坪乡", "兴隆镇", "平峰镇", "新营乡", "红耀乡", "马建乡", "震湖乡", "兴平乡", "西滩乡", "王民乡", "什字乡", "马莲乡"]


def fill_inbox(inbox: Path, copies: int = 1) -> int:
    """One submission per unit (every third one with a gap); ``copies`` > 1 puts byte-identical
    copies side by side, as a unit that clicks 发送 twice. Returns the number of distinct mails."""
    for sub in ("tmp", "new", "cur"):
        (inbox / sub).mkdir(parents=True, exist_ok=True)
    for i, unit in enumerate(UNITS):
        files = {f"{unit}台账.xlsx": filled_ledger(Filling(unit=unit, status={12: "" if i % 3 == 0 else "完成整改"})),
                 f"{unit}报告.pdf": pdfs.text_report(unit=unit)}
        raw = submission(files, sender=f"unit{i}@163.com", subject=f"{unit}整改材料", received=on_time(i))
        for copy in range(copies):
            (inbox / "new" / f"{1700000000 + i}.M{i}{'abcdefgh'[copy]}.mx").write_bytes(raw)
    return len(UNITS)
