"""All responses of a survey as CSV (UTF-8 with BOM, semicolons) and XLSX.

One row per response, one column per question, or per option where a question has several values
(multiple choice: 1 or empty; ranking: the rank). Anonymous surveys export no account (they store
none); named ones export no names either: the evaluation needs the answers and the trialog group.
Free texts that moderation hid or that await moderation are replaced by a marker. A trialog group
with fewer responses than ``MIN_GROUP_SIZE`` is not named in the group column (its respondents
could be recognised); a marker stands there instead.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import select

from app.contributions.models import Contribution
from app.contributions.models import Visibility as ContributionVisibility
from app.core.spreadsheets import csv_pieces, minute_formatter, read_only
from app.extensions import db
from app.surveys import results
from app.surveys.models import Answer, Question, QuestionType, Response, Survey


def _columns(survey: Survey) -> list[tuple[str, tuple]]:
    """Column titles and the key each response's values are filed under."""
    columns: list[tuple[str, tuple]] = [
        (_("Response"), ("id",)),
        (_("Group"), ("group",)),
        (_("Date"), ("date",)),
    ]
    for number, question in enumerate(survey.questions, 1):
        head = f"{number}. {question.text}"
        if question.type in (QuestionType.MULTIPLE, QuestionType.RANKING):
            for option in question.options:
                columns.append((f"{head}: {option.label}", (question.id, option.id)))
        else:
            columns.append((head, (question.id, None)))
        if question.type.is_choice and question.allow_other:
            columns.append((f"{head}: {_('Other, namely')}", (question.id, "other")))
    return columns


def _rows(survey: Survey) -> Iterator[list]:
    """The header, then one list per response, from one query streamed in response order."""
    columns = _columns(survey)
    yield [title for title, _key in columns]
    questions: dict[int, Question] = {q.id: q for q in survey.questions}
    labels = {o.id: o.label for q in survey.questions for o in q.options}
    hidden = _("[hidden by moderation]")
    small = results.small_groups_of(survey)
    small_group = _("[group with fewer than %(num)d people]", num=results.min_group_size())
    query = (
        select(
            Response.id,
            Response.author_group,
            Response.created_at,
            Answer.question_id,
            Answer.option_id,
            Answer.value_int,
            Answer.text,
            Contribution.visibility,
        )
        .join(Answer, Answer.response_id == Response.id, isouter=True)
        .join(Contribution, Contribution.id == Answer.contribution_id, isouter=True)
        .where(Response.survey_id == survey.id)
        .order_by(Response.id, Answer.id)
        .execution_options(yield_per=2000)
    )
    minute = minute_formatter()
    current: int | None = None
    values: dict[tuple, object] = {}
    for response_id, group, created_at, qid, oid, value, text, visibility in db.session.execute(
        query
    ):
        if response_id != current:
            if current is not None:
                yield [values.get(key, "") for _title, key in columns]
            current = response_id
            values = {
                ("id",): response_id,
                ("group",): small_group if group in small else group.label,
                ("date",): minute(created_at),
            }
        if qid is None:
            continue
        question = questions[qid]
        if text is not None and visibility != ContributionVisibility.VISIBLE:
            text = hidden
        if question.type == QuestionType.MULTIPLE and oid is not None:
            values[(qid, oid)] = 1
        elif question.type == QuestionType.RANKING:
            values[(qid, oid)] = value
        elif question.type.is_choice:
            if oid is not None:
                values[(qid, None)] = labels[oid]
            else:
                values[(qid, "other")] = text
                values.setdefault((qid, None), _("Other"))
        elif question.type == QuestionType.YES_NO:
            values[(qid, None)] = _("Yes") if value == 1 else _("No")
        elif question.type == QuestionType.SCALE:
            values[(qid, None)] = value
        else:
            values[(qid, None)] = text
    if current is not None:
        yield [values.get(key, "") for _title, key in columns]


CSV_CHUNK_ROWS = 500


def iter_csv(survey: Survey) -> Iterator[bytes]:
    """The file in pieces of ``CSV_CHUNK_ROWS`` responses, so a view can stream it."""
    read_only()
    return csv_pieces(_rows(survey), CSV_CHUNK_ROWS)


def to_csv(survey: Survey) -> bytes:
    """The whole CSV file at once (``iter_csv`` in one piece)."""
    return b"".join(iter_csv(survey))


def _xlsx_cell(sheet, value: object) -> WriteOnlyCell:
    """A cell that holds text as text, even text that starts like a formula."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def to_xlsx(survey: Survey) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Responses")[:31])
    for row in _rows(survey):
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
