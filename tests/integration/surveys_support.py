"""The survey the route matrix runs against: published in the matrix's process, members answer,
results live (so that the results pages are public), one question of each kind the routes need."""

from __future__ import annotations

from typing import Any


def survey_matrix_ids(app, process) -> dict[str, Any]:
    from app.extensions import db
    from app.surveys.models import Option, Question, QuestionType, Survey

    with app.app_context():
        survey = Survey(
            municipality_id=process.municipality_id,
            process_id=process.id,
            title="Matrix-Umfrage",
            state="published",
            results_visibility="live",
        )
        choice = Question(type=QuestionType.SINGLE, text="Wahl", required=True, position=0)
        choice.options = [Option(label="A", position=0), Option(label="B", position=1)]
        text = Question(type=QuestionType.LONG_TEXT, text="Idee", position=1)
        survey.questions = [choice, text]
        db.session.add(survey)
        db.session.commit()
        return {
            "survey_process": process.id,
            "survey": survey.id,
            "survey_question": choice.id,
            "survey_option": choice.options[0].id,
            "survey_text_question": text.id,
        }
