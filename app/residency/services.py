"""Residency verification: who is a verified resident where, and which processes ask for it.

A process can be limited to verified residents: then proposing, supporting, commenting, reacting and
answering need a verification in that municipality (reading follows the process's visibility as
before). The rule is a participation guard (``contributions.add_guard``), so the processes'
contribution gate and every format apply it without knowing this domain.

People are verified per municipality, in one of two ways:
- a letter code: staff generate a batch of random one-time codes and post them as letters; only an
  HMAC of each code is stored, a code works once, in its own municipality, until the batch expires;
  redemption is rate-limited per account and per address;
- in person: staff mark a member verified after checking an ID at the Bürgerbüro.
Both, and every revocation (with its reason), go to the audit log; the person sees their status in
their account.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app, g
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, bindparam, exists, select, update

from app.accounts.models import User
from app.contributions.services import ContributionRefused, Prefetch, add_guard
from app.core import audit
from app.core.sanitize import clean_plain
from app.core.time import utcnow
from app.extensions import db
from app.municipalities.models import Membership, Municipality
from app.residency.models import (
    CodeBatch,
    ResidencyCode,
    ResidencyRule,
    ResidencyVerification,
    VerificationMethod,
)

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a letter without doubt
CODE_LENGTH = 12  # 60 bits: guessing is hopeless even without the rate limit
MAX_BATCH = 2000


class ResidencyError(Exception):
    """A rule refused the action; the message says why."""


class InvalidCode(ResidencyError):
    pass


class AlreadyVerified(ResidencyError):
    pass


# --- the rule -------------------------------------------------------------------------------------


def requires_residency(process) -> bool:
    cache = g.setdefault("_residency_rules", {})
    if process.id not in cache:
        cache[process.id] = bool(
            db.session.scalar(
                select(ResidencyRule.required).where(ResidencyRule.process_id == process.id)
            )
        )
    return cache[process.id]


def active_verification(user_id: int, municipality_id: int) -> ResidencyVerification | None:
    return db.session.scalar(
        select(ResidencyVerification).where(
            ResidencyVerification.user_id == user_id,
            ResidencyVerification.municipality_id == municipality_id,
            ResidencyVerification.revoked_at.is_(None),
        )
    )


def is_verified(user, municipality_id: int) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    cache = g.setdefault("_residency_verified", {})
    key = (user.id, municipality_id)
    if key not in cache:
        cache[key] = active_verification(user.id, municipality_id) is not None
    return cache[key]


def _forget() -> None:
    g.pop("_residency_verified", None)
    g.pop("_residency_rules", None)


def refuse_unverified(author: User, process) -> None:
    """The participation guard: residents-only processes take part only verified residents."""
    if requires_residency(process) and not is_verified(author, process.municipality_id):
        raise ContributionRefused(
            _(
                "Only verified residents of %(name)s can take part in this process. You can "
                "verify your residency in your account with the code from a letter, or in person "
                "at the town hall.",
                name=process.municipality.name,
            )
        )


def _residency_columns() -> list[ColumnElement]:
    """The process's rule and the person's verification, inside a statement the write runs anyway."""
    return [
        select(ResidencyRule.required)
        .where(ResidencyRule.process_id == bindparam("guard_residency_process"))
        .scalar_subquery(),
        exists().where(
            ResidencyVerification.user_id == bindparam("guard_residency_user"),
            ResidencyVerification.municipality_id == bindparam("guard_residency_municipality"),
            ResidencyVerification.revoked_at.is_(None),
        ),
    ]


def _residency_params(author: User, process) -> dict[str, object]:
    return {
        "guard_residency_process": process.id,
        "guard_residency_user": author.id,
        "guard_residency_municipality": process.municipality_id,
    }


def _remember_residency(author: User, process, values) -> None:
    required, verified = values
    g.setdefault("_residency_rules", {})[process.id] = bool(required)
    g.setdefault("_residency_verified", {})[(author.id, process.municipality_id)] = bool(verified)


add_guard(refuse_unverified, Prefetch(_residency_columns, _residency_params, _remember_residency))


def set_required(process, required: bool, actor: User) -> None:
    """Limit ``process`` to verified residents (or lift the limit); audited."""
    rule = db.session.get(ResidencyRule, process.id)
    before = bool(rule and rule.required)
    if rule is None:
        rule = ResidencyRule(process_id=process.id, municipality_id=process.municipality_id)
        db.session.add(rule)
    rule.required = required
    db.session.flush()
    _forget()
    if before != required:
        audit.record(
            actor_id=actor.id,
            action="residency.rule_changed",
            object_type="process",
            object_id=process.id,
            municipality_id=process.municipality_id,
            before={"residents_only": before},
            after={"residents_only": required},
        )


def rules_of(municipality: Municipality) -> dict[int, bool]:
    return dict(
        db.session.execute(
            select(ResidencyRule.process_id, ResidencyRule.required).where(
                ResidencyRule.municipality_id == municipality.id
            )
        ).all()
    )


# --- letter codes -----------------------------------------------------------------------------------


def normalise_code(code: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", clean_plain(code).upper())


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def hash_code(code: str) -> str:
    """An HMAC keyed with the app's secret: a copy of the database alone reveals no code."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"residency:{normalise_code(code)}".encode(), hashlib.sha256).hexdigest()


