"""Marshmallow schemas: what the API accepts and answers, and so what its OpenAPI document says.

Response schemas describe dictionaries built by ``app.api.present``; nothing is dumped straight from
a model, so no column reaches a client unless a presenter names it (e-mail addresses, hidden texts
and anonymous answers have no field here at all).
"""

from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from app.contributions.models import Visibility as ContributionVisibility
from app.core.forms import EARLIEST_YEAR, LATEST_YEAR
from app.core.roles import TrialogGroup
from app.processes.models import DecisionMaker, PhaseKind, ProcessState
from app.processes.models import Visibility as ProcessVisibility
from app.proposals.models import ProposalStatus
from app.proposals.services import ANSWER_STATUSES, OFFICE_MAX

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
MAX_PAGE = 10_000


def _values(enum_cls) -> list[str]:
    return [member.value for member in enum_cls]


# --- errors -------------------------------------------------------------------------------------


def _plausible(value) -> None:
    """Dates and times between ``EARLIEST_YEAR`` and ``LATEST_YEAR``, as the forms take them: the
    year 1 or 9999 passes the format, then overflows the conversion to UTC (a 500)."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(
            _(
                "Please enter a date between %(first)d and %(last)d.",
                first=EARLIEST_YEAR,
                last=LATEST_YEAR,
            )
        )


class ErrorSchema(Schema):
    status = fields.Integer(required=True, metadata={"description": "The HTTP status."})
    code = fields.String(
        required=True,
        metadata={"description": "Machine-readable: not_found, validation_error, rate_limited, …"},
    )
    message = fields.String(required=True, metadata={"description": "For people (German)."})
    errors = fields.Dict(
        keys=fields.String(),
        metadata={"description": "Field errors of bad input: field name to messages."},
    )
    error = fields.String(
        metadata={"description": "A short title; only on addresses that match no API route."}
    )


# --- query arguments ----------------------------------------------------------------------------


class PageArgs(Schema):
    """Offset pages for short lists."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(
        load_default=DEFAULT_PER_PAGE, validate=validate.Range(min=1, max=MAX_PER_PAGE)
    )


class CursorArgs(Schema):
    """Keyset pages for long lists: follow the ``next`` link (or ``next_cursor``)."""

    per_page = fields.Integer(
        load_default=DEFAULT_PER_PAGE, validate=validate.Range(min=1, max=MAX_PER_PAGE)
    )
    cursor = fields.String(
        load_default=None,
        validate=validate.Length(max=400),
        metadata={"description": "Opaque position from the previous page's next link."},
    )


PROPOSAL_STATUS_FILTERS = [*_values(ProposalStatus), "withdrawn"]
PROPOSAL_SORTS = ["newest", "supports", "comments"]


class ProposalFilterArgs(Schema):
    status = fields.String(validate=validate.OneOf(PROPOSAL_STATUS_FILTERS))
    category = fields.Integer(validate=validate.Range(min=1))
    group = fields.String(validate=validate.OneOf(_values(TrialogGroup)))
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Search words."})
    sort = fields.String(load_default="newest", validate=validate.OneOf(PROPOSAL_SORTS))


class ProposalListArgs(ProposalFilterArgs, CursorArgs):
    pass


class ProcessFilterArgs(Schema):
    when = fields.String(validate=validate.OneOf(["current", "upcoming", "past"]))
    topic = fields.String(validate=validate.Length(max=80))


class ProcessListArgs(ProcessFilterArgs, PageArgs):
    pass


# --- pieces -------------------------------------------------------------------------------------


