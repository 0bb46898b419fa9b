"""Signs that a mail was made to attack, not to report: such mail is quarantined and never answered.

An honest unit makes honest mistakes (an encrypted PDF, a .docx report, a truncated upload): those
are answered 需补正 as always. What no mail client produces by accident is listed here: a program
under a document's name, a compression or XML-entity bomb, a file name that climbs out of its
folder or is absolute, letters that reverse the text direction to hide an extension, and a header
whose decoded text carries a line break or NUL (header injection). Answering such mail would tell
an attacker the mailbox is live and what it checks; staff see it instead, with these reasons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from mailbot.dossier import Dossier
from mailbot.mail_types import ParsedMail
from parsers.types import Attachment, FileKind

# Extensions Windows runs when the file is opened: a name ending in one is a program, whatever the bytes.
EXECUTABLE_SUFFIXES = frozenset({
    ".exe", ".scr", ".com", ".pif", ".bat", ".cmd", ".msi", ".msp", ".cpl", ".dll", ".hta", ".js", ".jse",
    ".vbs", ".vbe", ".wsf", ".wsh", ".ps1", ".psm1", ".lnk", ".reg", ".jar", ".apk", ".sh", ".chm", ".scf",
    ".iso", ".img", ".vhd",
})
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
HOSTILE_ERRORS = {"bomb": "压缩炸弹（解压后体积异常巨大）", "xml_entities": "XML 实体声明（实体膨胀或外部实体攻击）"}


@dataclass(frozen=True)
class HostileSign:
    code: str  # executable | bomb | xml_entities | unsafe_name | disguised_name | header_injection
    detail: str  # what was found, in Chinese, for staff


def hostile_signs(mail: ParsedMail, attachments: Iterable[Attachment], dossier: Dossier) -> tuple[HostileSign, ...]:
    """Every sign of an attack in one mail (its headers, the files it carried, what reading them gave)."""
    signs: list[HostileSign] = []
    for header in mail.injected_headers:
        signs.append(HostileSign("header_injection", f"邮件头“{header}”解码后含有换行或空字符（邮件头注入）"))
    for name in mail.unsafe_names:
        signs.append(HostileSign("unsafe_name", f"附件名“{_shown(name)}”含有上级目录“..”或绝对路径"))
    for attachment in attachments:
        if attachment.unsafe_name:
            signs.append(HostileSign("unsafe_name",
                                     f"压缩包中的文件名“{_shown(attachment.unsafe_name)}”含有上级目录“..”或绝对路径"))
        name = attachment.display_name
        if BIDI_CONTROLS.search(name):
            signs.append(HostileSign("disguised_name", f"附件名“{_shown(name)}”含有改变文字方向的控制字符，用来伪装扩展名"))
        if attachment.kind is FileKind.EXECUTABLE or _suffix(attachment.name) in EXECUTABLE_SUFFIXES:
            signs.append(HostileSign("executable", f"附件“{_shown(name)}”是可执行程序或脚本"))
    for file in (*dossier.ledgers, *dossier.reports, *dossier.refused):
        kind = file.error.kind.value if file.error is not None else ""
        if kind in HOSTILE_ERRORS:
            signs.append(HostileSign(kind, f"附件“{_shown(file.name)}”是{HOSTILE_ERRORS[kind]}"))
    return tuple(dict.fromkeys(signs))


def _suffix(name: str) -> str:
    return "." + name.rsplit(".", 1)[-1].lower().strip() if "." in name else ""


def _shown(name: str) -> str:
    """A hostile name as staff may read it: direction and control characters made visible, length bounded."""
    visible = BIDI_CONTROLS.sub(lambda m: f"<U+{ord(m.group(0)):04X}>", name)
    visible = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"<0x{ord(m.group(0)):02X}>", visible)
    return visible if len(visible) <= 120 else visible[:117] + "…"
