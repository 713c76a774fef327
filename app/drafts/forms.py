"""Forms of draft texts: the editor, the import, publishing and the handling mark."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, Length, Optional

from app.core.forms import strip_filter, text_field
from app.drafts.models import HANDLING_LABELS, Handling
from app.drafts.services import MAX_REASON

MAX_BODY = 400_000
MAX_UPLOAD = 4 * 1024 * 1024


class NewDraftForm(FlaskForm):
    title = text_field(_l("Title"), max_length=200)
    submit = SubmitField(_l("Create draft text"))


class EditorForm(FlaskForm):
    title = text_field(_l("Title"), max_length=200)
    introduction = TextAreaField(
        _l("Introduction"),
        validators=[Optional(), Length(max=20_000)],
        description=_l("Shown above the chapters. Not commented paragraph by paragraph."),
        filters=[strip_filter],
        render_kw={"rows": 5},
    )
    body = TextAreaField(
        _l("Text"),
        validators=[Length(max=MAX_BODY)],
        description=_l(
            "A line beginning with “## ” starts a chapter. Blank lines separate paragraphs; each "
            "paragraph can be commented on its own. **bold**, *italic*, lists with “- ” and links "
            "are kept."
        ),
        filters=[strip_filter],
        render_kw={"rows": 24},
    )
    change_note = TextAreaField(
        _l("What changed in this version"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Shown to readers of the new version. Leave empty for the first version."),
        filters=[strip_filter],
        render_kw={"rows": 3},
    )
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Save"))


class ImportForm(FlaskForm):
    file = FileField(
        _l("Word or Markdown file"),
        validators=[
            FileRequired(message=_l("Please choose a file.")),
            FileAllowed(
                ["docx", "md", "markdown", "txt"],
                _l("Please choose a Word file (.docx) or a Markdown file (.md)."),
            ),
            FileSize(MAX_UPLOAD, message=_l("The file is larger than 4 MB.")),
        ],
        description=_l(
            "Headings become chapters, paragraphs stay paragraphs; text before the first heading "
            "becomes the introduction. You see a preview before anything is saved."
        ),
    )
    submit = SubmitField(_l("Show preview"))


class HandlingForm(FlaskForm):
    outcome = RadioField(
        _l("Taken into the next version"),
        choices=[SelectChoice(h.value, HANDLING_LABELS[h]) for h in Handling]
        + [SelectChoice("", _l("Not marked yet"))],
        validators=[AnyOf([h.value for h in Handling] + [""])],
        default="",
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[Optional(), Length(max=MAX_REASON)],
        description=_l("Needed when a comment is not or only partly adopted. Shown publicly."),
        filters=[strip_filter],
        render_kw={"rows": 2},
    )
    submit = SubmitField(_l("Save mark"))
