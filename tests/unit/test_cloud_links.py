"""Which download links stand for a file the unit meant to attach."""

import pytest

from mailbot.cloud_links import cloud_services


@pytest.mark.parametrize("link,service", [
    ("https://mail.163.com/large-attachment-download/index.html?p=X0&file=MjA", "网易邮箱超大附件"),
    ("http://fs.126.com/fs/display/?p=X-NETEASE-HUGE-ATTACHMENT", "网易邮箱超大附件"),
    ("https://wx.mail.qq.com/ftn/download?func=3&k=4e2c1a", "QQ 邮箱超大附件"),
    ("https://mail.qq.com/cgi-bin/ftnExs_download?k=2a&t=exs_ftn_download", "QQ 邮箱超大附件"),
    ("https://pan.baidu.com/s/1aBcDeFgHiJkLmN?pwd=8kq2", "百度网盘"),
    ("https://www.alipan.com/s/xyz", "阿里云盘"),
    ("https://wwi.lanzoux.com/iAbC123", "蓝奏云"),
])
def test_known_services_are_named(link, service):
    assert cloud_services((link,)) == (service,)


@pytest.mark.parametrize("link", [
    "https://mail.163.com/dashi/",  # the 网易邮箱大师 signature link
    "https://www.xiji.gov.cn/zwgk/",  # a government site in a signature
    "https://baidu.com.evil.example/pan.baidu.com",  # a look-alike host
    "https://notpan.baidu.com.cn/s/1",
    "http://[bad",  # unparseable: skipped, never an exception
])
def test_other_links_are_left_alone(link):
    assert cloud_services((link,)) == ()


def test_each_service_once_in_order_of_appearance():
    links = ("https://pan.baidu.com/s/1", "https://mail.163.com/large-attachment-download/a",
             "https://pan.baidu.com/s/2")
    assert cloud_services(links) == ("百度网盘", "网易邮箱超大附件")
