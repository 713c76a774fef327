"""Survey pages (``/<slug>/processes/<process_slug>/surveys/...``) and the builder in the back office
(``/<slug>/admin/...``). Views parse, call a service, render; one commit per request.

The package keeps one module per part; importing it registers every route on ``bp``.
"""

from __future__ import annotations

from app.surveys.views.admin import (  # noqa: F401
    admin_delete,
    admin_edit,
    admin_index,
    admin_new,
    admin_preview,
    admin_publish,
    admin_survey,
    admin_unpublish,
    export_csv,
    export_xlsx,
    surveys_admin_link,
)
from app.surveys.views.common import (  # noqa: F401
    BROWSER_COOKIE,
    BROWSER_MAX_AGE,
    TEXTS_PER_PAGE,
    bp,
    number_filter,
    percent_filter,
)
from app.surveys.views.public import (  # noqa: F401
    index,
    show,
    survey_results,
    texts,
)
from app.surveys.views.questions import (  # noqa: F401
    admin_delete_option,
    admin_delete_question,
    admin_edit_option,
    admin_edit_question,
    admin_move_option,
    admin_move_question,
    admin_new_option,
    admin_new_question,
)
