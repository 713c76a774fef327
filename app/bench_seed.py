"""Generated data of a big German city for the benchmark (``flask --app wsgi seed-bench``).

At ``scale=1``: one municipality, 20 processes, 100,000 proposals in the largest, 1,000,000
comments in threads of realistic depth, 2,000,000 supports, 50,000 users in all trialog groups and
one survey with 20,000 responses. A second process holds 1% of the largest one's proposals (with the
same density of supports and comments), so one run shows how a list grows with its data.

Rows are generated in Python as plain tuples and loaded in bulk: ``COPY ... FROM STDIN`` on
PostgreSQL (psycopg's copy), batched ``executemany`` on SQLite. Ids are assigned here, so every
foreign key is known without reading anything back; the kept counters (supports per proposal,
comments per thread) are computed from the generated rows, so they match the rows exactly.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, func, select, text
from sqlalchemy.sql.schema import ColumnDefault

from app.extensions import db

BENCH_PASSWORD = "bench-Passwort-2026!"  # noqa: S105  generated accounts of a throwaway database
BENCH_SLUG = "lindenau"
BATCH = 5_000
RARE_WORD = "Kneippbecken"
COMMON_WORD = "Gewinn"  # in every generated description


def _words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = _words(
    "Anna Ben Clara David Emma Felix Greta Hannah Jonas Julia Karl Lea Lena Leon Lina Luca Lukas "
    "Marie Max Mia Noah Ole Paul Sophie Tim Tom Zoe Ayşe Mehmet Katarzyna Dragan Elif Ingrid Jürgen "
    "Petra Uwe Renate Wolfgang Sabine Monika Helmut Gisela Dieter Ursula Klaus Brigitte"
)
LAST_NAMES = _words(
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch Bauer "
    "Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange "
    "Schmitt Werner Krause Meier Lehmann Schmid Schulze Maier Köhler Herrmann König Walter Yilmaz "
    "Kaya Nowak Kowalski Öztürk Weiß Jung Hahn Vogel Friedrich Keller Günther Frank Berger Roth"
)
PROCESS_TOPICS = (
    ("Radverkehrskonzept 2030", "Mobilität"),
    ("Neugestaltung des Marktplatzes", "Stadtentwicklung"),
    ("Bürgerhaushalt 2027", "Finanzen"),
    ("Klimaschutzkonzept", "Umwelt"),
    ("Spielplatzoffensive", "Familie"),
    ("Lärmaktionsplan", "Umwelt"),
    ("Quartiersentwicklung Bahnhofsviertel", "Stadtentwicklung"),
    ("Stadtbibliothek der Zukunft", "Kultur"),
    ("Seniorenfreundliche Stadt", "Soziales"),
    ("Sauberkeit in den Stadtteilen", "Ordnung"),
    ("Jugendbeteiligung Skatepark", "Jugend"),
    ("Nahverkehrsplan", "Mobilität"),
    ("Grünflächen und Stadtbäume", "Umwelt"),
    ("Digitales Rathaus", "Verwaltung"),
    ("Sportstättenentwicklungsplan", "Sport"),
    ("Wohnraumstrategie", "Wohnen"),
    ("Barrierefreie Innenstadt", "Soziales"),
    ("Uferpromenade am Fluss", "Stadtentwicklung"),
    ("Schulwegsicherheit", "Bildung"),
    ("Kulturentwicklungsplan", "Kultur"),
)
CATEGORIES = (
    "Verkehr",
    "Grün und Umwelt",
    "Spielen und Sport",
    "Sicherheit",
    "Kultur",
    "Soziales",
    "Wohnen",
    "Sonstiges",
)
PLACES = (
    "am Marktplatz",
    "in der Bahnhofstraße",
    "im Stadtpark",
    "an der Hauptstraße",
    "im Nordviertel",
    "am Rathausplatz",
    "in der Schillerstraße",
    "an der Grundschule Süd",
    "am Flussufer",
    "in der Altstadt",
    "im Gewerbegebiet West",
    "an der Goethestraße",
    "vor dem Hallenbad",
    "am Friedhof",
    "in der Lindenallee",
)
WISHES = (
    "Mehr Fahrradbügel",
    "Eine sichere Querung",
    "Neue Sitzbänke",
    "Schattenspendende Bäume",
    "Ein öffentlicher Trinkbrunnen",
    "Bessere Beleuchtung",
    "Tempo 30",
    "Ein Wasserspielplatz",
    "Mehr Mülleimer",
    "Eine barrierefreie Haltestelle",
    "Ein Bücherschrank",
    "Ein Boulefeld",
    "Blühstreifen für Insekten",
    "Eine öffentliche Toilette",
    "Überdachte Fahrradstellplätze",
    "Ein Carsharing-Stellplatz",
    "Ein Jugendtreff",
    "Breitere Gehwege",
)
REASONS = (
    "Gerade morgens ist die Situation für Kinder auf dem Schulweg gefährlich.",
    "Viele ältere Menschen wünschen sich hier eine Möglichkeit zum Ausruhen.",
    "Im Sommer heizt sich der Platz stark auf, es fehlt an Schatten.",
    "Die vorhandenen Stellplätze sind ständig überfüllt.",
    "Abends ist der Weg sehr dunkel und wirkt unsicher.",
    "Das würde den Aufenthalt für Familien deutlich angenehmer machen.",
    "So könnten wir den Autoverkehr in der Innenstadt spürbar verringern.",
    "Andere Städte haben damit sehr gute Erfahrungen gemacht.",
    "Die Anwohnerinnen und Anwohner haben das schon mehrfach angeregt.",
    "Das kostet wenig und hilft vielen Menschen im Alltag.",
)
COMMENT_TEXTS = (
    "Sehe ich genauso, das ist längst überfällig.",
    "Gute Idee, aber wer soll das bezahlen?",
    "Ich wohne direkt dort und kann das nur unterstützen.",
    "Wäre es nicht sinnvoller, zuerst die bestehenden Anlagen zu sanieren?",
    "Bitte auch an die Menschen mit Rollator denken.",
    "Das wurde schon 2019 im Gemeinderat diskutiert.",
    "Die Verwaltung prüft derzeit einen ähnlichen Vorschlag.",
    "Vielleicht lässt sich das mit dem Straßenfest verbinden?",
    "Ich fürchte, dass dadurch Parkplätze wegfallen.",
    "Danke für den Vorschlag! Genau das fehlt im Viertel.",
    "Wir sollten die Kinder und Jugendlichen dazu direkt befragen.",
    "Das Problem ist eher die Pflege im Anschluss.",
)


@dataclass(frozen=True)
class Sizes:
    """How much of everything to generate at ``scale`` (1 is a big city's popular process)."""

    users: int
    big_proposals: int
    small_proposals: int  # the process with 1% of the largest, to show growth
    other_proposals: int  # each of the remaining 18 processes
    comments: int
    supports: int
    responses: int
    hot_comments: int = (
        50  # the first proposal of the largest process: "a proposal with 50 comments"
    )

    @classmethod
    def at(cls, scale: float) -> Sizes:
        def n(full: int, least: int) -> int:
            return max(least, int(full * scale))

        users = n(50_000, 300)
        big = n(100_000, 100)
        return cls(
            users=users,
            big_proposals=big,
            small_proposals=max(10, big // 100),
            other_proposals=n(500, 5),
            comments=n(1_000_000, 500),
            supports=min(n(2_000_000, 1_000), users * 40),
            responses=min(n(20_000, 60), users - 10),
        )


# --- loading ------------------------------------------------------------------------------------


def _fixed_defaults(table: Table, given: tuple[str, ...]) -> dict[str, object]:
    """Values for the columns the generator leaves out, taken from their Python-side defaults.

    COPY bypasses SQLAlchemy, so a column another domain adds later (with a default) still gets its
    value; columns with a server default or that may be NULL are left to the database.
    """
    extra: dict[str, object] = {}
    for column in table.columns:
        if column.name in given or column.server_default is not None or column.nullable:
            continue
        default = column.default
        if isinstance(default, ColumnDefault):
            extra[column.name] = default.arg(None) if default.is_callable else default.arg
    return extra


class Loader:
    """Bulk inserts of generated rows into one table at a time, on either database."""

    def __init__(self, progress: Callable[[int], None] | None = None) -> None:
        self.connection = db.session.connection()
        self.dialect = self.connection.dialect.name
        self.progress = progress or (lambda _n: None)

    def next_id(self, table: str) -> int:
        found = self.connection.execute(text(f"SELECT max(id) FROM {table}")).scalar()  # noqa: S608
        return (found or 0) + 1

    def load(self, name: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
        table = db.metadata.tables[name]
        extra = _fixed_defaults(table, columns)
        names = (*columns, *extra)
        tail = tuple(extra.values())
        count = 0
        if self.dialect == "postgresql":
            raw = self.connection.connection.driver_connection
            statement = f"COPY {name} ({', '.join(names)}) FROM STDIN"
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row + tail if tail else row)
                    count += 1
                    if count % BATCH == 0:
                        self.progress(BATCH)
        else:
            insert = table.insert()
            batch: list[dict] = []
            for row in rows:
                batch.append(dict(zip(names, row + tail, strict=True)))
                if len(batch) == BATCH:
                    self.connection.execute(insert, batch)
                    count += len(batch)
                    self.progress(len(batch))
                    batch = []
            if batch:
                self.connection.execute(insert, batch)
                count += len(batch)
        self.progress(count % BATCH)
        return count

    def finish(self) -> None:
        """Move PostgreSQL's id sequences past the ids assigned here; refresh the planner's stats."""
        if self.dialect != "postgresql":
            return
        for table in db.metadata.sorted_tables:
            if "id" in table.columns and table.columns["id"].autoincrement is not False:
                self.connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                        f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false) "
                        f"WHERE pg_get_serial_sequence('{table.name}', 'id') IS NOT NULL"
                    )
                )
        self.connection.execute(text("ANALYZE"))


