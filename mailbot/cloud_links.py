"""Download links where a unit meant to attach a file: NetEase/QQ "超大附件" and cloud drives.

A file over the web mail's attachment limit (or one the sender chose to send as
超大附件) arrives as a link in the body, not as an attachment. mailbot never
follows links (it would fetch from the internet on a stranger's say-so), so the
unit is told plainly why its file was not received.
"""

from __future__ import annotations

from urllib.parse import urlsplit

# service (as the reply names it) → host suffixes, or host + path prefix
SERVICES: dict[str, tuple[str, ...]] = {
    "网易邮箱超大附件": ("mail.163.com/large-attachment", "mail.126.com/large-attachment",
                          "mail.yeah.net/large-attachment", "fs.163.com", "fs.126.com"),
    "QQ 邮箱超大附件": ("mail.qq.com/cgi-bin/ftnexs", "wx.mail.qq.com/ftn", "exmail.qq.com/cgi-bin/ftnexs"),
    "百度网盘": ("pan.baidu.com",),
    "阿里云盘": ("aliyundrive.com", "alipan.com"),
    "夸克网盘": ("pan.quark.cn",),
    "腾讯微云": ("share.weiyun.com",),
    "天翼云盘": ("cloud.189.cn",),
    "中国移动云盘": ("caiyun.139.com", "yun.139.com"),
    "蓝奏云": ("lanzou.com", "lanzoui.com", "lanzoux.com", "lanzouw.com"),
    "123 云盘": ("123pan.com",),
}


def cloud_services(links: tuple[str, ...]) -> tuple[str, ...]:
    """The services among ``links``, each named once, in the order they first appear."""
    found: dict[str, None] = {}
    for link in links:
        try:
            parts = urlsplit(link.strip())
            host = (parts.hostname or "").lower()
        except ValueError:  # "http://[bad" and the like: not a link anyone could follow
            continue
        where = f"{host}{parts.path.lower()}"
        for service, patterns in SERVICES.items():
            if any(_matches(host, where, pattern) for pattern in patterns):
                found.setdefault(service)
    return tuple(found)


def _matches(host: str, where: str, pattern: str) -> bool:
    if "/" in pattern:
        return where.startswith(pattern) or where.startswith(f"www.{pattern}")
    return host == pattern or host.endswith(f".{pattern}")
