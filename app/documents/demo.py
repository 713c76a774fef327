"""Demo documents: the Marktplatz process gets its draft plan and a study (PDFs) and a site plan
(PNG); the finished Radverkehrskonzept's outcome cites the council's resolution.

The files are made here, in code (weasyprint for the PDFs, Pillow for the image), so the demo needs
no download and no binary in the repository. They go through ``services.attach``, the same checks as
an upload; no audit entries are skipped. Idempotent: a process that has documents gets no more.
"""

from __future__ import annotations

import io

from sqlalchemy import select

from app.accounts.models import User
from app.documents import services
from app.documents.models import Document
from app.extensions import db
from app.municipalities.models import Municipality
from app.outcomes.models import Outcome
from app.processes.models import PhaseKind, Process

PLAN_HTML = """
<html lang="de"><head><style>
@page {{ size: A4; margin: 2cm; }} body {{ font-family: sans-serif; }}
h1 {{ color: #1a4d7a; }} .page {{ page-break-after: always; }}
</style></head><body>
{pages}
</body></html>
"""


def _pdf(title: str, pages: list[str]) -> bytes:
    from weasyprint import HTML

    body = "".join(
        f'<div class="page"><h1>{title}</h1><p>Seite {n} von {len(pages)}</p><p>{text}</p></div>'
        for n, text in enumerate(pages, 1)
    )
    return HTML(string=PLAN_HTML.format(pages=body)).write_pdf()


def _site_plan() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (800, 500), "#f4f1e8")
    draw = ImageDraw.Draw(image)
    draw.rectangle((150, 100, 650, 400), fill="#d9d2bf", outline="#6b6250", width=4)  # the square
    for x in range(200, 620, 70):  # trees
        draw.ellipse((x, 120, x + 40, 160), fill="#4f8a3c")
        draw.ellipse((x, 340, x + 40, 380), fill="#4f8a3c")
    draw.ellipse((360, 210, 440, 290), fill="#7fb2d9", outline="#35607f", width=3)  # fountain
    draw.rectangle((0, 430, 800, 480), fill="#9a9a9a")  # the road
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _process(municipality: Municipality, slug: str) -> Process | None:
    return db.session.scalar(
        select(Process).where(Process.municipality_id == municipality.id, Process.slug == slug)
    )


def _has_documents(process: Process) -> bool:
    return (
        db.session.scalar(select(Document.id).where(Document.process_id == process.id).limit(1))
        is not None
    )


def seed_documents(municipalities: dict[str, Municipality], users: dict[str, User]) -> None:
    musterstadt = municipalities.get("musterstadt")
    staff = users.get("verwaltung@musterstadt.example")
    if musterstadt is None or staff is None:
        return
    marktplatz = _process(musterstadt, "neugestaltung-marktplatz")
    if marktplatz is not None and not _has_documents(marktplatz):
        _seed_marktplatz(marktplatz, staff)
    radverkehr = _process(musterstadt, "radverkehrskonzept-2030")
    if radverkehr is not None and not _has_documents(radverkehr):
        outcome = db.session.scalar(select(Outcome).where(Outcome.process_id == radverkehr.id))
        if outcome is not None:
            services.attach(
                staff,
                radverkehr,
                services.DocumentData(
                    title="Beschluss des Gemeinderats zum Radverkehrskonzept 2030",
                    description="Die Beschlussvorlage mit den zwölf Maßnahmen und ihrer Reihenfolge.",
                    alt_text="Der Gemeinderat beschließt das Konzept; Maßnahme 1 ist der "
                    "geschützte Radweg zur Realschule.",
                    target=f"outcome-{outcome.id}",
                ),
                _pdf(
                    "Beschluss Radverkehrskonzept 2030",
                    ["Der Gemeinderat beschließt das Radverkehrskonzept 2030 mit zwölf Maßnahmen."],
                ),
                "beschluss-radverkehrskonzept-2030.pdf",
            )


def _seed_marktplatz(process: Process, staff: User) -> None:
    participation = next((p for p in process.phases if p.kind == PhaseKind.PARTICIPATION), None)
    services.attach(
        staff,
        process,
        services.DocumentData(
            title="Entwurf Gestaltungsplan Marktplatz",
            description="Der Vorentwurf des Planungsbüros: Bäume, Wasserspiel, Sitzstufen und "
            "die neue Aufteilung der Flächen.",
            alt_text="Der Plan zeigt zwölf neue Bäume an den Rändern, ein Wasserspiel in der "
            "Mitte und Sitzstufen vor dem Rathaus; Parkplätze entfallen zugunsten von "
            "Markt- und Aufenthaltsflächen.",
        ),
        _pdf(
            "Entwurf Gestaltungsplan Marktplatz",
            [
                "Übersicht: zwölf neue Bäume, ein Wasserspiel und Sitzstufen vor dem Rathaus.",
                "Flächen: Markttage mittwochs und samstags, Aufenthalt an allen anderen Tagen.",
            ],
        ),
        "gestaltungsplan-marktplatz-entwurf.pdf",
    )
    services.attach(
        staff,
        process,
        services.DocumentData(
            title="Verkehrs- und Nutzungsstudie Marktplatz",
            description="Zählungen von Fußverkehr, Radverkehr und Parkplatzbelegung über vier "
            "Wochen, mit Empfehlungen.",
            alt_text="Die Parkplätze sind im Mittel zu 40 % belegt; an Markttagen queren "
            "dreimal so viele Menschen den Platz zu Fuß wie an anderen Tagen.",
            target=f"phase-{participation.id}" if participation else "process",
        ),
        _pdf(
            "Verkehrs- und Nutzungsstudie Marktplatz",
            [
                "Zählungen über vier Wochen: Fußverkehr, Radverkehr, Parkplatzbelegung.",
                "Ergebnis: mittlere Belegung der Parkplätze 40 %.",
                "Empfehlung: Markt- und Aufenthaltsflächen vergrößern.",
            ],
        ),
        "verkehrsstudie-marktplatz.pdf",
    )
    services.attach(
        staff,
        process,
        services.DocumentData(
            title="Lageplan des Marktplatzes",
            description="Skizze des heutigen Platzes mit den Vorschlägen des Entwurfs.",
            alt_text="Skizze: ein rechteckiger Platz mit je einer Baumreihe oben und unten, "
            "einem runden Brunnen in der Mitte und der Straße am unteren Rand.",
        ),
        _site_plan(),
        "lageplan-marktplatz.png",
    )
