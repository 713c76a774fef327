"""String enums as the models and forms use them: stored by value, shown by a translated label.

``LabelledEnum`` keeps each member's label next to it (``VISIBLE = "visible", _l("visible")``), so
a new member cannot be added without its label; ``enum_column`` stores any ``StrEnum`` by its value
(a named, length-limited ``VARCHAR`` with a ``CHECK`` on SQLite, a native enum type nowhere), so a
renamed Python member never rewrites rows.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Enum


class LabelledEnum(StrEnum):
    """A ``StrEnum`` whose members are ``NAME = "value", lazy_label``."""

    _label: Any

    def __new__(cls, value: str, label: Any = None) -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label if label is not None else value
        return member

    @property
    def label(self) -> str:
        """The member's label in the current locale."""
        return str(self._label)

    @classmethod
    def labels(cls) -> dict:
        """Every member with its (lazy) label, in definition order: for choices and legends."""
        return {member: member._label for member in cls}


def enum_column(enum_cls: type[StrEnum], name: str, *, length: int | None = 20) -> Enum:
    """The column type of ``enum_cls``: its values, under the constraint name ``name``
    (``length=None``: as long as the longest value)."""
    options = {} if length is None else {"length": length}
    return Enum(enum_cls, name=name, values_callable=lambda e: [m.value for m in e], **options)
