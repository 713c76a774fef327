"""The rules of surveys: building them, who may answer when, and storing answers.

Services flush, never commit; the request commits once. They raise ``SurveyError`` subclasses whose
``str()`` is a message for the person.

The package keeps one module per job; everything is importable from here as before.
"""

from __future__ import annotations

from app.surveys.services.availability import (  # noqa: F401
    answer_gate,
    has_answered,
    is_closed,
    may_change,
    own_response,
    results_public,
    survey_window,
    token_hash,
)
from app.surveys.services.building import (  # noqa: F401
    STRUCTURAL,
    add_option,
    add_question,
    create_survey,
    delete_option,
    delete_question,
    delete_survey,
    missing_for_publication,
    move_option,
    move_question,
    publish,
    unpublish,
    update_option,
    update_question,
    update_survey,
)
from app.surveys.services.common import (  # noqa: F401
    KIND,
    LONG_TEXT_MAX,
    OTHER,
    OTHER_TEXT_MAX,
    SCALES,
    SHORT_TEXT_MAX,
    AlreadyAnswered,
    AnswersInvalid,
    AnswersLocked,
    QuestionData,
    Respondent,
    Submitted,
    SurveyClosed,
    SurveyData,
    SurveyError,
    SurveyInvalid,
    SurveyLocked,
    Value,
    get_option,
    get_question,
    get_survey,
    has_responses,
    hold_structure,
    lock_message,
    response_counts,
    survey_of_text,
    surveys_of,
)
from app.surveys.services.responses import (  # noqa: F401
    change_refusal,
    submit_response,
    submitted_from_response,
    validate_answers,
)
