"""A database that cannot be reached: `mailbot doctor` and `mailbot health` say so in one line each,
with the driver's reason and what to check, not a Python exception's class name."""

import pytest

from mailbot.doctor import check_health, check_state
from mailbot.settings import Settings

pytestmark = pytest.mark.no_database  # the point is that there is none


def test_doctor_and_health_name_the_unreachable_database(tmp_path):
    settings = Settings(database_url="postgresql+psycopg://mailbot:secret@127.0.0.1:9/mailbot", var_dir=tmp_path)
    [database] = [c for c in check_state(settings) if "数据库" in c.text]
    health = check_health(settings)
    for check in (database, health):
        assert not check.ok and "\n" not in check.text  # a monitor shows one line
        assert check.text.startswith("无法连接数据库：") and "127.0.0.1" in check.text
        assert check.text.endswith("请检查设置中的 database_url 和数据库服务")
        assert "OperationalError" not in check.text and "secret" not in check.text
