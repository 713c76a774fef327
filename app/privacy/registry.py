"""Which tables hold data about a person, and what the export and the account deletion do with it.

Every domain's data reaches a person's export through this registry, and every reference to an
account is handled by the deletion through it, so neither has to know the domains' models:

- ``@exports("notifications", tables=("notifications",))`` registers a function ``(user) -> data``
  that fills one section of the export from the named tables;
- ``export_table("process_follows")`` exports a table's rows that name the person, column by column
  (secrets such as token hashes left out);
- ``not_exported("outgoing_mails", reason)`` states why a table is deliberately left out;
- ``erase("contributions.author_id", Erase.KEEP, reason)`` says what deletion does with one column
  that refers to an account. Without a registration the column's own ``ON DELETE`` decides:
  ``CASCADE`` deletes the rows, ``SET NULL`` unlinks them; a column with neither must be registered.

The completeness tests walk ``db.metadata.sorted_tables``: a table that names a person but is neither
exported nor excluded with a reason, or an account column deletion does not know how to handle,
fails them, so a new model cannot be forgotten.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any

from sqlalchemy import Column, Table, or_, select

from app.extensions import db

# Column names that refer to a person even without a foreign key (say, a denormalised copy).
PERSON_COLUMN = re.compile(r"(^|_)(user|author|actor|reporter|requester|owner)_id$|_by_id$")
# Never written into an export: secrets and bulky internals.
SECRET_COLUMNS = frozenset(
    {"password_hash", "token_hash", "code_hash", "claim_token", "content", "search_text"}
)


class Erase(StrEnum):
    DELETE = "delete"  # the rows go
    UNLINK = "unlink"  # the rows stay (counted), the reference becomes NULL
    KEEP = "keep"  # the reference stays; it points at the anonymised account row


@dataclass(frozen=True)
class Exporter:
    section: str
    tables: tuple[str, ...]
    func: Callable[[Any], Any]


_EXPORTERS: dict[str, Exporter] = {}
_NOT_EXPORTED: dict[str, str] = {}
_ERASE: dict[str, tuple[Erase, str]] = {}


def exports(section: str, *, tables: Iterable[str] | None = None):
    """Register ``func(user) -> JSON-able data`` as the export section ``section``."""

    def register(func: Callable[[Any], Any]) -> Callable[[Any], Any]:
        if section in _EXPORTERS and _EXPORTERS[section].func is not func:
            raise ValueError(f"export section {section!r} is registered twice")
        _EXPORTERS[section] = Exporter(section, tuple(tables or (section,)), func)
        return func

    return register


def export_table(table_name: str, *, section: str | None = None, omit: Iterable[str] = ()) -> None:
    """Export every row of ``table_name`` that names the person in one of its person columns."""
    omitted = frozenset(omit) | SECRET_COLUMNS

    def export(user) -> list[dict[str, Any]]:
        table = db.metadata.tables.get(table_name)
        if table is None:  # a domain not installed in this build
            return []
        return table_rows(table, user.id, omit=omitted)

    exports(section or table_name, tables=(table_name,))(export)


def not_exported(table_name: str, reason: str) -> None:
    """Leave ``table_name`` out of the export on purpose; ``reason`` is shown to reviewers."""
    if not reason.strip():
        raise ValueError("say why the table is not exported")
    _NOT_EXPORTED[table_name] = reason


def erase(column: str, how: Erase, reason: str = "") -> None:
    """What deleting an account does with ``table.column`` (overrides its ``ON DELETE``)."""
    if how == Erase.KEEP and not reason.strip():
        raise ValueError("say why the reference is kept")
    _ERASE[column] = (how, reason)


def exporters() -> dict[str, Exporter]:
    return dict(_EXPORTERS)


def excluded_tables() -> dict[str, str]:
    return dict(_NOT_EXPORTED)


# --- reading the metadata ---------------------------------------------------------------------


def person_columns(table: Table) -> list[Column]:
    """The columns of ``table`` that refer to an account."""
    found = []
    for column in table.columns:
        to_users = any(fk.column.table.name == "users" for fk in column.foreign_keys)
        if to_users or (table.name != "users" and PERSON_COLUMN.search(column.name)):
            found.append(column)
    return found


def person_tables() -> dict[str, list[Column]]:
    """Every table (but ``users`` itself) with a column that refers to an account."""
    return {
        table.name: columns
        for table in db.metadata.sorted_tables
        if table.name != "users" and (columns := person_columns(table))
    }


def erase_rule(column: Column) -> tuple[Erase, str] | None:
    """The registered or declared (``ON DELETE``) handling of one account column, or None."""
    key = f"{column.table.name}.{column.name}"
    if key in _ERASE:
        return _ERASE[key]
    for fk in column.foreign_keys:
        if fk.ondelete and fk.ondelete.upper() == "CASCADE":
            return Erase.DELETE, "ON DELETE CASCADE"
        if fk.ondelete and fk.ondelete.upper() == "SET NULL":
            return Erase.UNLINK, "ON DELETE SET NULL"
    return None


def plain(value: Any) -> Any:
    """A JSON-able form of a column value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return None
    return value


def table_rows(table: Table, user_id: int, *, omit: frozenset[str] = SECRET_COLUMNS) -> list[dict]:
    columns = person_columns(table)
    if not columns:
        return []
    keep = [column for column in table.columns if column.name not in omit]
    rows = db.session.execute(
        select(*keep).where(or_(*(column == user_id for column in columns)))
    ).mappings()
    return [{name: plain(value) for name, value in row.items()} for row in rows]