class PaginationSchema(Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


class CursorSchema(Schema):
    per_page = fields.Integer(required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class AuthorSchema(Schema):
    name = fields.String(required=True)
    group = fields.String(required=True, validate=validate.OneOf(_values(TrialogGroup)))


class MunicipalitySchema(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    ags = fields.String(required=True, allow_none=True)
    federal_state = fields.String(required=True)
    description = fields.String(required=True)
    contact = fields.String(required=True)
    url = fields.Url(required=True)


class MunicipalityListSchema(Schema):
    items = fields.List(fields.Nested(MunicipalitySchema), required=True)
    pagination = fields.Nested(PaginationSchema, required=True)


class PhaseSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(_values(PhaseKind)))
    title = fields.String(required=True)
    description = fields.String(required=True, metadata={"description": "Sanitised HTML."})
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)


class DocumentSchema(Schema):
    """A document as its list on the web shows it: what a reader needs before opening it, and the
    address of the file (served to whoever may read the place it is attached to)."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True, metadata={"description": "Plain text."})
    language = fields.String(required=True, metadata={"description": "e.g. de, en, de-x-simple."})
    alt_text = fields.String(
        required=True,
        metadata={"description": "An image's text alternative, or a document's short summary."},
    )
    content_type = fields.String(required=True)
    size = fields.Integer(required=True, metadata={"description": "Bytes."})
    page_count = fields.Integer(required=True, allow_none=True)
    phase_id = fields.Integer(
        required=True, allow_none=True, metadata={"description": "Empty: the whole process's."}
    )
    url = fields.Url(required=True, metadata={"description": "The file (download)."})
    thumbnail_url = fields.Url(required=True, allow_none=True)


class ConceptSchema(Schema):
    """The participation concept: what is asked, what can still change, who decides, and when."""

    goal = fields.String(required=True)
    question = fields.String(required=True)
    open_to_influence = fields.String(required=True)
    already_fixed = fields.String(required=True)
    decision_maker = fields.String(
        required=True, allow_none=True, validate=validate.OneOf(_values(DecisionMaker))
    )
    decision_timing = fields.String(required=True)
    input_use = fields.String(required=True)
    feedback_by = fields.Date(required=True, allow_none=True)


class ProcessSummarySchema(Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    topic = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(_values(ProcessState)))
    formats = fields.List(fields.String(), required=True)
    starts_at = fields.DateTime(required=True, allow_none=True)
    ends_at = fields.DateTime(required=True, allow_none=True)
    phases = fields.List(fields.Nested(PhaseSchema), required=True)
    url = fields.Url(required=True)


class ProcessSchema(ProcessSummarySchema):
    description = fields.String(required=True, metadata={"description": "Sanitised HTML."})
    visibility = fields.String(required=True, validate=validate.OneOf(_values(ProcessVisibility)))
    concept = fields.Nested(ConceptSchema, required=True)
    contact_name = fields.String(required=True)
    contact_details = fields.String(required=True)
    published_at = fields.DateTime(required=True, allow_none=True)
    archived_at = fields.DateTime(required=True, allow_none=True)
    documents = fields.List(
        fields.Nested(DocumentSchema),
        required=True,
        metadata={"description": "The process's own documents first, then its phases'."},
    )


class ProcessListSchema(Schema):
    items = fields.List(fields.Nested(ProcessSummarySchema), required=True)
    pagination = fields.Nested(PaginationSchema, required=True)


class CategorySchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class ProposalSummarySchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    excerpt = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(_values(ProposalStatus)))
    withdrawn = fields.Boolean(required=True)
    category = fields.Nested(CategorySchema, required=True, allow_none=True)
    author = fields.Nested(AuthorSchema, required=True)
    supports = fields.Integer(required=True)
    comments = fields.Integer(required=True)
    address = fields.String(required=True)
    latitude = fields.Float(required=True, allow_none=True)
    longitude = fields.Float(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    url = fields.Url(required=True)


class ProposalListSchema(Schema):
    items = fields.List(fields.Nested(ProposalSummarySchema), required=True)
    pagination = fields.Nested(CursorSchema, required=True)


class OfficialAnswerSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(_values(ProposalStatus)))
    response = fields.String(required=True, metadata={"description": "Sanitised HTML."})
    office = fields.String(required=True)
    merged_into = fields.Integer(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    documents = fields.List(
        fields.Nested(DocumentSchema),
        required=True,
        metadata={"description": "Documents the answer cites; empty while the proposal is hidden."},
    )


class ProposalSchema(Schema):
    """A proposal; one hidden by moderation keeps only its number, status and the reason."""

    id = fields.Integer(required=True)
    visibility = fields.String(
        required=True,
        validate=validate.OneOf(
            [
                ContributionVisibility.VISIBLE.value,
                ContributionVisibility.HIDDEN.value,
                ContributionVisibility.DELETED.value,
            ]
        ),
    )
    hidden_reason = fields.String(required=True, allow_none=True)
    title = fields.String(required=True, allow_none=True)
    description = fields.String(
        required=True, allow_none=True, metadata={"description": "Sanitised HTML."}
    )
    status = fields.String(required=True, validate=validate.OneOf(_values(ProposalStatus)))
    withdrawn = fields.Boolean(required=True)
    category = fields.Nested(CategorySchema, required=True, allow_none=True)
    author = fields.Nested(AuthorSchema, required=True, allow_none=True)
    supports = fields.Integer(required=True)
    comments = fields.Integer(required=True)
    address = fields.String(required=True, allow_none=True)
    latitude = fields.Float(required=True, allow_none=True)
    longitude = fields.Float(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    answered_at = fields.DateTime(required=True, allow_none=True)
    official_answers = fields.List(fields.Nested(OfficialAnswerSchema), required=True)
    url = fields.Url(required=True)


class CommentSchema(Schema):
    """A comment; hidden and deleted ones appear as placeholders without text or author."""

    id = fields.Integer(required=True)
    parent_id = fields.Integer(required=True, allow_none=True)
    depth = fields.Integer(required=True)
    shown = fields.String(
        required=True, validate=validate.OneOf(["visible", "hidden", "deleted", "pending"])
    )
    hidden_reason = fields.String(required=True, allow_none=True)
    body = fields.String(
        required=True, allow_none=True, metadata={"description": "Sanitised HTML."}
    )
    author = fields.Nested(AuthorSchema, required=True, allow_none=True)
    official_answer = fields.Boolean(required=True)
    agree = fields.Integer(required=True)
    disagree = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    edited_at = fields.DateTime(required=True, allow_none=True)


class CommentListSchema(Schema):
    items = fields.List(fields.Nested(CommentSchema), required=True)
    pagination = fields.Nested(CursorSchema, required=True)


class SurveySummarySchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    results_public = fields.Boolean(required=True)
    url = fields.Url(required=True)


class SurveyListSchema(Schema):
    items = fields.List(fields.Nested(SurveySummarySchema), required=True)


class ResultRowSchema(Schema):
    label = fields.String(required=True)
    count = fields.Integer(required=True)
    percent = fields.Float(required=True)
    is_other = fields.Boolean(required=True)


class AverageRankSchema(Schema):
    label = fields.String(required=True)
    average = fields.Float(required=True)
    count = fields.Integer(required=True)


class QuestionResultSchema(Schema):
    id = fields.Integer(required=True)
    text = fields.String(required=True)
    type = fields.String(required=True)
    answered = fields.Integer(required=True)
    rows = fields.List(fields.Nested(ResultRowSchema), required=True)
    mean = fields.Float(required=True, allow_none=True)
    median = fields.Float(required=True, allow_none=True)
    average_ranks = fields.List(fields.Nested(AverageRankSchema), required=True)


class SurveyResultsSchema(Schema):
    """Aggregated figures only: no single response, no free text, no breakdown by group."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    responses = fields.Integer(required=True)
    questions = fields.List(fields.Nested(QuestionResultSchema), required=True)


# --- write bodies -------------------------------------------------------------------------------


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


def _text(max_length: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(max=max_length), **kwargs)


class ProcessWriteSchema(StrictSchema):
    """A process's fields; on update, fields left out keep their values."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    slug = _text(80)
    summary = _text(500)
    description = _text(20_000)
    topic = _text(80)
    visibility = fields.String(validate=validate.OneOf(_values(ProcessVisibility)))
    contact_name = _text(120)
    contact_email = fields.Email(
        allow_none=True,
        validate=validate.Length(max=254),
        load_only=True,
        metadata={"description": "Stored for the back office; never returned by the API."},
    )
    contact_details = _text(1000)
    goal = _text(20_000)
    question = _text(20_000)
    open_to_influence = _text(20_000)
    already_fixed = _text(20_000)
    decision_maker = fields.String(allow_none=True, validate=validate.OneOf(_values(DecisionMaker)))
    decision_timing = _text(200)
    input_use = _text(20_000)
    feedback_by = fields.Date(allow_none=True, validate=_plausible)
    reminder_hours = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=24 * 14))
    formats = fields.List(fields.String(validate=validate.Length(max=40)))


class ProcessUpdateSchema(ProcessWriteSchema):
    title = fields.String(validate=validate.Length(min=1, max=200))


class PhaseWriteSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(_values(PhaseKind)))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = _text(20_000)
    starts_at = fields.AwareDateTime(
        required=True,
        validate=_plausible,
        metadata={"description": "With a time zone, e.g. 2026-05-01T09:00:00+02:00"},
    )
    ends_at = fields.AwareDateTime(required=True, validate=_plausible)

    @validates_schema
    def _ends_after_start(self, data, **kwargs) -> None:
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            raise ValidationError(_("The end must be after the start."), "ends_at")


class PhaseUpdateSchema(PhaseWriteSchema):
    kind = fields.String(validate=validate.OneOf(_values(PhaseKind)))
    title = fields.String(validate=validate.Length(min=1, max=200))
    starts_at = fields.AwareDateTime(validate=_plausible)
    ends_at = fields.AwareDateTime(validate=_plausible)


class StatusChangeSchema(StrictSchema):
    status = fields.String(
        required=True, validate=validate.OneOf([s.value for s in ANSWER_STATUSES])
    )
    response = fields.String(
        required=True,
        validate=validate.Length(min=1, max=20_000),
        metadata={"description": "The official answer; simple HTML or blank-line paragraphs."},
    )
    office = fields.String(required=True, validate=validate.Length(min=1, max=OFFICE_MAX))
    merged_into = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "For status merged: the number of the proposal it joins."},
    )


class OutcomeSchema(Schema):
    """The published outcome of a process: what became of the input."""

    summary = fields.String(required=True, metadata={"description": "Sanitised HTML."})
    next_steps = fields.String(required=True, metadata={"description": "Sanitised HTML."})
    next_steps_by = fields.Date(required=True, allow_none=True)
    published_at = fields.DateTime(required=True)
    adopted_proposals = fields.List(fields.Integer(), required=True)
    documents = fields.List(fields.Nested(DocumentSchema), required=True)


class CouncilDecisionSchema(Schema):
    id = fields.Integer(required=True)
    proposal_id = fields.Integer(
        required=True, allow_none=True, metadata={"description": "Empty: on the whole process."}
    )
    decided_on = fields.Date(required=True)
    body = fields.String(required=True, metadata={"description": "The deciding body."})
    reference = fields.String(required=True, metadata={"description": "Drucksache."})
    votes_for = fields.Integer(required=True, allow_none=True)
    votes_against = fields.Integer(required=True, allow_none=True)
    abstentions = fields.Integer(required=True, allow_none=True)
    text = fields.String(required=True, metadata={"description": "Sanitised HTML."})


class CouncilDecisionListSchema(Schema):
    items = fields.List(fields.Nested(CouncilDecisionSchema), required=True)
