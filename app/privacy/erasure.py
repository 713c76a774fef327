"""What deleting an account removes, walked over every table that refers to accounts.

The account row itself stays (anonymised by ``accounts.services.delete_account``) so that
contributions keep their place as "Deleted account". Every other reference is handled by the rule
the registry holds for its column: rows deleted, references unlinked (supports, reactions and named
survey answers stay counted but belong to nobody), or kept where they point at the anonymised row.
"""

from __future__ import annotations

from sqlalchemy import delete, update

from app.accounts.models import User
from app.extensions import db
from app.privacy.registry import Erase, erase_rule, person_tables


class UnhandledReference(RuntimeError):
    """A column refers to accounts, but nobody said what deletion does with it."""


def erase_references(user: User) -> dict[str, int]:
    """Delete or unlink every row that refers to ``user``; returns rows touched per column."""
    touched: dict[str, int] = {}
    tables = person_tables()
    for table_name in reversed(list(tables)):  # dependants first
        for column in tables[table_name]:
            rule = erase_rule(column)
            if rule is None:
                raise UnhandledReference(f"{table_name}.{column.name}")
            how, _reason = rule
            table = column.table
            if how == Erase.DELETE:
                result = db.session.execute(delete(table).where(column == user.id))
            elif how == Erase.UNLINK:
                result = db.session.execute(
                    update(table).where(column == user.id).values({column.name: None})
                )
            else:
                continue
            touched[f"{table_name}.{column.name}"] = result.rowcount
    _erase_by_address(user.email)
    return touched


def _erase_by_address(email: str) -> None:
    """Rows that name the person by e-mail address rather than by account."""
    from app.core.mail import OutgoingMail
    from app.municipalities.models import Invitation

    db.session.execute(delete(OutgoingMail).where(OutgoingMail.to_address == email))
    db.session.execute(delete(Invitation).where(Invitation.email == email))
