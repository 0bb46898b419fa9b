"""Mail an outsider sends to pass for a unit, or to attack the office, built as real clients and
servers write it. The guarded roster registers 吉强镇 (jqzdzb@163.com) and 田坪乡 (tianping@163.com)
and one staff member; 兴隆镇 registered no address."""

from __future__ import annotations

import base64
from pathlib import Path

from tests.builders import hostile, mails, pdfs
from tests.builders.campaign import Filling, edited_rules, filled_ledger, registered, zipped

JIQIANG, TIANPING, STAFF = "jqzdzb@163.com", "tianping@163.com", "wangxq@xiji.gov.cn"
SERVER = "mx3.126.com"  # the office's receiving server, trusted by authserv_ids = ["*.126.com"]
GUARDED_UNITS = (registered("吉强镇", JIQIANG), registered("田坪乡", TIANPING), ("staff = []", f'staff = ["{STAFF}"]'))
LEDGER = filled_ledger(Filling(unit="吉强镇"))
REPORT = pdfs.text_report(unit="吉强镇")
FILES = {"吉强镇整改台账.xlsx": LEDGER, "吉强镇整改报告.pdf": REPORT}
PASSES = "spf=pass smtp.mail={sender}; dkim=pass header.d={domain}; dmarc=pass header.from={domain}"
FAILS = "spf=fail smtp.mail={sender}; dkim=none; dmarc=fail header.from={domain}"


def guarded_rules(folder: Path) -> Path:
    return edited_rules(folder, units=GUARDED_UNITS)


def unit_mail(sender: str = JIQIANG, files: dict[str, bytes] | None = None, subject: str = "吉强镇整改台账及整改报告",
              sender_name: str = "吉强镇政府", client: str = "163", **kw) -> bytes:
    return mails.client_mail(client, sender=sender, sender_name=sender_name, subject=subject,
                             files=FILES if files is None else files, **kw)


def stamped(raw: bytes, results: str, server: str = SERVER) -> bytes:
    """``raw`` as the receiving server stores it: its Authentication-Results on top of every header."""
    return f"Authentication-Results: {server};\r\n\t{results}\r\n".encode() + raw


def results(template: str, sender: str) -> str:
    return template.format(sender=sender, domain=sender.rsplit("@", 1)[1])


def idn(domain: str) -> str:
    return domain.encode("idna").decode("ascii")


# The forms an impersonator uses, each from an address the roster does not hold (name → raw mail).
def lookalikes() -> dict[str, bytes]:
    return {
        "l26.com": unit_mail("jqzdzb@l26.com"),
        "163.com.cn": unit_mail("jqzdzb@163.com.cn"),
        "l63.com": unit_mail("office@l63.com"),
        "same name at qq.com": unit_mail("jqzdzb@qq.com", client="qq"),
        "cyrillic 163.cоm": unit_mail("jqzdzb@" + idn("163.c\u043em")),
        "1 for i": unit_mail("tianp1ng@163.com", subject="吉强镇整改材料"),
        "display name spells the address": unit_mail("evil@attacker.test", sender_name=JIQIANG),
    }


def forwarded_forgery(staff: str = STAFF) -> bytes:
    """A staff member forwards, as an attachment, a mail that 126.com had already marked as forged."""
    inner = stamped(unit_mail(JIQIANG), results(FAILS, JIQIANG))
    return stamped(mails.forwarded_as_attachment(inner, staff=staff), results(PASSES, staff))


def spoofed_staff_forward() -> bytes:
    """An outsider writes as the staff member, quoting a unit's registered address inline."""
    raw = mails.forwarded_inline(original_sender=JIQIANG, staff=STAFF, files=FILES)
    return stamped(raw, results(FAILS, STAFF))


def header_injection(sender: str = JIQIANG) -> bytes:
    word = base64.b64encode("吉强镇整改台账\r\nBcc: all@xiji.gov.cn".encode()).decode()
    return unit_mail(sender).replace(mails.b64word("吉强镇整改台账及整改报告", "UTF-8").encode(),
                                      f"=?UTF-8?B?{word}?=".encode(), 1)


# Hostile content: name → the files a mail carries.
HOSTILE_FILES = {
    "program named as the report": lambda: {"吉强镇整改台账.xlsx": LEDGER, "吉强镇整改报告.pdf": hostile.pe_executable()},
    "zip bomb": lambda: {"吉强镇整改台账.xlsx": LEDGER, "材料.zip": hostile.zip_bomb(200)},
    "XML entity bomb": lambda: {"吉强镇整改台账.xlsx": hostile.xml_bomb_xlsx(LEDGER)},
    "climbing file name": lambda: {"../../吉强镇整改台账.xlsx": LEDGER},
    "climbing name inside a zip": lambda: {"材料.zip": hostile.raw_zip([hostile.raw_member("../../etc/台账.xlsx", LEDGER)])},
    "right-to-left override": lambda: {"吉强镇整改报告\u202efdp.exe": REPORT},
    "windows script": lambda: {"吉强镇整改报告.pdf.vbs": b'MsgBox "hi"'},
}


def zipped_files() -> bytes:
    return zipped(FILES)