def generate_batch(
    municipality: Municipality, count: int, actor: User, label: str = ""
) -> tuple[CodeBatch, list[str]]:
    """``count`` new codes; the plain codes exist only in the returned list (for the letters)."""
    if not 1 <= count <= MAX_BATCH:
        raise ResidencyError(_("Choose between 1 and %(max)d codes.", max=MAX_BATCH))
    now = utcnow()
    batch = CodeBatch(
        municipality_id=municipality.id,
        label=clean_plain(label)[:120],
        size=count,
        created_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(days=current_app.config["RESIDENCY_CODE_VALID_DAYS"]),
    )
    db.session.add(batch)
    db.session.flush()
    codes: list[str] = []
    seen: set[str] = set()
    while len(codes) < count:
        code = "".join(secrets.choice(ALPHABET) for _i in range(CODE_LENGTH))
        if code in seen:
            continue
        seen.add(code)
        codes.append(code)
    db.session.add_all(
        ResidencyCode(batch_id=batch.id, municipality_id=municipality.id, code_hash=hash_code(c))
        for c in codes
    )
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="residency.codes_generated",
        object_type="residency_code_batch",
        object_id=batch.id,
        municipality_id=municipality.id,
        after={"count": count, "label": batch.label, "expires_at": batch.expires_at.isoformat()},
    )
    return batch, codes


def batches(municipality: Municipality) -> list[CodeBatch]:
    return list(
        db.session.scalars(
            select(CodeBatch)
            .where(CodeBatch.municipality_id == municipality.id)
            .order_by(CodeBatch.created_at.desc(), CodeBatch.id.desc())
        )
    )


