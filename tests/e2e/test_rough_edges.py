"""What a new user saw go wrong, seen in a real browser: ranking selects, narrow screens."""

from __future__ import annotations

from e2e_support import E2E_MARKS, log_in
from sqlalchemy import select

pytestmark = E2E_MARKS

SOFT_HYPHEN = "\u00ad"


def _demo_ranking(live_server) -> tuple[str, int, list[int]]:
    """The demo survey's address, its ranking question and that question's option ids."""
    from app.extensions import db
    from app.surveys.models import Question, QuestionType, Survey

    with live_server.app.app_context():
        question = db.session.scalar(select(Question).where(Question.type == QuestionType.RANKING))
        survey = db.session.get(Survey, question.survey_id)
        url = f"/{survey.process.municipality.slug}/processes/{survey.process.slug}/surveys/{survey.id}/"
        return url, question.id, [option.id for option in question.options]


def test_giving_a_rank_twice_moves_the_other_option_to_a_free_rank(new_context, live_server):
    url, question_id, option_ids = _demo_ranking(live_server)
    page = new_context().new_page()
    log_in(page, "buerger@musterstadt.example")
    page.goto(url)
    first, second, third, fourth = (f"#q{question_id}_rank_{oid}" for oid in option_ids[:4])
    page.select_option(first, "1")
    page.select_option(second, "1")  # the first had 1: it takes the lowest rank still free
    assert page.input_value(second) == "1"
    assert page.input_value(first) == "2"
    page.select_option(third, "3")
    page.select_option(fourth, "2")  # swaps with the one that had 2
    # the first had 2, so it moves on to the rank still free; none is left blank
    values = [page.input_value(s) for s in (first, second, third, fourth)]
    assert values == ["4", "1", "3", "2"]


def test_phones_see_cards_without_broken_words_or_a_wider_page(new_context):
    page = new_context(width=360, height=740).new_page()
    page.goto("/musterstadt/")
    titles = page.locator(".process-card h3").all_text_contents()
    assert titles and any(SOFT_HYPHEN in title for title in titles)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide at 360 px"
