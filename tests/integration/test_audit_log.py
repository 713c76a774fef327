"""Reading the audit log: a municipality's admins see their municipality's entries, platform admins
all; filters, pages and a constant number of queries; no way to change or delete an entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.core import audit
from app.core.audit import AuditEntry, AuditLogIsAppendOnly
from app.core.roles import Role
from app.extensions import db

XSS = "<script>window.__xss=1</script>"


@pytest.fixture
def towns(app, make_municipality, make_member, make_user):
    home = make_municipality()
    other = make_municipality()
    people = {
        "admin": make_member(home, Role.ADMIN),
        "staff": make_member(home, Role.STAFF),
        "moderator": make_member(home, Role.MODERATOR),
        "other_admin": make_member(other, Role.ADMIN),
        "platform_admin": make_user(is_platform_admin=True),
    }
    return home, other, people


def _write(app, municipality, actor, action: str, *, when: datetime | None = None, **values):
    with app.app_context():
        entry = audit.record(
            actor_id=actor.id if actor else None,
            action=action,
            object_type=values.pop("object_type", "thing"),
            object_id=values.pop("object_id", 1),
            municipality_id=municipality.id if municipality else None,
            **values,
        )
        if when is not None:
            entry.created_at = when
        db.session.commit()
        return entry.id


def _table(page: str) -> str:
    """The log's table body, without the filter form (whose choices name actions too)."""
    start = page.find("<tbody>")
    return page[start : page.find("</tbody>")] if start >= 0 else ""


def _rows(page: str) -> int:
    return _table(page).count("<tr>")


def test_a_municipality_admin_reads_only_their_municipalitys_log(app, client, login, towns):
    home, other, people = towns
    _write(app, home, people["staff"], "process.publish", reason=f"Grund{XSS}")
    _write(app, other, people["other_admin"], "process.archive")
    login(client, people["admin"])
    page = client.get(f"/{home.slug}/admin/audit")
    assert page.status_code == 200
    assert "process.publish" in _table(page.text) and "process.archive" not in page.text
    assert "Grund" in page.text and XSS not in page.text
    assert people["staff"].display_name.split("<")[0] in page.text


def test_platform_admins_read_every_municipalitys_log(app, client, login, towns):
    home, other, people = towns
    _write(app, home, people["staff"], "process.publish")
    _write(app, other, people["other_admin"], "process.archive")
    _write(app, None, people["platform_admin"], "municipality.create")
    login(client, people["platform_admin"])
    page = client.get("/platform/audit")
    assert page.status_code == 200
    table = _table(page.text)
    assert all(a in table for a in ("process.publish", "process.archive", "municipality.create"))
    only_other = _table(client.get("/platform/audit", query_string={"municipality": other.id}).text)
    assert "process.archive" in only_other and "process.publish" not in only_other


@pytest.mark.parametrize("who", ["other_admin"])
def test_others_cannot_read_a_municipalitys_log(client, login, towns, who):
    home, _other, people = towns
    login(client, people[who])
    assert client.get(f"/{home.slug}/admin/audit").status_code == 403
    assert client.get("/platform/audit").status_code == 403


@pytest.mark.parametrize("who", ["moderator", "staff"])  # everyone who moderates
def test_moderators_read_only_the_moderation_part_of_their_municipalitys_log(
    app, client, login, towns, who
):
    home, _other, people = towns
    _write(app, home, people["moderator"], "moderation.hide")
    _write(app, home, people["staff"], "process.publish")
    login(client, people[who])
    table = _table(client.get(f"/{home.slug}/admin/audit").text)
    assert "moderation.hide" in table and "process.publish" not in table
    assert client.get("/platform/audit").status_code == 403


def test_the_log_filters_by_action_actor_and_date(app, client, login, towns):
    home, _other, people = towns
    berlin_noon = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)
    _write(app, home, people["staff"], "process.publish", when=berlin_noon)
    _write(app, home, people["moderator"], "moderation.hide", when=berlin_noon + timedelta(days=2))
    _write(app, home, people["staff"], "process.archive", when=berlin_noon + timedelta(days=5))
    login(client, people["admin"])
    url = f"/{home.slug}/admin/audit"

    def table(**args) -> str:
        return _table(client.get(url, query_string=args).text)

    by_action = table(action="moderation.hide")
    assert _rows(by_action) == 1 and "moderation.hide" in by_action
    by_actor = table(actor=people["staff"].id)
    assert _rows(by_actor) == 2 and "moderation.hide" not in by_actor
    in_range = table(since="2026-03-11", until="2026-03-12")
    assert _rows(in_range) == 1 and "moderation.hide" in in_range
    # Both ends of the range are whole days in German time.
    single_day = table(since="2026-03-10", until="2026-03-10")
    assert _rows(single_day) == 1 and "process.publish" in single_day


def test_a_reversed_date_range_is_a_clear_error(app, client, login, towns):
    home, _other, people = towns
    login(client, people["admin"])
    response = client.get(
        f"/{home.slug}/admin/audit", query_string={"since": "2026-03-12", "until": "2026-03-01"}
    )
    assert response.status_code == 422
    assert 'id="until-error"' in response.text
    assert 'value="2026-03-12"' in response.text  # what was typed stays


@pytest.mark.parametrize(
    ("where", "args"),
    [
        ("home", {"since": "0001-01-01"}),  # midnight in Berlin is the year 0 in UTC
        ("home", {"until": "9999-12-31"}),  # the day after has no date
        ("platform", {"since": "0001-01-01", "until": "9999-12-31"}),
    ],
)
def test_a_date_beyond_the_calendar_is_an_error_not_a_crash(
    app, client, login, towns, monkeypatch, where, args
):
    home, _other, people = towns
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    login(client, people["admin" if where == "home" else "platform_admin"])
    url = f"/{home.slug}/admin/audit" if where == "home" else "/platform/audit"
    response = client.get(url, query_string=args)
    assert response.status_code == 422
    assert "1900" in response.text  # the error names the years a date may fall in
    assert f'value="{next(iter(args.values()))}"' in response.text


def test_the_log_is_paginated_with_a_constant_number_of_queries(
    app, client, login, towns, count_queries, make_member
):
    home, _other, people = towns
    login(client, people["admin"])

    def load(**args) -> tuple[int, str]:
        with count_queries() as counted:
            page = client.get(f"/{home.slug}/admin/audit", query_string=args)
            assert page.status_code == 200
        return counted.count, page.text

    _write(app, home, people["staff"], "process.publish")
    few, _page = load()
    for n in range(30):
        _write(app, home, make_member(home, Role.STAFF), f"thing.action{n % 4}", object_id=n)
    many, first = load()
    assert many <= few + 1  # one count once the log has more than one page, never per row
    assert _rows(first) == app.config["PER_PAGE"]
    _count, second = load(page=2)
    assert _rows(second) == 31 - app.config["PER_PAGE"]


def test_no_route_changes_or_deletes_audit_entries(app):
    mutating = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if "audit" in rule.rule or rule.endpoint.startswith(("audit.", "platform_audit."))
        for method in rule.methods - {"GET", "HEAD", "OPTIONS"}
    }
    assert mutating == set()


def test_the_orm_refuses_to_change_or_delete_an_entry(app, towns):
    home, _other, people = towns
    entry_id = _write(app, home, people["staff"], "process.publish")
    with app.app_context():
        entry = db.session.get(AuditEntry, entry_id)
        entry.reason = "changed"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEntry, entry_id))
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        assert db.session.scalar(select(AuditEntry.reason)) == ""
