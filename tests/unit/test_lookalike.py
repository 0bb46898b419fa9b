"""An address made to look like a registered one is named as such; the usual mail services are not."""

import pytest

from mailbot.lookalike import Known, distance, fold, impersonation

KNOWN = Known.of({"jqzdzb@163.com": "吉强镇", "tianping@163.com": "田坪乡", "wangxq@xiji.gov.cn": "工作人员",
                  "xjzfbxx@126.com": "本办公室"}, extra_safe=("xiji.edu.cn",))


@pytest.mark.parametrize("address, display, said", [
    ("jqzdzb@l26.com", "", "用户名与吉强镇的登记邮箱 jqzdzb@163.com 相同，但域名不同"),
    ("jqzdzb@qq.com", "", "相同，但域名不同"),
    ("x@l63.com", "", "l63.com 与登记的邮箱域名 163.com 形近"),
    ("x@163.com.cn", "", "163.com.cn 是在登记的邮箱域名 163.com 后面加了后缀"),
    ("x@163.com.evil.test", "", "后面加了后缀"),
    ("x@xiji.gov.cm", "", "xiji.gov.cm 与登记的邮箱域名 xiji.gov.cn 形近"),
    ("x@xijl.gov.cn", "", "形近"),
    ("x@" + "163.c\u043em".encode("idna").decode(), "", "显示为 163.c\u043em"),
    ("tianp1ng@163.com", "", "只差形近的字符"),
    ("tlanping@163.com", "", "只差形近的字符"),
    ("evil@attacker.test", "tianping@163.com", "显示名中写着邮箱 tianping@163.com"),
    ("evil@attacker.test", "田坪乡 <tianping@163.com>", "显示名中写着邮箱 tianping@163.com"),
    ("x@qq.com", "tianping", "显示名“tianping”是田坪乡登记邮箱 tianping@163.com 的用户名"),
])
def test_look_alikes_are_named(address, display, said):
    assert any(said in reason for reason in impersonation(address, display, KNOWN))


@pytest.mark.parametrize("address, display", [
    ("jqzdzb@163.com", "吉强镇政府"),  # the registered address itself
    ("someone@126.com", "张三"),  # 126.com and 163.com are two edits apart: both real services
    ("someone@qq.com", ""),
    ("office@mail.163.com", ""),  # a subdomain belongs to the domain's owner
    ("teacher@xiji.edu.cn", ""),  # named safe by the administrator
    ("admin@qq.com", ""),  # a generic name at two services is two people
    ("xjtp02@163.com", ""),  # a different account, not a disguised one
    ("jqzdzb@163.com", "jqzdzb@163.com"),  # a client that shows the address as the name
    ("tianping@163.com", "田坪乡 <tianping@163.com>"),
])
def test_ordinary_senders_are_not_suspected(address, display):
    assert impersonation(address, display, KNOWN) == []


def test_a_registered_address_shown_with_another_units_address_is_suspected():
    assert impersonation("jqzdzb@163.com", "tianping@163.com", KNOWN)


def test_folding_and_distance():
    assert fold("rnail.l63.corn") == fold("mail.163.com") == "mall.l63.com"
    assert distance("l26.com", "l63.com") == 2 and distance("163.com", "136.com") == 1
    assert distance("", "abc") == 3 and distance("abc", "abc") == 0
