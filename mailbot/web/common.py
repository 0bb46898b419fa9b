"""Small things every page uses: the console, the acting person, the campaign asked for, how times and
texts from mail are shown."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, g, request
from markupsafe import Markup

from mailbot.audit import Actor
from mailbot.rules import Campaign
from mailbot.shown import shown
from mailbot.web.console import Console

KEY = "mailbot_console"


def get_console() -> Console:
    return current_app.extensions[KEY]


def actor() -> Actor:
    """The logged-in person, as the audit and the override records name them."""
    return Actor(g.user.name, "web")


def chosen_campaign() -> Campaign:
    return get_console().campaign(request.values.get("c"))


class Lines(str):
    """Text shown with its line breaks (a reply's body): still stripped of every other control character."""


def finalize(value):
    """Every value a template prints: text from mail loses bidi, control and invisible characters
    (autoescape then escapes its markup); our own Markup passes as it is."""
    if isinstance(value, Markup):
        return value
    if isinstance(value, Lines):
        return shown(value)
    if isinstance(value, str):
        return shown(value, one_line=True)
    return value


def when(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if moment is None:
        return "—"
    return moment.astimezone(ZoneInfo(get_console().settings.timezone)).strftime(fmt)


def size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB" if n else ""
