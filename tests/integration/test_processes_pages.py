"""The public side of processes: the municipality's list, the process page with its concept and
timeline, visibility of drafts, archived and members-only processes, and following."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from app.core.roles import Role
from app.core.time import utcnow
from app.extensions import db
from app.processes.models import PhaseKind, ProcessFollow
from tests.conftest import XSS

DAY = timedelta(days=1)


def _url(municipality, process) -> str:
    return f"/{municipality.slug}/processes/{process.slug}/"


def _english(client) -> None:
    client.get("/lang/en")


# --- the process page ---------------------------------------------------------------------------


def test_process_page_shows_the_whole_participation_concept(
    client, make_municipality, make_process
):
    town = make_municipality(xss=False)
    process = make_process(town, xss=False, feedback_by=(utcnow() + 60 * DAY).date())
    _english(client)
    page = client.get(_url(town, process)).get_data(as_text=True)
    for heading in (
        "The participation concept",
        "Goal",
        "Our question to you",
        "What you can influence",
        "What is already fixed",
        "Who decides, and when",
        "What happens with your input",
        "Our promise",
    ):
        assert heading in page, heading
    for text in ("goal 1", "question 1", "open_to_influence 1", "already_fixed 1", "input_use 1"):
        assert text in page
    assert "The municipal council \u2013 Im Herbst" in page
    assert "You will hear back by" in page


def test_timeline_is_an_ordered_list_marking_the_current_phase(
    client, make_municipality, make_process
):
    town = make_municipality(xss=False)
    now = utcnow()
    process = make_process(
        town,
        xss=False,
        phases=[
            (PhaseKind.INFORMATION, now - 10 * DAY, now - DAY),
            (PhaseKind.PARTICIPATION, now - DAY, now + DAY),
            (PhaseKind.EVALUATION, now + DAY, now + 10 * DAY),
        ],
    )
    page = client.get(_url(town, process)).get_data(as_text=True)
    timeline = page[
        page.index('<ol class="timeline">') : page.index(
            "</ol>", page.index('<ol class="timeline">')
        )
    ]
    assert timeline.count("<li") == 3
    assert timeline.count('aria-current="step"') == 1
    current = timeline[timeline.index('aria-current="step"') :]
    assert "Phase 2" in current[: current.index("</li>")]


def test_phase_times_are_shown_in_berlin_time(client, make_municipality, make_process):
    from datetime import UTC, datetime

    town = make_municipality(xss=False)
    start = datetime(2030, 7, 1, 8, 0, tzinfo=UTC)  # 10:00 in Berlin (summer time)
    end = datetime(2030, 12, 1, 8, 0, tzinfo=UTC)  # 09:00 in Berlin (winter time)
    process = make_process(town, xss=False, phases=[(PhaseKind.PARTICIPATION, start, end)])
    page = client.get(_url(town, process)).get_data(as_text=True)
    assert "01.07.2030, 10:00" in page
    assert "01.12.2030, 09:00" in page


def test_open_participation_tells_anonymous_visitors_to_log_in(
    client, make_municipality, make_process
):
    town = make_municipality(xss=False)
    process = make_process(town, xss=False)
    _english(client)
    page = client.get(_url(town, process)).get_data(as_text=True)
    assert "Participation is open until" in page
    assert "Log in to take part" in page


def test_closed_phase_says_why_and_when_participation_opens(
    client, make_municipality, make_process
):
    town = make_municipality(xss=False)
    now = utcnow()
    process = make_process(
        town,
        xss=False,
        phases=[
            (PhaseKind.INFORMATION, now - DAY, now + DAY),
            (PhaseKind.PARTICIPATION, now + DAY, now + 5 * DAY),
        ],
    )
    _english(client)
    page = client.get(_url(town, process)).get_data(as_text=True)
    assert "Contributions are closed right now." in page
    assert "Participation opens on" in page


def test_members_are_told_participation_is_open_without_a_login_prompt(
    client, login, make_municipality, make_member, make_process
):
    town = make_municipality(xss=False)
    process = make_process(town, xss=False)
    login(client, make_member(town, Role.CITIZEN))
    _english(client)
    page = client.get(_url(town, process)).get_data(as_text=True)
    assert "Participation is open until" in page
    assert "Log in to take part" not in page


def test_non_members_are_offered_to_join(client, login, make_municipality, make_user, make_process):
    town = make_municipality(xss=False)
    process = make_process(town, xss=False)
    login(client, make_user())
    _english(client)
    page = client.get(_url(town, process)).get_data(as_text=True)
    assert "Join Gemeinde" in page


@pytest.fixture
def test_formats(monkeypatch):
    """Two formats of our own: one still without a page, one with a page and a count."""
    from app.processes import formats

    monkeypatch.setattr(formats, "_FORMATS", dict(formats._FORMATS))
    formats.register_format(formats.Format("planned", "Planned format"))
    formats.register_format(
        formats.Format(
            "built",
            "Built format",
            url=lambda process: f"/built/{process.slug}",
            count=lambda ids: dict.fromkeys(ids, 7),
        )
    )


def test_formats_without_pages_are_shown_as_coming_not_as_links(
    client, make_municipality, make_process, test_formats
):
    town = make_municipality(xss=False)
    process = make_process(town, xss=False, formats=("planned", "built"))
    _english(client)
    page = client.get(_url(town, process)).get_data(as_text=True)
    assert '<span class="format-label">Planned format</span>' in page
    assert page.count("coming with a later update") == 1
    assert (
        f'<a href="/built/{process.slug}">Built format</a> <span class="count">(7)</span>' in page
    )


def test_formats_that_are_off_are_not_listed(client, make_municipality, make_process, test_formats):
    town = make_municipality(xss=False)
    process = make_process(town, xss=False, formats=("built",))
    page = client.get(_url(town, process)).get_data(as_text=True)
    assert "Planned format" not in page


def test_a_format_page_can_replace_its_placeholder_but_not_another_page(test_formats):
    from app.processes import formats

    formats.register_format(formats.Format("planned", "Planned", url=lambda p: "/x"))
    assert formats.get_format("planned").has_page
    with pytest.raises(ValueError, match="registered twice"):
        formats.register_format(formats.Format("built", "Again", url=lambda p: "/y"))


def test_the_three_known_formats_are_registered():
    from app.processes import formats

    assert {"proposals", "surveys", "comments"} <= {f.key for f in formats.all_formats()}


def test_the_process_page_asks_every_format_for_its_count_in_one_statement(
    app, client, make_municipality, make_process, test_formats
):
    town = make_municipality(xss=False)
    keys = ("proposals", "surveys", "comments", "built")
    process = make_process(town, xss=False, formats=keys)
    statements = _statements(app, client, _url(town, process))
    counting = [s for s in statements if "proposal_counts" in s or "FROM surveys" in s]
    assert len(counting) == 1 and "UNION ALL" in counting[0]
    assert not [s for s in statements if "process_threads" in s and s not in counting]
    page = client.get(_url(town, process)).get_data(as_text=True)
    assert page.count('<span class="count">(0)</span>') == 3  # nothing written yet
    assert '<span class="count">(7)</span>' in page  # a format without a statement still counts


def test_format_counts_in_one_statement_match_each_formats_own_count(
    app, make_municipality, make_process, make_member
):
    from app.comments import services as comments
    from app.processes import formats
    from app.processes.models import Process

    town = make_municipality(xss=False)
    counted = make_process(town, xss=False, formats=("proposals", "surveys", "comments"))
    empty = make_process(town, xss=False, formats=("proposals", "surveys", "comments"))
    author = make_member(town, Role.CITIZEN)
    with app.test_request_context():
        from app.accounts.models import User

        process = db.session.get(Process, counted.id)
        writer = db.session.get(User, author.id)
        comments.post_comment(writer, comments.thread_for_process(process), process, "Kommentar")
        db.session.commit()
        ids = [counted.id, empty.id]
        keys = ["proposals", "surveys", "comments"]
        together = formats.counts(keys, ids)
        each = {key: formats.get_format(key).count(ids) for key in keys}
        for key in keys:
            for process_id in ids:
                assert together[key].get(process_id, 0) == each[key].get(process_id, 0)
        assert together["comments"][counted.id] == 1


def test_xss_payloads_in_every_field_never_come_back(
    client, login, make_municipality, make_member, make_process
):
    town = make_municipality()
    process = make_process(town, formats=("proposals",))
    staff = make_member(town, Role.STAFF)
    login(client, staff)
    pages = [
        client.get(_url(town, process)),
        client.get(f"/{town.slug}/"),
        client.get(f"/{town.slug}/admin/processes/"),
        client.get(f"/{town.slug}/admin/processes/{process.id}/"),
        client.get(f"/{town.slug}/admin/processes/{process.id}/preview"),
        client.get(f"/{town.slug}/admin/processes/{process.id}/edit"),
    ]
    for response in pages:
        assert response.status_code == 200
        assert XSS not in response.get_data(as_text=True)
    show = pages[0].get_data(as_text=True)
    assert "Verfahren 1&lt;script&gt;" in show  # plain fields escaped
    assert "goal 1window.__xss=1" in show  # rich fields: the tag stripped, the text kept


# --- visibility ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (None, 404),
        (Role.CITIZEN, 404),
        (Role.MODERATOR, 404),
        (Role.COUNCIL, 404),
        (Role.STAFF, 200),
        (Role.FACILITATOR, 200),
        (Role.ADMIN, 200),
    ],
)
def test_draft_exists_only_for_those_who_manage_processes(
    client, login, make_municipality, make_member, make_process, role, status
):
    town = make_municipality(xss=False)
    draft = make_process(town, state="draft")
    if role is not None:
        login(client, make_member(town, role))
    assert client.get(_url(town, draft)).status_code == status
    listing = client.get(f"/{town.slug}/").get_data(as_text=True)
    assert draft.slug not in listing  # drafts never appear in the public list


def test_another_municipalitys_staff_cannot_see_or_manage_a_draft(
    client, login, make_municipality, make_member, make_process
):
    town = make_municipality(xss=False)
    other = make_municipality(xss=False)
    draft = make_process(town, state="draft")
    login(client, make_member(other, Role.ADMIN))
    assert client.get(_url(town, draft)).status_code == 404
    assert client.get(f"/{town.slug}/admin/processes/{draft.id}/").status_code == 403
    # their own back office does not find the other municipality's process by id
    login(client, make_member(other, Role.STAFF))
    assert client.get(f"/{other.slug}/admin/processes/{draft.id}/").status_code == 404
    assert client.get(f"/{other.slug}/admin/processes/{draft.id}/preview").status_code == 404
    assert client.get(f"/{other.slug}/processes/{draft.slug}/").status_code == 404


def test_archived_process_stays_readable_and_closed(client, make_municipality, make_process):
    town = make_municipality(xss=False)
    archived = make_process(town, xss=False, state="archived")
    _english(client)
    page = client.get(_url(town, archived)).get_data(as_text=True)
    assert "This process is archived" in page
    assert "contributions are closed" in page


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("member", 200),
        ("outsider", 403),
        ("other_staff", 403),
        ("platform_admin", 200),
    ],
)
def test_members_only_process_is_for_members(
    client, login, make_municipality, make_member, make_user, make_process, who, status
):
    town = make_municipality(xss=False)
    other = make_municipality(xss=False)
    process = make_process(town, xss=False, visibility="members")
    users = {
        "member": lambda: make_member(town, Role.CITIZEN),
        "outsider": make_user,
        "other_staff": lambda: make_member(other, Role.STAFF),
        "platform_admin": lambda: make_user(is_platform_admin=True),
    }
    if who != "anonymous":
        login(client, users[who]())
    response = client.get(_url(town, process))
    assert response.status_code == status
    if who == "anonymous":
        assert "/login" in response.headers["Location"]
    listed = process.slug in client.get(f"/{town.slug}/").get_data(as_text=True)
    assert listed is (status == 200)


def test_process_slug_of_another_municipality_is_not_found(client, make_municipality, make_process):
    town = make_municipality(xss=False)
    other = make_municipality(xss=False)
    process = make_process(town, xss=False)
    assert client.get(f"/{other.slug}/processes/{process.slug}/").status_code == 404


# --- following ----------------------------------------------------------------------------------


def _follows(app, user) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(ProcessFollow.id)).where(ProcessFollow.user_id == user.id)
        )


def test_logged_in_user_follows_once_and_unfollows(
    app, client, login, make_municipality, make_user, make_process
):
    town = make_municipality(xss=False)
    process = make_process(town, xss=False)
    user = make_user()
    login(client, user)
    for _ in range(2):
        assert client.post(_url(town, process) + "follow").status_code == 302
    assert _follows(app, user) == 1
    _english(client)
    assert "You follow this process." in client.get(_url(town, process)).get_data(as_text=True)
    client.post(_url(town, process) + "unfollow")
    assert _follows(app, user) == 0


def test_anonymous_visitors_must_log_in_to_follow(client, make_municipality, make_process):
    town = make_municipality(xss=False)
    process = make_process(town, xss=False)
    response = client.post(_url(town, process) + "follow")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("state", ["draft", "archived"])
def test_drafts_and_archived_processes_cannot_be_followed(
    app, client, login, make_municipality, make_member, make_process, state
):
    town = make_municipality(xss=False)
    process = make_process(town, xss=False, state=state)
    staff = make_member(town, Role.STAFF)
    login(client, staff)
    assert client.post(_url(town, process) + "follow").status_code == 403
    assert _follows(app, staff) == 0


def test_follow_is_unique_per_user_and_process_in_the_database(
    app, make_municipality, make_user, make_process
):
    from sqlalchemy.exc import IntegrityError

    town = make_municipality(xss=False)
    process = make_process(town, xss=False)
    user = make_user()
    with app.app_context():
        db.session.add_all(
            [
                ProcessFollow(user_id=user.id, process_id=process.id),
                ProcessFollow(user_id=user.id, process_id=process.id),
            ]
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


# --- the municipality's list --------------------------------------------------------------------


@pytest.fixture
def three_kinds(make_municipality, make_process):
    town = make_municipality(xss=False)
    now = utcnow()
    current = make_process(town, xss=False, topic="Mobilität", title="Laufend")
    upcoming = make_process(
        town,
        xss=False,
        topic="Klima",
        title="Bald",
        phases=[(PhaseKind.INFORMATION, now + DAY, now + 2 * DAY)],
    )
    past = make_process(
        town,
        xss=False,
        topic="Mobilität",
        title="Vorbei",
        phases=[(PhaseKind.PARTICIPATION, now - 20 * DAY, now - 10 * DAY)],
    )
    archived = make_process(town, xss=False, title="Archiviert", state="archived")
    return town, {"current": current, "upcoming": upcoming, "past": past, "archived": archived}


def _titles(page: str) -> list[str]:
    """Card titles as read (without the soft hyphens that let long words break at syllables)."""
    titles = re.findall(r'<h3><a href="[^"]+">([^<]+)</a></h3>', page)
    return [title.replace("\u00ad", "") for title in titles]


def test_list_shows_current_then_upcoming_then_past(client, three_kinds):
    town, _ = three_kinds
    page = client.get(f"/{town.slug}/").get_data(as_text=True)
    # past ones newest end first: the archived one's phase ends tomorrow, "Vorbei" ended long ago
    assert _titles(page) == ["Laufend", "Bald", "Archiviert", "Vorbei"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("when=current", {"Laufend"}),
        ("when=upcoming", {"Bald"}),
        ("when=past", {"Vorbei", "Archiviert"}),
        ("topic=Mobilit%C3%A4t", {"Laufend", "Vorbei"}),
        ("when=past&topic=Mobilit%C3%A4t", {"Vorbei"}),
    ],
)
def test_list_filters_by_timeline_and_topic(client, three_kinds, query, expected):
    town, _ = three_kinds
    page = client.get(f"/{town.slug}/?{query}").get_data(as_text=True)
    assert set(_titles(page)) == expected


def test_list_ignores_invalid_filters(client, three_kinds):
    town, _ = three_kinds
    response = client.get(f"/{town.slug}/?when=yesterday&topic=%3Cscript%3E")
    assert response.status_code == 200
    assert len(_titles(response.get_data(as_text=True))) == 4


def test_list_has_an_empty_state(client, make_municipality):
    town = make_municipality(xss=False)
    client.get("/lang/en")
    assert "There are no participation processes here yet." in client.get(
        f"/{town.slug}/"
    ).get_data(as_text=True)


def test_list_with_filters_matching_nothing_offers_to_show_all(client, three_kinds):
    town, _ = three_kinds
    client.get("/lang/en")
    page = client.get(f"/{town.slug}/?when=upcoming&topic=Mobilit%C3%A4t").get_data(as_text=True)
    assert "No process matches these filters." in page


def test_list_is_paginated_keeping_the_filters(app, client, make_municipality, make_process):
    town = make_municipality(xss=False)
    for _ in range(app.config["PER_PAGE"] + 3):
        make_process(town, xss=False, topic="Klima")
    first = client.get(f"/{town.slug}/?topic=Klima").get_data(as_text=True)
    assert len(_titles(first)) == app.config["PER_PAGE"]
    assert "page=2" in first and "topic=Klima" in first
    second = client.get(f"/{town.slug}/?topic=Klima&page=2").get_data(as_text=True)
    assert len(_titles(second)) == 3


def _statements(app, client, url: str) -> list[str]:
    """The SQL statements a GET of ``url`` runs."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def _topic_options(page: str) -> list[str]:
    topic_select = page.split('name="topic"')[1].split("</select>")[0]
    return re.findall(r'value="([^"]*)"', topic_select)


