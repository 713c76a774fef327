"""On PostgreSQL, every search query reaches its rows through the German full-text GIN index.

The expressions the search matches on must be exactly those the indexes were built on (migration
0017, and 0007 for proposals; the fixture builds the indexes with the migrations' own statements); if one drifts (another column, a bound instead of an inline
configuration), PostgreSQL silently scans the whole table and the search stops holding up at a
city's scale. EXPLAIN, with sequential scans discouraged so that a tiny test table does not make a
scan look cheaper, shows which index each count and page query uses.
"""

from __future__ import annotations

import json

import pytest
from comments_support import write_comment
from documents_support import attach, pdf_bytes
from proposals_support import create_proposal

from app.core.roles import Role

pytestmark = pytest.mark.postgres

INDEXES = {
    "process": "ix_processes_search",
    "proposal": "ix_proposals_search",
    "comment": "ix_comments_search",
    "outcome": "ix_outcomes_search",
    "document": "ix_documents_search",
}


def _plan_indexes(statement) -> set[str]:
    """The names of every index the plan of ``statement`` uses."""
    from app.extensions import db

    connection = db.session.connection()
    sql = str(statement.compile(connection, compile_kwargs={"literal_binds": True}))
    for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
        connection.exec_driver_sql(f"SET LOCAL {setting} = off")
    (plan,) = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + sql).one()
    found: set[str] = set()

    def walk(node: dict) -> None:
        if "Index Name" in node:
            found.add(node["Index Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])
    return found


def _migration_indexes() -> dict[str, str]:
    """``CREATE INDEX`` of every search index, as migrations 0007 and 0017 run it."""
    import importlib.util
    from pathlib import Path

    versions = Path(__file__).resolve().parents[2] / "migrations" / "versions"

    def load(name: str):
        spec = importlib.util.spec_from_file_location(name, versions / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    statements = {"ix_proposals_search": load("0007_proposals").SEARCH_INDEX}
    for index, (table, expression) in load("0017_documents_search").SEARCH_INDEXES.items():
        statements[index] = f"CREATE INDEX {index} ON {table} USING gin ({expression})"
    assert set(statements) == set(INDEXES.values())
    return statements


@pytest.fixture
def searchable(app, make_member, make_process):
    """The benchmark's generated city at its smallest (20 processes, a few hundred proposals and
    comments, none of them about fountains), plus one row of every kind that matches "Brunnen"."""
    from sqlalchemy import select

    from app.bench_seed import BENCH_SLUG, seed_bench
    from app.core.time import utcnow
    from app.extensions import db
    from app.municipalities.models import Municipality
    from app.outcomes.models import Outcome

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs TEST_DATABASE_URL pointing at PostgreSQL")
        seed_bench(0.001, seed=11)
        db.session.commit()
        home = db.session.scalar(select(Municipality).where(Municipality.slug == BENCH_SLUG))
        db.session.expunge(home)
    staff = make_member(home, Role.STAFF)
    citizen = make_member(home, Role.CITIZEN)
    process = make_process(
        home, title="Brunnen am Markt", formats=("proposals", "comments"), xss=False
    )
    create_proposal(app, process, citizen, title="Ein Brunnen", xss=False)
    write_comment(app, citizen, process, "Der Brunnen braucht Schatten")
    attach(app, process, staff, pdf_bytes(1), "brunnen.pdf", title="Studie zum Brunnen")
    with app.app_context():
        db.session.add(
            Outcome(
                municipality_id=home.id,
                process_id=process.id,
                summary="<p>Der Brunnen kommt.</p>",
                published_at=utcnow(),
            )
        )
        # Documents the generator does not make: a municipality's few hundred other attachments.
        table = db.metadata.tables["documents"]
        copied = [c.name for c in table.columns if c.name not in {"id", "title", "storage_key"}]
        db.session.execute(
            db.text(
                f"INSERT INTO documents ({', '.join(copied)}, title, storage_key) "
                f"SELECT {', '.join(copied)}, 'Anlage ' || n, storage_key || '-' || n "
                "FROM documents, generate_series(1, 300) AS n"
            )
        )
        db.session.commit()
        # The tests build the schema from the models; a site has it from the migrations. Build the
        # indexes as the migrations do, so a model or query drifting from them shows here.
        for index, statement in _migration_indexes().items():
            db.session.execute(db.text(f"DROP INDEX IF EXISTS {index}"))
            db.session.execute(db.text(statement))
        db.session.commit()
        # As autovacuum would: move the GIN indexes' pending entries (fast update) into the index
        # proper, and gather statistics, so the planner costs the indexes as a running site has them.
        for index in INDEXES.values():
            db.session.execute(
                db.text("SELECT gin_clean_pending_list(CAST(:i AS regclass))"), {"i": index}
            )
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
    return {"home": home, "citizen": citizen}


@pytest.mark.parametrize("kind", list(INDEXES))
@pytest.mark.parametrize("where", ["municipality", "platform"])
def test_search_queries_use_the_german_gin_indexes(app, searchable, kind, where):
    from app.accounts.models import User
    from app.extensions import db
    from app.municipalities.models import Municipality
    from app.search import services

    with app.test_request_context():  # hits carry links
        user = db.session.get(User, searchable["citizen"].id)
        municipality = (
            db.session.get(Municipality, searchable["home"].id) if where == "municipality" else None
        )
        query = services.Query(text="Brunnen", municipality=municipality)
        # The search finds the row, so the plan below is that of a working query.
        (group,) = services.search(
            user, services.Query("Brunnen", municipality, services.Kind(kind))
        )
        assert group.total == 1
        count_plan = _plan_indexes(services.count_statement(services.Kind(kind), query, user))
        page_plans = [
            _plan_indexes(
                services.page_statement(
                    services.Kind(kind), query, user, 1, services.GROUP_SIZE, few=few
                )
            )
            for few in (True, False)  # up to COUNT_CAP matches (as here), and more
        ]
        if kind != "outcome":  # at most one per process: a key range over them all is as good
            page_plans.append(  # a next page's link: from a key on
                _plan_indexes(
                    services.page_statement(
                        services.Kind(kind),
                        query,
                        user,
                        2,
                        services.PAGE_SIZE,
                        few=True,
                        after=2**30,
                    )
                )
            )
        db.session.rollback()
    assert INDEXES[kind] in count_plan, count_plan
    for plan in page_plans:
        assert INDEXES[kind] in plan, plan


def test_the_indexes_are_gin_over_the_german_configuration(app, searchable):
    from app.extensions import db

    with app.app_context():
        rows = dict(
            db.session.execute(
                db.text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(:names)"),
                {"names": list(INDEXES.values())},
            ).all()
        )
    assert set(rows) == set(INDEXES.values())
    for definition in rows.values():
        assert "USING gin" in definition and "to_tsvector('german'::regconfig" in definition
