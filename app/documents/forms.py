"""Forms of the documents back office; the file itself is checked by ``files`` (bytes, not names)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from app.core.forms import strip_filter, text_field
from app.documents import files
from app.documents.services import LANGUAGES


class DocumentDetailsForm(FlaskForm):
    title = text_field(_l("Title"), max_length=200)
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=2000)],
        filters=[strip_filter],
        description=_l("What the document is and why it matters for the process."),
        render_kw={"rows": 3},
    )
    alt_text = TextAreaField(
        _l("Text alternative or summary"),
        validators=[Optional(), Length(max=2000)],
        filters=[strip_filter],
        description=_l(
            "For images, required: what the image shows, for people who cannot see it. "
            "For documents: a short summary of the content."
        ),
        render_kw={"rows": 3},
    )
    language = SelectField(_l("Language"), choices=[], default="de")
    target = SelectField(_l("Shown with"), choices=[], default="process")
    submit = SubmitField(_l("Save"))

    def set_choices(self, targets) -> None:
        self.language.choices = [(code, str(label)) for code, label in LANGUAGES.items()]
        self.target.choices = [(choice.value, choice.label) for choice in targets]


class UploadForm(DocumentDetailsForm):
    file = FileField(
        _l("File"),
        validators=[FileRequired(_l("Please choose a file."))],
        description=_l(
            "PDF, images (PNG, JPEG, WebP) or office documents (Word, Excel, PowerPoint, "
            "OpenDocument)."
        ),
        render_kw={"accept": files.ACCEPT},
    )
    submit = SubmitField(_l("Upload document"))


class DeleteForm(FlaskForm):
    confirm = BooleanField(_l("Yes, delete the document although it is cited"))
    reason = TextAreaField(
        _l("Reason (for the audit log)"),
        validators=[Optional(), Length(max=500)],
        filters=[strip_filter],
        render_kw={"rows": 2},
    )
    submit = SubmitField(_l("Delete document"))
