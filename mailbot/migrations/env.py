"""Alembic environment: the SQLModel metadata of mailbot.models, on the connection mailbot.schema hands in."""

from alembic import context
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

import mailbot.models  # noqa: F401  (registers every table on SQLModel.metadata)
from mailbot.models import UTCDateTime


def render_item(kind, item, autogen_context):
    """Write our column types as the plain SQLAlchemy types they store, so that a new migration
    imports only sqlalchemy (as 0001-0003 do) and stays valid when the models change later."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime()"
    if kind == "type" and isinstance(item, AutoString):
        return "sa.String()"
    return False


connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True,
                  render_item=render_item)
with context.begin_transaction():
    context.run_migrations()