@pytest.mark.parametrize("logged_in", [False, True])
def test_list_query_count_does_not_grow_with_the_number_of_processes(
    app, client, login, make_municipality, make_process, make_member, count_queries, logged_in
):
    town = make_municipality(xss=False)
    if logged_in:
        login(client, make_member(town, Role.CITIZEN))
    per_page = app.config["PER_PAGE"]

    def measure(url: str = f"/{town.slug}/") -> int:
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        return counted.count

    for n in range(3):
        make_process(town, xss=False, topic=f"Thema {n}")
    few = measure()
    for n in range(per_page - 3):  # cards with all they can show: image, members-only badge
        make_process(
            town,
            xss=False,
            topic=f"Thema {n % 5}",
            image_key="processes/bild.webp",
            visibility="members" if logged_in else "public",
        )
    assert measure() == few  # a whole page of cards costs what three cost
    for _ in range(per_page + 5):
        make_process(town, xss=False)
    several_pages = measure()
    for _ in range(per_page):
        make_process(town, xss=False)
    assert measure() == several_pages  # more pages cost nothing more
    assert measure(f"/{town.slug}/?page=2") == several_pages
    # more than one page: the total and the topics are asked once each, never per card
    assert several_pages <= few + 2


def test_a_list_on_one_page_is_neither_counted_nor_asked_for_its_topics_again(
    app, client, make_municipality, make_process
):
    town = make_municipality(xss=False)
    for topic in ("Mobilität", "Klima", "", "Klima"):
        make_process(town, xss=False, topic=topic)
    statements = _statements(app, client, f"/{town.slug}/")
    assert not [s for s in statements if "count(" in s.lower()]
    assert not [s for s in statements if "distinct" in s.lower()]
    page = client.get(f"/{town.slug}/").get_data(as_text=True)
    assert "4 Verfahren" in page
    # the topics of the cards, in the order the topic query gives (code points)
    assert _topic_options(page) == ["", "Klima", "Mobilität"]


