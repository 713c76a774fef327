"""Forms of comment threads. Each form on a thread page has its own prefix, so that field ids stay
unique when a reply form opens next to the new-comment form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from app.comments.services import MAX_LENGTH
from app.core.forms import strip_filter, writing_help

BODY_HELP = writing_help(MAX_LENGTH)


def _body_field(label, rows: int) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            DataRequired(message=_l("Please write a comment.")),
            Length(
                max=MAX_LENGTH,
                message=_l("At most %(max)d characters, please shorten the text.", max=MAX_LENGTH),
            ),
        ],
        description=BODY_HELP,
        filters=[strip_filter],
        render_kw={"rows": rows, "data-maxlength": MAX_LENGTH},
    )


class CommentForm(FlaskForm):
    body = _body_field(_l("Your comment"), 5)
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Publish comment"))


class ReplyForm(CommentForm):
    body = _body_field(_l("Your reply"), 4)
    submit = SubmitField(_l("Publish reply"))


class EditForm(CommentForm):
    submit = SubmitField(_l("Save changes"))


class ReactionForm(FlaskForm):
    """The button pressed says what the reaction becomes: agree, disagree, or none (withdrawn)."""

    reaction = StringField(validators=[AnyOf(["agree", "disagree", "none"])])


class OfficialForm(FlaskForm):
    mark = StringField(validators=[AnyOf(["1", "0"])])
