"""The facilitator directory and first consultations (Erstberatung).

- ``FacilitatorProfile``: one per person who offers process facilitation on the platform. Only an
  approved profile is public; an edit sends it back for review, so what the public reads is always
  what a platform admin saw.
- ``ConsultationRequest``: a municipality asks the platform's process architects for a first
  consultation on a planned process. It carries the participation-concept template filled during
  the consultation (``concept``), which becomes the draft of the process.
- ``ConsultationStep``: the request's history, append-only (the ORM refuses to change a step): every
  message, proposal, acceptance and status change is a new row, so what was said stays as it was.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.enums import LabelledEnum, enum_column
from app.core.time import UTCDateTime, utcnow
from app.extensions import db
from app.municipalities.models import Municipality
from app.processes.models import Process


class ProfileStatus(LabelledEnum):
    PENDING = "pending", _l("Awaiting review")
    APPROVED = "approved", _l("Approved")
    REJECTED = "rejected", _l("Not approved")


class RequestStatus(LabelledEnum):
    SUBMITTED = "submitted", _l("Submitted")
    IN_CONSULTATION = "in_consultation", _l("In consultation")
    PROPOSED = "proposed", _l("Facilitators proposed")
    ACCEPTED = "accepted", _l("Facilitator accepted")


class StepKind(LabelledEnum):
    SUBMITTED = "submitted", _l("Request submitted")
    MESSAGE = "message", _l("Message")
    PROPOSAL = "proposal", _l("Facilitator proposed")
    ACCEPTED = "accepted", _l("Facilitator accepted")
    CONCEPT = "concept", _l("Participation concept updated")
    DRAFT = "draft", _l("Draft process created")


class FacilitatorProfile(db.Model):
    __tablename__ = "facilitator_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True, index=True
    )
    region: Mapped[str] = mapped_column(String(200), default="")
    methods: Mapped[str] = mapped_column(Text, default="")
    languages: Mapped[str] = mapped_column(String(200), default="")
    references: Mapped[str] = mapped_column(Text, default="")
    about: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ProfileStatus] = mapped_column(
        enum_column(ProfileStatus, "facilitator_profile_status"), default=ProfileStatus.PENDING
    )
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @property
    def is_approved(self) -> bool:
        return self.status == ProfileStatus.APPROVED


class ConsultationRequest(db.Model):
    __tablename__ = "consultation_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    topic: Mapped[str] = mapped_column(String(200))
    goals: Mapped[str] = mapped_column(Text, default="")
    timing: Mapped[str] = mapped_column(String(300), default="")
    local_context: Mapped[str] = mapped_column(Text, default="")
    previous_experience: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, "consultation_status"), default=RequestStatus.SUBMITTED
    )
    # The participation-concept template as filled during the consultation: the process's
    # concept fields and its planned phases (see ``services.ConceptData``).
    concept: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    process_id: Mapped[int | None] = mapped_column(ForeignKey("processes.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    municipality: Mapped[Municipality] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    facilitator: Mapped[User | None] = relationship(foreign_keys=[facilitator_id])
    process: Mapped[Process | None] = relationship()
    steps: Mapped[list[ConsultationStep]] = relationship(
        back_populates="request", order_by="ConsultationStep.id", passive_deletes=True
    )


class ConsultationStep(db.Model):
    __tablename__ = "consultation_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_requests.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[StepKind] = mapped_column(enum_column(StepKind, "consultation_step_kind"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # True when a process architect acted, False for the municipality's side.
    by_architect: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text, default="")
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    request: Mapped[ConsultationRequest] = relationship(back_populates="steps")
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    facilitator: Mapped[User | None] = relationship(foreign_keys=[facilitator_id])


class HistoryIsAppendOnly(RuntimeError):
    pass


@event.listens_for(ConsultationStep, "before_update")
def _refuse_change(mapper, connection, target) -> None:
    """Steps are never rewritten (account deletion unlinks them in SQL, not through the ORM)."""
    raise HistoryIsAppendOnly("consultation steps cannot be changed")
