"""The moderation queue: most reported first, filters, the author's history, constant queries,
scoped to one municipality, and the role matrix on its pages."""

from __future__ import annotations

import re

import moderation_support
import pytest
from moderation_support import XSS, contribute, decide, report

scene = moderation_support.scene  # the fixture


def _queue(client, scene, **args):
    return client.get(f"/{scene.town.slug}/admin/moderation/", query_string=args)


def _case_links(page: str) -> list[int]:
    """Contribution ids in the order the queue lists them (each appears in its title link)."""
    ids = re.findall(
        r'class="mod-title"><a href="/[^/]+/admin/moderation/contributions/(\d+)"', page
    )
    return [int(i) for i in ids]


def test_the_queue_lists_reported_contributions_most_reported_first(
    app, client, login, scene, make_member
):
    once = contribute(app, scene.author, scene.process)
    thrice = contribute(app, scene.author, scene.process)
    twice = contribute(app, scene.author, scene.process)
    unreported = contribute(app, scene.author, scene.process)
    for contribution, times in ((once, 1), (thrice, 3), (twice, 2)):
        for _ in range(times):
            report(app, make_member(scene.town), contribution, "spam")
    login(client, scene.users["moderator"])
    page = _queue(client, scene).text
    assert _case_links(page) == [thrice, twice, once]
    assert unreported not in _case_links(page)
    assert "Beitrag" in page and XSS not in page  # titles and excerpts through the kind, escaped
    assert f"/beitrag/{thrice}#c{thrice}" in page  # the contribution in its context


def test_the_queue_shows_the_reasons_and_the_authors_history(
    app, client, login, scene, make_member
):
    earlier = contribute(app, scene.author, scene.process)
    report(app, make_member(scene.town), earlier, "insult")
    decide(app, "hide", scene.users["moderator"], earlier, "Beleidigung")
    now = contribute(app, scene.author, scene.process)
    report(app, make_member(scene.town), now, "insult")
    report(app, make_member(scene.town), now, "personal_data", f"Adresse{XSS}")
    login(client, scene.users["moderator"])
    client.get("/lang/en")
    page = _queue(client, scene).text
    assert "Insult or discrimination (1)" in page and "Personal data of others (1)" in page
    assert "2 reported contributions" in page and "hidden 1 time" in page

    case = client.get(f"/{scene.town.slug}/admin/moderation/contributions/{now}").text
    assert "Adresse" in case and XSS not in case
    assert f"contributions/{earlier}" in case  # the earlier decision about the same author
    assert "Beleidigung" in case
    for reporter_name in ("Person 1", "Person 2"):  # reporters stay anonymous
        assert f">{reporter_name}<" not in case


def test_the_queue_filters_by_process_reason_and_kind(
    app, client, login, scene, make_member, make_process
):
    from app.contributions import kinds

    other_process = make_process(scene.town)
    spam = contribute(app, scene.author, scene.process)
    insult = contribute(app, scene.author, other_process)
    if kinds.kind("moderation-other") is None:
        kinds.register_kind(kinds.Kind("moderation-other", "Andere Art", lambda ids: {}))
    other_kind = contribute(app, scene.author, scene.process, kind="moderation-other")
    report(app, make_member(scene.town), spam, "spam")
    report(app, make_member(scene.town), insult, "insult")
    report(app, make_member(scene.town), other_kind, "spam")
    login(client, scene.users["moderator"])

    assert set(_case_links(_queue(client, scene, reason="spam").text)) == {spam, other_kind}
    assert _case_links(_queue(client, scene, process_id=other_process.id).text) == [insult]
    assert _case_links(_queue(client, scene, kind="moderation-other").text) == [other_kind]
    empty = _queue(client, scene, reason="illegal").text
    assert _case_links(empty) == [] and "empty-state" in empty
    bad = _queue(client, scene, process_id="999999")
    assert bad.status_code == 200 and 'class="error"' in bad.text


def test_the_queue_runs_a_constant_number_of_queries(
    app, client, login, scene, make_member, count_queries
):
    def load() -> int:
        with count_queries() as counted:
            assert _queue(client, scene).status_code == 200
        return counted.count

    login(client, scene.users["moderator"])
    contribution = contribute(app, scene.author, scene.process)
    report(app, make_member(scene.town), contribution)
    few = load()
    for _ in range(6):
        author = make_member(scene.town)
        contribution = contribute(app, author, scene.process)
        report(app, make_member(scene.town), contribution, "insult")
        report(app, make_member(scene.town), contribution, "spam")
    assert load() == few


def test_the_queue_shows_only_this_municipality(
    app, client, login, scene, make_member, make_process
):
    mine = contribute(app, scene.author, scene.process)
    elsewhere_author = make_member(scene.other)
    theirs = contribute(app, elsewhere_author, make_process(scene.other))
    report(app, make_member(scene.town), mine)
    report(app, make_member(scene.other), theirs)
    login(client, scene.users["moderator"])
    assert _case_links(_queue(client, scene).text) == [mine]
    page = client.get(f"/{scene.town.slug}/admin/moderation/contributions/{theirs}")
    assert page.status_code == 404


def test_an_empty_queue_says_so(app, client, login, scene):
    login(client, scene.users["staff"])
    page = _queue(client, scene).text
    assert 'class="empty-state"' in page


def test_the_queue_is_paginated(app, client, login, scene, make_member):
    app.config["PER_PAGE"] = 3
    try:
        contributions = [contribute(app, scene.author, scene.process) for _ in range(5)]
        for contribution in contributions:
            report(app, make_member(scene.town), contribution)
        login(client, scene.users["moderator"])
        first = _case_links(_queue(client, scene).text)
        second = _case_links(_queue(client, scene, page=2).text)
    finally:
        app.config["PER_PAGE"] = 20
    assert len(first) == 3 and len(second) == 2
    assert set(first) | set(second) == set(contributions)


@pytest.mark.parametrize("who", ["staff", "moderator", "facilitator", "admin", "platform_admin"])
def test_moderators_staff_facilitators_admins_and_platform_admins_see_the_queue(
    client, login, scene, who
):
    login(client, scene.users[who])
    for path in ("", "pending", "reviews", "blocks"):
        assert client.get(f"/{scene.town.slug}/admin/moderation/{path}").status_code == 200


@pytest.mark.parametrize("who", ["citizen", "council", "other_staff", "other_admin"])
def test_citizens_council_and_other_municipalities_get_403_on_the_queue(client, login, scene, who):
    login(client, scene.users[who])
    for path in ("", "pending", "reviews", "blocks", "settings"):
        assert client.get(f"/{scene.town.slug}/admin/moderation/{path}").status_code == 403