def void_batch(municipality: Municipality, batch_id: int, actor: User) -> CodeBatch:
    """Unused codes of a lost or misprinted batch stop working."""
    batch = db.session.scalar(
        select(CodeBatch).where(
            CodeBatch.id == batch_id, CodeBatch.municipality_id == municipality.id
        )
    )
    if batch is None:
        raise LookupError(batch_id)
    voided = db.session.execute(  # two clicks at once: one of them voids (and audits)
        update(CodeBatch)
        .where(CodeBatch.id == batch.id, CodeBatch.voided_at.is_(None))
        .values(voided_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(batch)
    if voided == 1:
        audit.record(
            actor_id=actor.id,
            action="residency.codes_voided",
            object_type="residency_code_batch",
            object_id=batch.id,
            municipality_id=municipality.id,
        )
    return batch


def redeem(user: User, code: str, now: datetime | None = None) -> ResidencyVerification:
    """Verify ``user`` in the municipality the code belongs to (joining it if need be).

    The code is claimed with an atomic conditional update, so it works exactly once, even when
    two requests race. Flushes, never commits.
    """
    from app.municipalities.services import join

    now = now or utcnow()
    normalised = normalise_code(code)
    if len(normalised) != CODE_LENGTH:
        raise InvalidCode(_("This code is not valid. Please check it and try again."))
    row = db.session.scalar(
        select(ResidencyCode)
        .join(CodeBatch, CodeBatch.id == ResidencyCode.batch_id)
        .where(
            ResidencyCode.code_hash == hash_code(normalised),
            ResidencyCode.used_at.is_(None),
            CodeBatch.expires_at > now,
            CodeBatch.voided_at.is_(None),
        )
    )
    if row is None:
        raise InvalidCode(_("This code is not valid. Please check it and try again."))
    if active_verification(user.id, row.municipality_id) is not None:
        raise AlreadyVerified(_("You are already verified as a resident here."))
    claimed = db.session.execute(
        update(ResidencyCode)
        .where(ResidencyCode.id == row.id, ResidencyCode.used_at.is_(None))
        .values(used_at=now, used_by_id=user.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise InvalidCode(_("This code is not valid. Please check it and try again."))
    municipality = db.session.get(Municipality, row.municipality_id)
    join(user, municipality)
    _lock_membership(user.id, municipality.id)
    if active_verification(user.id, row.municipality_id) is not None:  # verified meanwhile
        raise AlreadyVerified(_("You are already verified as a resident here."))
    verification = ResidencyVerification(
        municipality_id=row.municipality_id,
        user_id=user.id,
        method=VerificationMethod.LETTER,
        verified_at=now,
    )
    db.session.add(verification)
    db.session.flush()
    _forget()
    audit.record(
        actor_id=user.id,
        action="residency.verified",
        object_type="residency_verification",
        object_id=verification.id,
        municipality_id=row.municipality_id,
        after={"user_id": user.id, "method": VerificationMethod.LETTER.value},
    )
    return verification


# --- in person, and revoking --------------------------------------------------------------------------


def _lock_membership(user_id: int, municipality_id: int) -> None:
    """Serialise verifications of one person in one municipality: the membership's row lock (an
    update that changes nothing; on SQLite the write lock). The check for an active verification
    after it sees what a verification committed meanwhile (two codes redeemed at once, a letter
    code while staff verify in person), so a person holds one active verification per town."""
    db.session.execute(
        update(Membership)
        .where(Membership.user_id == user_id, Membership.municipality_id == municipality_id)
        .values(role=Membership.role)
        .execution_options(synchronize_session=False)
    )


def verify_in_person(
    municipality: Municipality, member: User, actor: User
) -> ResidencyVerification:
    """Staff checked an ID at the Bürgerbüro; the member must belong to ``municipality``."""
    if member.membership_in(municipality) is None:
        raise LookupError(member.id)
    _lock_membership(member.id, municipality.id)
    if active_verification(member.id, municipality.id) is not None:
        raise AlreadyVerified(_("This member is already verified as a resident."))
    verification = ResidencyVerification(
        municipality_id=municipality.id,
        user_id=member.id,
        method=VerificationMethod.IN_PERSON,
        verified_by_id=actor.id,
    )
    db.session.add(verification)
    db.session.flush()
    _forget()
    audit.record(
        actor_id=actor.id,
        action="residency.verified",
        object_type="residency_verification",
        object_id=verification.id,
        municipality_id=municipality.id,
        after={"user_id": member.id, "method": VerificationMethod.IN_PERSON.value},
    )
    return verification


def get_verification(municipality: Municipality, verification_id: int):
    return db.session.scalar(
        select(ResidencyVerification).where(
            ResidencyVerification.id == verification_id,
            ResidencyVerification.municipality_id == municipality.id,
        )
    )


def revoke(verification: ResidencyVerification, actor: User, reason: str) -> None:
    reason = clean_plain(reason)
    if not reason:
        raise ResidencyError(_("Please give a reason."))
    if verification.revoked_at is not None:
        return
    now = utcnow()
    revoked = db.session.execute(  # two revocations at once: one of them revokes (and audits)
        update(ResidencyVerification)
        .where(
            ResidencyVerification.id == verification.id, ResidencyVerification.revoked_at.is_(None)
        )
        .values(revoked_at=now, revoked_by_id=actor.id, revoke_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(verification)
    if revoked != 1:
        return
    _forget()
    audit.record(
        actor_id=actor.id,
        action="residency.revoked",
        object_type="residency_verification",
        object_id=verification.id,
        municipality_id=verification.municipality_id,
        before={"user_id": verification.user_id, "method": verification.method.value},
        reason=reason,
    )


def verifications_of(user: User) -> list[tuple[ResidencyVerification, Municipality]]:
    """Everything the person should see about their verification, newest first."""
    return list(
        db.session.execute(
            select(ResidencyVerification, Municipality)
            .join(Municipality, Municipality.id == ResidencyVerification.municipality_id)
            .where(ResidencyVerification.user_id == user.id)
            .order_by(ResidencyVerification.verified_at.desc())
        ).all()
    )


def status_by_user(
    municipality: Municipality, user_ids: list[int]
) -> dict[int, ResidencyVerification]:
    if not user_ids:
        return {}
    rows = db.session.scalars(
        select(ResidencyVerification).where(
            ResidencyVerification.municipality_id == municipality.id,
            ResidencyVerification.user_id.in_(user_ids),
            ResidencyVerification.revoked_at.is_(None),
        )
    )
    return {row.user_id: row for row in rows}