# --- generating ---------------------------------------------------------------------------------


def _weights(rng: random.Random, count: int) -> list[float]:
    """Heavy-tailed popularity: a few proposals get most supports and comments, as in real life."""
    return [rng.paretovariate(1.3) for _ in range(count)]


def _spread(rng: random.Random, total: int, weights: list[float], cap: int) -> list[int]:
    """``total`` split over the weights (each share at most ``cap``), summing to about ``total``."""
    whole = sum(weights)
    shares = [min(cap, int(total * w / whole)) for w in weights]
    missing = total - sum(shares)
    while missing > 0:
        i = rng.randrange(len(shares))
        if shares[i] < cap:
            shares[i] += 1
            missing -= 1
    return shares


@dataclass
class Plan:
    """What was generated: the ids a benchmark needs to address pages, and the row counts."""

    municipality_slug: str
    big_process_slug: str
    small_process_slug: str
    hot_proposal_id: int
    survey_id: int
    category_id: int
    user_ids: list[int]
    counts: dict[str, int]


def seed_bench(
    scale: float, *, seed: int = 2026, progress: Callable[[int], None] | None = None
) -> Plan:
    """Fill the database with a city's generated data at ``scale``; flushes, never commits."""
    from app.accounts.passwords import hash_password
    from app.core.roles import Role, group_for
    from app.municipalities.models import Municipality
    from app.proposals.models import RANDOM_KEYS

    if db.session.scalar(select(Municipality.id).where(Municipality.slug == BENCH_SLUG)):
        raise ValueError(f"The municipality {BENCH_SLUG!r} exists already; use a fresh database.")
    rng = random.Random(seed)  # noqa: S311  generated test data, not secrets
    sizes = Sizes.at(scale)
    load = Loader(progress)
    now = datetime.now(UTC).replace(microsecond=0)
    counts: dict[str, int] = {}

    def put(table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
        counts[table] = counts.get(table, 0) + load.load(table, columns, rows)

    # municipality
    municipality_id = load.next_id("municipalities")
    put(
        "municipalities",
        ("id", "name", "slug", "ags", "federal_state", "contact", "description", "is_active"),
        [
            (
                municipality_id,
                "Stadt Lindenau",
                BENCH_SLUG,
                "08999000",
                "BW",
                "Bürgerbüro, Rathausplatz 1",
                "<p>Eine Großstadt mit viel Beteiligung (generierte Benchmark-Daten).</p>",
                True,
            )
        ],
    )

    # users and memberships: every trialog group
    first_user = load.next_id("users")
    user_ids = list(range(first_user, first_user + sizes.users))
    password_hash = hash_password(BENCH_PASSWORD)
    roles = [Role.ADMIN, Role.STAFF, Role.MODERATOR, Role.COUNCIL, Role.FACILITATOR]
    user_roles = {uid: (roles[i] if i < len(roles) else None) for i, uid in enumerate(user_ids[:5])}
    for uid in user_ids[5:]:
        draw = rng.random()
        user_roles[uid] = (
            Role.STAFF
            if draw < 0.03
            else Role.COUNCIL
            if draw < 0.05
            else Role.MODERATOR
            if draw < 0.055
            else Role.FACILITATOR
            if draw < 0.06
            else Role.CITIZEN
        )

    def users() -> Iterator[tuple]:
        for i, uid in enumerate(user_ids):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            created = now - timedelta(days=rng.randint(30, 900))
            yield (
                uid,
                f"bench{i}@lindenau.example",
                f"{first} {last}",
                password_hash,
                created,
                created,
                False,
                1,
                created,
            )

    put(
        "users",
        (
            "id",
            "email",
            "display_name",
            "password_hash",
            "email_verified_at",
            "consented_at",
            "is_platform_admin",
            "session_version",
            "created_at",
        ),
        users(),
    )
    first_membership = load.next_id("memberships")
    put(
        "memberships",
        ("id", "user_id", "municipality_id", "role", "created_at"),
        (
            (first_membership + i, uid, municipality_id, user_roles[uid].value, now)
            for i, uid in enumerate(user_ids)
        ),
    )
    groups = {uid: group_for(role).value for uid, role in user_roles.items()}
    citizens = [uid for uid in user_ids if user_roles[uid] == Role.CITIZEN]

    # processes, phases, formats, settings, categories
    first_process = load.next_id("processes")
    process_ids = [first_process + i for i in range(len(PROCESS_TOPICS))]
    slugs = [
        title.lower()
        .replace("ä", "ae")
        .replace("ö", "oe")
        .replace("ü", "ue")
        .replace("ß", "ss")
        .replace(" ", "-")
        for title, _topic in PROCESS_TOPICS
    ]
    put(
        "processes",
        (
            "id",
            "municipality_id",
            "slug",
            "title",
            "summary",
            "description",
            "topic",
            "image_alt",
            "state",
            "visibility",
            "contact_name",
            "contact_details",
            "goal",
            "question",
            "open_to_influence",
            "already_fixed",
            "decision_maker",
            "decision_timing",
            "input_use",
            "premoderated",
            "created_at",
            "updated_at",
            "published_at",
        ),
        (
            (
                pid,
                municipality_id,
                slug,
                title,
                f"Wie soll sich Lindenau beim Thema {topic} entwickeln? Ihre Ideen sind gefragt.",
                f"<p>{title}: Die Stadt sammelt Vorschläge und Hinweise aus der Bürgerschaft.</p>",
                topic,
                "",
                "published",
                "public",
                "Amt für Bürgerbeteiligung",
                "",
                "<p>Gemeinsam Prioritäten setzen.</p>",
                "<p>Was soll sich ändern?</p>",
                "<p>Reihenfolge und Ausgestaltung der Maßnahmen.</p>",
                "<p>Das Budget ist durch den Haushalt begrenzt.</p>",
                "council",
                "Gemeinderatssitzung im Herbst",
                "<p>Die Verwaltung wertet alle Beiträge aus und berichtet dem Gemeinderat.</p>",
                False,
                now - timedelta(days=120),
                now - timedelta(days=120),
                now - timedelta(days=100),
            )
            for pid, slug, (title, topic) in zip(process_ids, slugs, PROCESS_TOPICS, strict=True)
        ),
    )
    first_phase = load.next_id("phases")
    phases = []
    for i, pid in enumerate(process_ids):
        bounds = (
            ("information", "Information", now - timedelta(days=100), now - timedelta(days=90)),
            ("participation", "Beteiligung", now - timedelta(days=90), now + timedelta(days=60)),
            ("evaluation", "Auswertung", now + timedelta(days=60), now + timedelta(days=120)),
        )
        for j, (kind, title, starts, ends) in enumerate(bounds):
            handled = starts if starts < now else None
            phases.append(
                (first_phase + i * 3 + j, pid, kind, title, "", starts, ends, handled, None)
            )
    put(
        "phases",
        (
            "id",
            "process_id",
            "kind",
            "title",
            "description",
            "starts_at",
            "ends_at",
            "start_handled_at",
            "end_handled_at",
        ),
        phases,
    )
    first_format = load.next_id("process_formats")
    formats = [(pid, key) for pid in process_ids for key in ("proposals", "comments")] + [
        (process_ids[0], "surveys")
    ]
    put(
        "process_formats",
        ("id", "process_id", "key"),
        ((first_format + i, pid, key) for i, (pid, key) in enumerate(formats)),
    )
    first_setting = load.next_id("proposal_settings")
    put(
        "proposal_settings",
        ("id", "process_id", "answer_threshold", "answer_days"),
        ((first_setting + i, pid, 25, 30) for i, pid in enumerate(process_ids)),
    )
    first_category = load.next_id("proposal_categories")
    category_ids: dict[int, list[int]] = {}
    rows = []
    for i, pid in enumerate(process_ids):
        category_ids[pid] = []
        for position, name in enumerate(CATEGORIES):
            cid = first_category + i * len(CATEGORIES) + position
            category_ids[pid].append(cid)
            rows.append((cid, pid, name, position))
    put("proposal_categories", ("id", "process_id", "name", "position"), rows)

    # proposals: each with its contribution and thread
    per_process = [sizes.big_proposals, sizes.small_proposals] + [sizes.other_proposals] * (
        len(process_ids) - 2
    )
    next_contribution = load.next_id("contributions")
    first_thread = load.next_id("threads")
    first_proposal = load.next_id("proposals")
    proposals: list[tuple[int, int, int, datetime]] = []  # (id, process, thread, created)
    pid_of_thread: dict[int, int] = {}
    for pid, count in zip(process_ids, per_process, strict=True):
        for _ in range(count):
            index = len(proposals)
            created = now - timedelta(seconds=rng.randint(60, 89 * 86400))
            proposals.append((first_proposal + index, pid, first_thread + index, created))
            pid_of_thread[first_thread + index] = pid
    # The "hot" proposal (50 comments) is the first of the largest process.
    hot = proposals[0]

    weights = _weights(rng, len(proposals))
    support_counts = _spread(rng, sizes.supports, weights, cap=len(user_ids))
    comment_counts = _spread(rng, sizes.comments - sizes.hot_comments, weights, cap=5_000)
    comment_counts[0] = sizes.hot_comments

    put(
        "threads",
        ("id", "municipality_id", "process_id", "comment_count", "created_at"),
        (
            (tid, municipality_id, pid, comment_counts[i], created)
            for i, (_id, pid, tid, created) in enumerate(proposals)
        ),
    )
    proposal_contribution = {}
    author_of: dict[int, int] = {}
    for prop_id, _pid, _tid, _created in proposals:
        proposal_contribution[prop_id] = next_contribution
        next_contribution += 1
        author_of[prop_id] = rng.choice(citizens) if rng.random() < 0.92 else rng.choice(user_ids)
    put(
        "contributions",
        (
            "id",
            "municipality_id",
            "process_id",
            "author_id",
            "author_group",
            "kind",
            "visibility",
            "hidden_reason",
            "created_at",
        ),
        (
            (
                proposal_contribution[prop_id],
                municipality_id,
                pid,
                author_of[prop_id],
                groups[author_of[prop_id]],
                "proposal",
                "visible" if rng.random() > 0.01 else "hidden",
                "",
                created,
            )
            for prop_id, pid, _tid, created in proposals
        ),
    )

    def proposal_rows() -> Iterator[tuple]:
        for i, (prop_id, pid, tid, created) in enumerate(proposals):
            wish, place = rng.choice(WISHES), rng.choice(PLACES)
            reasons = " ".join(rng.sample(REASONS, 3))
            title = f"{wish} {place}"
            description_text = f"{wish} {place} wäre ein Gewinn für alle. {reasons}"
            if i % 1000 == 999:  # a rare word for the search benchmark: one proposal in 1,000
                description_text += f" Dazu passt ein {RARE_WORD} für heiße Tage."
            located = rng.random() < 0.3
            status = "submitted"
            answered = None
            draw = rng.random()
            if draw < 0.05:
                status, answered = "accepted", created + timedelta(days=rng.randint(1, 40))
            elif draw < 0.08:
                status, answered = "rejected", created + timedelta(days=rng.randint(1, 40))
            elif draw < 0.12:
                status = "under_review"
            if answered is not None and answered > now:
                answered = now
            yield (
                prop_id,
                municipality_id,
                pid,
                proposal_contribution[prop_id],
                tid,
                rng.choice(category_ids[pid]),
                title,
                f"<p>{description_text}</p>",
                description_text,
                f"{title} {description_text}".casefold(),
                48.77 + rng.uniform(-0.05, 0.05) if located else None,
                9.18 + rng.uniform(-0.05, 0.05) if located else None,
                rng.choice(PLACES).split(" ", 1)[1] if located else "",
                status,
                answered,
                support_counts[i],
                created,
                rng.randrange(RANDOM_KEYS),
            )

    put(
        "proposals",
        (
            "id",
            "municipality_id",
            "process_id",
            "contribution_id",
            "thread_id",
            "category_id",
            "title",
            "description",
            "description_text",
            "search_text",
            "latitude",
            "longitude",
            "address",
            "status",
            "answered_at",
            "support_count",
            "created_at",
            "random_key",
        ),
        proposal_rows(),
    )

    # supports: distinct people per proposal
    first_support = load.next_id("proposal_supports")

    def support_rows() -> Iterator[tuple]:
        sid = first_support
        for i, (prop_id, _pid, _tid, created) in enumerate(proposals):
            age = max(60, int((now - created).total_seconds()))
            for uid in rng.sample(user_ids, support_counts[i]):
                yield sid, prop_id, uid, created + timedelta(seconds=rng.randint(1, age))
                sid += 1

    put("proposal_supports", ("id", "proposal_id", "user_id", "created_at"), support_rows())

    # comments: threads of realistic depth (about half answer an earlier comment)
    first_comment = load.next_id("comments")
    comment_contribution_start = next_contribution
    comments: list[tuple] = []
    cid = first_comment
    for i, (_prop_id, _pid, tid, created) in enumerate(proposals):
        in_thread: list[tuple[int, int, int]] = []  # (id, root, depth)
        for _ in range(comment_counts[i]):
            parent = root = None
            depth = 0
            if in_thread and rng.random() < 0.5:
                parent_id, parent_root, parent_depth = rng.choice(in_thread[-20:])
                parent, root, depth = parent_id, parent_root or parent_id, parent_depth + 1
            author = rng.choice(user_ids)
            when = created + timedelta(seconds=rng.randint(30, 30 * 86400))
            comments.append((cid, tid, parent, root, depth, author, when))
            in_thread.append((cid, root, depth))
            cid += 1
    put(
        "contributions",
        (
            "id",
            "municipality_id",
            "process_id",
            "author_id",
            "author_group",
            "kind",
            "visibility",
            "hidden_reason",
            "created_at",
        ),
        (
            (
                comment_contribution_start + n,
                municipality_id,
                pid_of_thread[tid],
                author,
                groups[author],
                "comment",
                "visible",
                "",
                min(when, now),
            )
            for n, (_cid, tid, _parent, _root, _depth, author, when) in enumerate(comments)
        ),
    )
    next_contribution = comment_contribution_start + len(comments)

    def comment_rows() -> Iterator[tuple]:
        for n, (cid, tid, parent, root, depth, _author, _when) in enumerate(comments):
            source = rng.choice(COMMENT_TEXTS)
            yield (
                cid,
                comment_contribution_start + n,
                tid,
                parent,
                root,
                depth,
                source,
                f"<p>{source}</p>",
                False,
                0,
                0,
            )

    put(
        "comments",
        (
            "id",
            "contribution_id",
            "thread_id",
            "parent_id",
            "root_id",
            "depth",
            "source",
            "body",
            "is_official_answer",
            "agree_count",
            "disagree_count",
        ),
        comment_rows(),
    )
    comments.clear()

    survey_id = _seed_survey(load, put, rng, sizes, now, municipality_id, process_ids[0], groups)
    _keep_deadlines(process_ids)
    _keep_counts(process_ids)
    load.finish()
    return Plan(
        municipality_slug=BENCH_SLUG,
        big_process_slug=slugs[0],
        small_process_slug=slugs[1],
        hot_proposal_id=hot[0],
        survey_id=survey_id,
        category_id=category_ids[process_ids[0]][0],
        user_ids=user_ids,
        counts=counts,
    )


def _keep_deadlines(process_ids: list[int]) -> None:
    """The answer promise's kept deadlines, from the loaded supports (as a settings change does)."""
    from app.processes.models import Process
    from app.proposals.services import recompute_answer_due

    for process_id in process_ids:
        recompute_answer_due(db.session.get(Process, process_id))


def _keep_counts(process_ids: list[int]) -> None:
    """The list's kept counts, from the loaded proposals (COPY bypasses the flush that keeps them)."""
    from app.proposals.counts import recount

    recount(process_ids)


def _seed_survey(load, put, rng, sizes, now, municipality_id, process_id, groups) -> int:
    """One anonymous member survey with every question type and ``sizes.responses`` responses."""
    survey_id = load.next_id("surveys")
    put(
        "surveys",
        (
            "id",
            "municipality_id",
            "process_id",
            "title",
            "introduction",
            "closing_text",
            "state",
            "audience",
            "anonymous",
            "schedule",
            "results_visibility",
            "created_at",
            "updated_at",
        ),
        [
            (
                survey_id,
                municipality_id,
                process_id,
                "Wie bewegen Sie sich durch Lindenau?",
                "<p>Die Umfrage dauert etwa fünf Minuten.</p>",
                "<p>Vielen Dank für Ihre Teilnahme!</p>",
                "published",
                "members",
                True,
                "phase",
                "live",
                now - timedelta(days=90),
                now - timedelta(days=90),
            )
        ],
    )
    first_question = load.next_id("survey_questions")
    questions = [
        ("single", "Welches Verkehrsmittel nutzen Sie am häufigsten?",
         ["Fahrrad", "Auto", "Bus und Bahn", "Zu Fuß", "E-Scooter"]),
        ("multiple", "Was stört Sie im Verkehr am meisten?",
         ["Lärm", "Falschparker", "Fehlende Radwege", "Stau", "Unsichere Kreuzungen", "Abgase"]),
        ("yes_no", "Würden Sie ein 49-Euro-Ticket nutzen?", []),
        ("scale", "Wie zufrieden sind Sie mit dem Radwegenetz?", []),
        ("ranking", "Was soll zuerst angegangen werden?",
         ["Radwege", "Busverbindungen", "Gehwege", "Parkraum"]),
        ("long_text", "Was möchten Sie uns noch mitteilen?", []),
    ]  # fmt: skip
    put(
        "survey_questions",
        ("id", "survey_id", "position", "type", "text", "help", "required", "allow_other",
         "scale_min", "scale_max", "scale_min_label", "scale_max_label"),
        (
            (first_question + i, survey_id, i, kind, text_, "", kind != "long_text", False, 1, 5,
             "gar nicht" if kind == "scale" else "", "sehr" if kind == "scale" else "")
            for i, (kind, text_, _options) in enumerate(questions)
        ),
    )  # fmt: skip
    first_option = load.next_id("survey_options")
    options: dict[int, list[int]] = {}
    option_rows = []
    oid = first_option
    for i, (_kind, _text, labels) in enumerate(questions):
        options[first_question + i] = []
        for position, label in enumerate(labels):
            option_rows.append((oid, first_question + i, label, position))
            options[first_question + i].append(oid)
            oid += 1
    put("survey_options", ("id", "question_id", "label", "position"), option_rows)

    respondents = rng.sample(list(groups), sizes.responses)
    first_response = load.next_id("survey_responses")
    day = now.replace(hour=0, minute=0, second=0)
    put(
        "survey_responses",
        ("id", "survey_id", "author_group", "created_at", "updated_at"),
        (
            (first_response + i, survey_id, groups[uid], when, when)
            for i, uid in enumerate(respondents)
            for when in (day - timedelta(days=rng.randint(0, 80)),)
        ),
    )
    put(
        "survey_participations",
        ("survey_id", "user_id"),
        ((survey_id, uid) for uid in respondents),
    )
    first_answer = load.next_id("survey_answers")
    first_text_contribution = load.next_id("contributions")
    text_answers: list[tuple[int, str]] = []  # (response, text)
    answers: list[tuple] = []
    aid = first_answer
    q = [first_question + i for i in range(len(questions))]
    for i in range(sizes.responses):
        rid = first_response + i
        answers.append((aid, rid, q[0], rng.choice(options[q[0]]), None, None, None))
        aid += 1
        for option in rng.sample(options[q[1]], rng.randint(1, 3)):
            answers.append((aid, rid, q[1], option, None, None, None))
            aid += 1
        answers.append((aid, rid, q[2], None, rng.randint(0, 1), None, None))
        aid += 1
        answers.append((aid, rid, q[3], None, rng.randint(1, 5), None, None))
        aid += 1
        for rank, option in enumerate(rng.sample(options[q[4]], 4), 1):
            answers.append((aid, rid, q[4], option, rank, None, None))
            aid += 1
        if rng.random() < 0.1:
            contribution = first_text_contribution + len(text_answers)
            words = rng.choice(COMMENT_TEXTS)
            text_answers.append((contribution, words))
            answers.append((aid, rid, q[5], None, None, words, contribution))
            aid += 1
    put(
        "contributions",
        ("id", "municipality_id", "process_id", "author_id", "author_group", "kind", "visibility",
         "hidden_reason", "created_at"),
        (
            (contribution, municipality_id, process_id, None, "citizens", "survey_answer",
             "visible", "", day)
            for contribution, _words in text_answers
        ),
    )  # fmt: skip
    put(
        "survey_answers",
        ("id", "response_id", "question_id", "option_id", "value_int", "text", "contribution_id"),
        answers,
    )
    return survey_id


def check_counters() -> dict[str, int]:
    """Kept counters that disagree with their rows (0 everywhere after a correct load)."""
    from app.comments.models import Comment
    from app.contributions.models import Contribution, Thread, Visibility
    from app.proposals.models import Proposal, ProposalCount, ProposalSupport

    supports = (
        select(func.count())
        .select_from(ProposalSupport)
        .where(ProposalSupport.proposal_id == Proposal.id)
        .scalar_subquery()
    )
    comments = (
        select(func.count())
        .select_from(Comment)
        .join(Contribution, Contribution.id == Comment.contribution_id)
        .where(Comment.thread_id == Thread.id, Contribution.visibility == Visibility.VISIBLE)
        .scalar_subquery()
    )
    listed = (
        select(Proposal.process_id, func.count().label("n"))
        .join(Contribution, Contribution.id == Proposal.contribution_id)
        .where(Contribution.visibility == Visibility.VISIBLE)
        .group_by(Proposal.process_id)
        .subquery()
    )
    kept = (
        select(ProposalCount.process_id, func.sum(ProposalCount.n).label("n"))
        .group_by(ProposalCount.process_id)
        .subquery()
    )
    return {
        "proposal_supports": db.session.scalar(
            select(func.count()).select_from(Proposal).where(Proposal.support_count != supports)
        ),
        # the list's kept totals (app.proposals.counts) against the listed proposals per process
        "proposal_counts": db.session.scalar(
            select(func.count())
            .select_from(listed)
            .outerjoin(kept, kept.c.process_id == listed.c.process_id)
            .where(func.coalesce(kept.c.n, 0) != listed.c.n)
        ),
        "thread_comments": db.session.scalar(
            select(func.count()).select_from(Thread).where(Thread.comment_count != comments)
        ),
    }