def test_topics_of_a_filtered_or_longer_list_are_all_readable_topics(
    app, client, make_municipality, make_process
):
    town = make_municipality(xss=False)
    make_process(town, xss=False, topic="Wasser", state="archived")
    for _ in range(app.config["PER_PAGE"] + 1):
        make_process(town, xss=False, topic="Klima")
    for url in (f"/{town.slug}/", f"/{town.slug}/?when=past", f"/{town.slug}/?topic=Klima"):
        page = client.get(url).get_data(as_text=True)
        assert _topic_options(page) == ["", "Klima", "Wasser"], url


def test_process_page_query_count_does_not_grow_with_phases(
    client, make_municipality, make_process, count_queries
):
    town = make_municipality(xss=False)
    now = utcnow()
    short = make_process(town, xss=False)
    long = make_process(
        town,
        xss=False,
        phases=[(PhaseKind.INFORMATION, now + i * DAY, now + (i + 1) * DAY) for i in range(12)],
    )
    with count_queries() as few:
        client.get(_url(town, short))
    with count_queries() as many:
        client.get(_url(town, long))
    assert many.count == few.count


def test_pages_are_in_german_by_default_and_english_on_request(
    client, make_municipality, make_process
):
    town = make_municipality(xss=False)
    process = make_process(town, xss=False)
    german = client.get(_url(town, process)).get_data(as_text=True)
    assert "Das Beteiligungskonzept" in german or "Beteiligungskonzept" in german
    client.get("/lang/en")
    english = client.get(_url(town, process)).get_data(as_text=True)
    assert "The participation concept" in english


def test_the_list_statement_is_built_once_per_shape_and_takes_its_values_as_parameters(
    app, make_municipality
):
    from flask_login import AnonymousUserMixin

    from app.municipalities.models import Municipality
    from app.processes import services

    first, second = make_municipality(xss=False), make_municipality(xss=False)
    with app.app_context():
        one, two = (db.session.get(Municipality, m.id) for m in (first, second))
        visitor = AnonymousUserMixin()
        a, a_values = services.listing(one, visitor, utcnow(), topic="Klima", cards=True)
        b, b_values = services.listing(two, visitor, utcnow() + DAY, topic="Wasser", cards=True)
        assert a is b
        assert (a_values["municipality_id"], b_values["municipality_id"]) == (one.id, two.id)
        assert (a_values["topic"], b_values["topic"]) == ("Klima", "Wasser")
        unfiltered, _values = services.listing(one, visitor, utcnow(), cards=True)
        assert unfiltered is not a
