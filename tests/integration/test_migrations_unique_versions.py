"""Migration 0023 on a database that already holds what its new unique indexes refuse: platform
legal versions stored twice under one number, and a person verified twice in one town.

Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL points there (a scratch database).
"""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError
from test_setup import _flask

ROWS = [
    # (id, kind, version, created_at): two saves at once stored impressum 2 twice, and
    # datenschutz 1 twice; nutzungsbedingungen has no duplicate and keeps its numbers (1, 3).
    (1, "impressum", 1, "2026-01-01 10:00:00"),
    (2, "impressum", 2, "2026-01-02 10:00:00"),
    (3, "impressum", 2, "2026-01-02 10:00:00"),
    (4, "impressum", 3, "2026-01-03 10:00:00"),
    (5, "datenschutz", 1, "2026-01-01 10:00:00"),
    (6, "datenschutz", 1, "2026-01-01 10:00:01"),
    (7, "nutzungsbedingungen", 1, "2026-01-01 10:00:00"),
    (8, "nutzungsbedingungen", 3, "2026-01-04 10:00:00"),
]


def _seed_duplicates(connection) -> None:
    connection.execute(
        text(
            "INSERT INTO municipalities (id, name, slug, federal_state, contact, description,"
            " is_active, created_at) VALUES"
            " (1, 'Musterstadt', 'musterstadt', 'BW', '', '', true, '2026-01-01 10:00:00'),"
            " (2, 'Beispielort', 'beispielort', 'BW', '', '', true, '2026-01-01 10:00:00')"
        )
    )
    connection.execute(
        text(
            "INSERT INTO users (id, email, display_name, password_hash, consented_at,"
            " is_platform_admin, session_version, created_at) VALUES"
            " (1, 'a@example.org', 'A', 'x', '2026-01-01 10:00:00', false, 1,"
            " '2026-01-01 10:00:00')"
        )
    )
    for row_id, kind, number, created in ROWS:
        connection.execute(
            text(
                "INSERT INTO legal_documents (id, municipality_id, kind, version, source, body,"
                f" asks_consent, note, created_at) VALUES ({row_id}, NULL, '{kind}', {number},"
                f" 'Text {row_id}', '<p>Text {row_id}</p>', false, '', '{created}')"
            )
        )
    # A town's own version 2 beside the platform's: another scope, untouched.
    connection.execute(
        text(
            "INSERT INTO legal_documents (id, municipality_id, kind, version, source, body,"
            " asks_consent, note, created_at) VALUES (9, 1, 'impressum', 2, 'Stadt', '<p>Stadt</p>',"
            " false, '', '2026-01-02 10:00:00')"
        )
    )
    # Person 1 verified twice in town 1 (and once, revoked, before), once in town 2.
    for row_id, town, revoked in (
        (1, 1, "'2026-01-01 12:00:00'"),
        (2, 1, "NULL"),
        (3, 1, "NULL"),
        (4, 2, "NULL"),
    ):
        connection.execute(
            text(
                "INSERT INTO residency_verifications (id, municipality_id, user_id, method,"
                f" verified_at, revoked_at, revoke_reason) VALUES ({row_id}, {town}, 1, 'letter',"
                f" '2026-01-01 10:00:0{row_id}', {revoked}, '')"
            )
        )


def test_0023_renumbers_duplicate_platform_versions_and_ends_duplicate_verifications(
    empty_database,
):
    url = empty_database
    env = {"DATABASE_URL": url, "TRIALOG_CONFIG": "development"}
    before = _flask("db", "upgrade", "0022", env=env)
    assert before.returncode == 0, before.stderr
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as connection:
            _seed_duplicates(connection)
        upgrade = _flask("db", "upgrade", env=env)
        assert upgrade.returncode == 0, upgrade.stderr
        with engine.connect() as connection:
            numbers = dict(
                connection.execute(text("SELECT id, version FROM legal_documents")).all()
            )
            verifications = connection.execute(
                text(
                    "SELECT id, revoked_at IS NULL, revoke_reason FROM residency_verifications"
                    " ORDER BY id"
                )
            ).all()
        # In the order saved: the later of two equal numbers takes the next, and the later
        # versions shift as far as needed; the town's own version and a gap stay as they were.
        assert numbers == {1: 1, 2: 2, 3: 3, 4: 4, 5: 1, 6: 2, 7: 1, 8: 3, 9: 2}
        assert [(v[0], bool(v[1])) for v in verifications] == [
            (1, False),  # revoked before: untouched
            (2, True),  # the first active one stays
            (3, False),  # the later duplicate is ended, with a reason
            (4, True),  # another town
        ]
        assert verifications[0][2] == "" and verifications[2][2].startswith("Doppelte")
        with engine.connect() as connection:  # the database refuses new duplicates now
            for statement in (
                "INSERT INTO legal_documents (municipality_id, kind, version, source, body,"
                " asks_consent, note, created_at) VALUES (NULL, 'impressum', 4, '', '', false, '',"
                " '2026-02-01 10:00:00')",
                "INSERT INTO residency_verifications (municipality_id, user_id, method,"
                " verified_at, revoke_reason) VALUES (2, 1, 'in_person', '2026-02-01 10:00:00', '')",
            ):
                try:
                    connection.execute(text(statement))
                except IntegrityError:
                    connection.rollback()
                else:
                    raise AssertionError(f"accepted: {statement}")
        check = _flask("db", "check", env=env)
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        engine.dispose()
