"""Mail addresses as the mail system takes them, when a sender's is not plain ASCII.

A unit's address can have a Chinese local part (田坪@126.com, RFC 6531) or domain (例子.中国). The email
package would write either as an RFC 2047 encoded word (``=?utf-8?b?55Sw5Z2q?=@126.com``): an address
nobody has, so the receipt went nowhere. A domain is written in IDNA (xn--…), which every server takes; a
local part cannot be rewritten, so such a mail is written in UTF-8 and sent with SMTPUTF8, where the
server offers it (mailbot/smtp.py), else recorded as undeliverable for staff.
"""

from __future__ import annotations


def deliverable(address: str) -> str:
    """``address`` with its domain in IDNA (ASCII); the local part as it is."""
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return address
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:  # not a valid IDN: left as written; the server will refuse it in words
        return address


def needs_smtputf8(address: str) -> bool:
    """Whether ``address`` can only travel in UTF-8 (RFC 6531): its local part is not ASCII."""
    return not deliverable(address).isascii()
