"""The pydantic models inside a field's type, for tests that walk a model's keys recursively."""

from __future__ import annotations

import typing

from pydantic import BaseModel


def nested_models(annotation) -> list[type[BaseModel]]:
    """The models a field holds: itself, the members of a union (inbox: Maildir | IMAP), the items of
    tuple[Unit, ...], the values of dict[str, Extension]."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in nested_models(arg)]
