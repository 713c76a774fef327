"""Every form of the demo, filled with hostile input as each demo person, breaks nothing.

For each group of demo people a freshly seeded demo (CSRF on, as in production): the crawler of
``hostile_support`` logs in through the login form, follows every link (one page per kind),
posts every form it finds with plausible values and then with a few families of hostile ones
(markup, 100,001 characters, control characters, invalid UTF-8, blank text, wrong numbers, dates
in the year 1 and 9999, choices not offered, wrong files, missing fields), looks at every page
again (as the person, as a citizen and anonymously, including every page a post led to), ends
the login and the account last, and scans the database. It fails on

- any answer of 500 or more,
- a payload shown unescaped (``<script>alert(1)``, ``<img src=x onerror=``, a ``javascript:``
  link),
- a form shown again with an error that lost the plausible text typed beside the bad value,
- stored text a form should have refused (control characters, beyond its column's length,
  whitespace only, 100,001 characters) or a date outside 1900-2200.

This is the bounded sweep (all text fields at once, a handful of values per family). The full
one, every field on its own and every value, is ``python -m tests.integration.hostile_support``
(about 6 minutes on SQLite, 13 on PostgreSQL with ``--database postgresql://...``).
"""

from __future__ import annotations

import pytest
from hostile_support import Options, Sweep

from app.extensions import db, limiter, write_limiter

CITIZEN = "buerger@musterstadt.example"
BOUNDED = Options(
    text_families=("script", "huge", "control", "bad_utf8", "blank"),
    number_families=("not_a_number", "huge_number"),
    date_families=("year_1", "year_9999"),
    choice_families=("not_a_choice",),
    file_families=("wrong_type",),
    shape_families=("missing_fields",),
    password_families=("huge",),
    per_field=False,
    per_kind=1,
    rounds=1,
)
# People whose runs share one demo: those who leave little behind go together.
GROUPS = {
    "participants": (
        None,
        CITIZEN,
        "rat@musterstadt.example",
        "moderation@musterstadt.example",
    ),
    "facilitators": ("begleitung@musterstadt.example", "kompass@trialog.example"),
    "staff": ("verwaltung@musterstadt.example",),
    "platform-admin": ("admin@trialog.example",),
}


@pytest.fixture
def demo(app, monkeypatch):
    """The seeded demo, CSRF on, 500s answered instead of raised, no rate limits."""
    from app.demo import seed_demo

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(limiter, "enabled", False)
    monkeypatch.setattr(write_limiter, "enabled", False)
    with app.test_request_context():
        seed_demo()
        db.session.commit()
        db.session.remove()
    return app


@pytest.mark.parametrize("group", GROUPS)
def test_hostile_input_in_every_form_breaks_nothing(demo, group):
    sweep = Sweep(demo, BOUNDED)
    findings = sweep.run(GROUPS[group], viewers=[CITIZEN])
    assert sweep.forms >= 5 and sweep.pages >= 20  # the crawl reached the forms
    assert not findings, "\n".join(map(str, findings))
