"""Documents: uploads are checked by their bytes, stored under random keys, served with safe headers
and only to those who may read the place they are attached to."""

from __future__ import annotations

import io

import pytest
from documents_support import attach, docx_bytes, pdf_bytes, png_bytes
from proposals_support import create_proposal, switch_on_proposals

from app.core.roles import Role


@pytest.fixture
def town(app, make_municipality, make_member, make_process):
    home = make_municipality(slug="musterstadt")
    other = make_municipality(slug="beispielheim")
    return {
        "home": home,
        "other": other,
        "process": make_process(home),
        "staff": make_member(home, Role.STAFF),
        "citizen": make_member(home, Role.CITIZEN),
        "council": make_member(home, Role.COUNCIL),
        "other_staff": make_member(other, Role.STAFF),
    }


def _check(app, data: bytes, name: str, max_bytes: int = 20_000_000):
    from app.documents import files

    with app.test_request_context():
        return files.check_upload(data, name, max_bytes)


# --- what an upload is ----------------------------------------------------------------------------


def test_pdf_is_accepted_with_its_page_count(app):
    checked = _check(app, pdf_bytes(3), "plan.pdf")
    assert checked.content_type == "application/pdf"
    assert checked.page_count == 3


def test_word_file_is_recognised_by_its_parts(app):
    checked = _check(app, docx_bytes(), "Bericht.DOCX")
    assert checked.content_type.endswith("wordprocessingml.document")


def test_png_that_is_also_html_is_stored_as_pixels_only(app):
    polyglot = png_bytes() + b"<html><script>alert(1)</script></html>"
    checked = _check(app, polyglot, "bild.png")
    assert checked.content_type == "image/png"
    assert b"<script" not in checked.data
    assert checked.thumbnail is not None


def test_pdf_with_web_page_code_is_refused(app):
    from app.documents.files import InvalidFile

    polyglot = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n"
    with pytest.raises(InvalidFile):
        _check(app, polyglot + pdf_bytes(1)[8:], "plan.pdf")


def test_pdf_that_is_also_a_zip_archive_is_refused(app):
    from app.documents.files import InvalidFile

    with pytest.raises(InvalidFile):
        _check(app, pdf_bytes(1) + docx_bytes(), "plan.pdf")


def test_svg_is_refused_whatever_its_name(app):
    from app.documents.files import InvalidFile

    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for name in ("plan.svg", "plan.png", "plan.pdf"):
        with pytest.raises(InvalidFile):
            _check(app, svg, name)


def test_html_named_pdf_is_refused(app):
    from app.documents.files import InvalidFile

    with pytest.raises(InvalidFile):
        _check(app, b"<!doctype html><p>%PDF-1.4</p>", "plan.pdf")


def test_oversized_file_is_refused(app):
    from app.documents.files import InvalidFile

    with pytest.raises(InvalidFile, match=r"large|groß"):
        _check(app, pdf_bytes(1), "plan.pdf", max_bytes=100)


def test_wrong_extension_is_refused(app):
    from app.documents.files import InvalidFile

    with pytest.raises(InvalidFile):
        _check(app, png_bytes(), "plan.pdf")
    with pytest.raises(InvalidFile):
        _check(app, pdf_bytes(1), "plan.exe")


def test_macro_enabled_office_file_is_refused(app):
    import zipfile

    from app.documents.files import InvalidFile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes())) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("word/vbaProject.bin", b"macro")
    with pytest.raises(InvalidFile):
        _check(app, out.getvalue(), "bericht.docx")


def test_file_name_keeps_no_path():
    from app.documents.files import safe_filename

    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\Users\\x\\plan.pdf") == "plan.pdf"
    assert safe_filename('"><script>.pdf') == "script.pdf"


# --- through the back office ----------------------------------------------------------------------


def _upload(client, process, name: str, data: bytes, **fields):
    form = {"title": "Plan", "language": "de", "target": "process", **fields}
    form["file"] = (io.BytesIO(data), name)
    return client.post(
        f"/musterstadt/admin/processes/{process.id}/documents",
        data=form,
        content_type="multipart/form-data",
    )


def test_staff_upload_a_pdf_and_the_process_page_shows_pages_and_size(app, client, login, town):
    login(client, town["staff"])
    response = _upload(client, town["process"], "plan.pdf", pdf_bytes(2), title="Bebauungsplan")
    assert response.status_code == 302
    page = client.get(f"/musterstadt/processes/{town['process'].slug}/").get_data(as_text=True)
    assert "Bebauungsplan" in page
    assert "2 Seiten" in page or "2 pages" in page


def test_image_without_text_alternative_is_refused(app, client, login, town):
    login(client, town["staff"])
    response = _upload(client, town["process"], "bild.png", png_bytes(), alt_text="")
    assert response.status_code == 422
    assert (
        _upload(client, town["process"], "bild.png", png_bytes(), alt_text="Ein Platz").status_code
        == 302
    )


def test_citizen_cannot_upload(app, client, login, town):
    login(client, town["citizen"])
    assert _upload(client, town["process"], "plan.pdf", pdf_bytes(1)).status_code == 403


def test_upload_to_a_phase_of_another_process_is_refused(app, client, login, town, make_process):
    from app.extensions import db
    from app.processes.models import Phase

    elsewhere = make_process(town["home"])
    with app.app_context():
        phase_id = db.session.scalar(db.select(Phase.id).where(Phase.process_id == elsewhere.id))
    login(client, town["staff"])
    response = _upload(
        client, town["process"], "plan.pdf", pdf_bytes(1), target=f"phase-{phase_id}"
    )
    assert response.status_code == 422


def test_stored_key_is_random_and_says_nothing_of_the_name(app, town):
    from app.documents.models import Document
    from app.extensions import db

    document_id = attach(app, town["process"], town["staff"], pdf_bytes(1), "geheimer-plan.pdf")
    with app.app_context():
        document = db.session.get(Document, document_id)
        assert "geheim" not in document.storage_key
        assert document.filename == "geheimer-plan.pdf"


# --- downloads ----------------------------------------------------------------------------------


def _url(process, document_id: int, slug: str = "musterstadt") -> str:
    return f"/{slug}/processes/{process.slug}/documents/{document_id}"


def test_download_is_an_attachment_that_the_browser_does_not_sniff(app, client, town):
    document_id = attach(app, town["process"], town["staff"], pdf_bytes(1), "plan.pdf")
    response = client.get(_url(town["process"], document_id))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "plan.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_members_only_documents(app, client, login, town, make_process):
    process = make_process(town["home"], visibility="members")
    document_id = attach(app, process, town["staff"], pdf_bytes(1), "plan.pdf")
    url = _url(process, document_id)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    login(client, town["other_staff"])
    assert client.get(url).status_code == 403
    login(client, town["citizen"])
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]


def test_draft_documents_only_for_those_who_manage(app, client, login, town, make_process):
    process = make_process(town["home"], state="draft")
    document_id = attach(app, process, town["staff"], pdf_bytes(1), "plan.pdf")
    assert client.get(_url(process, document_id)).status_code == 404
    login(client, town["citizen"])
    assert client.get(_url(process, document_id)).status_code == 404
    login(client, town["staff"])
    assert client.get(_url(process, document_id)).status_code == 200


def test_document_ids_do_not_cross_municipalities(app, client, login, town, make_process):
    theirs = make_process(town["other"], visibility="members")
    document_id = attach(app, theirs, town["other_staff"], pdf_bytes(1), "intern.pdf")
    login(client, town["staff"])
    # through our slug and a process of ours: not found; through theirs: not a member
    assert client.get(_url(town["process"], document_id)).status_code == 404
    assert client.get(_url(theirs, document_id)).status_code == 404
    assert client.get(_url(theirs, document_id, slug="beispielheim")).status_code == 403


def test_answer_documents_follow_their_proposal(app, client, login, town):
    from app.contributions.models import Contribution, Visibility
    from app.extensions import db
    from app.proposals.models import Proposal, ProposalStatus, ProposalStatusChange

    switch_on_proposals(app, town["process"])
    proposal_id = create_proposal(app, town["process"], town["citizen"])
    with app.app_context():
        answer = ProposalStatusChange(
            proposal_id=proposal_id,
            status=ProposalStatus.ACCEPTED,
            response="<p>Ja</p>",
            office="Amt",
        )
        db.session.add(answer)
        db.session.commit()
        answer_id = answer.id
    document_id = attach(
        app,
        town["process"],
        town["staff"],
        pdf_bytes(1),
        "antwort.pdf",
        target=f"answer-{answer_id}",
    )
    url = _url(town["process"], document_id)
    assert client.get(url).status_code == 200
    page = client.get(f"/musterstadt/processes/{town['process'].slug}/proposals/{proposal_id}")
    assert f"/documents/{document_id}" in page.get_data(as_text=True)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        db.session.get(Contribution, proposal.contribution_id).visibility = Visibility.HIDDEN
        db.session.commit()
    assert client.get(url).status_code == 404
    login(client, town["staff"])
    assert client.get(url).status_code == 200


def test_outcome_documents_are_public_once_the_outcome_is(app, client, login, town):
    from app.core.time import utcnow
    from app.extensions import db
    from app.outcomes.models import Outcome

    with app.app_context():
        outcome = Outcome(
            municipality_id=town["home"].id, process_id=town["process"].id, summary="<p>Fertig</p>"
        )
        db.session.add(outcome)
        db.session.commit()
        outcome_id = outcome.id
    document_id = attach(
        app,
        town["process"],
        town["staff"],
        pdf_bytes(1),
        "beschluss.pdf",
        target=f"outcome-{outcome_id}",
    )
    url = _url(town["process"], document_id)
    assert client.get(url).status_code == 404
    login(client, town["council"])  # reads the report: sees the draft outcome and its documents
    assert client.get(url).status_code == 200
    with app.app_context():
        db.session.get(Outcome, outcome_id).published_at = utcnow()
        db.session.commit()
    client.post("/logout")
    assert client.get(url).status_code == 200


def test_thumbnail_of_an_image(app, client, town):
    document_id = attach(app, town["process"], town["staff"], png_bytes((800, 600)), "plan.png")
    response = client.get(_url(town["process"], document_id) + "/thumbnail")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    from PIL import Image

    assert max(Image.open(io.BytesIO(response.data)).size) <= 320
    pdf_id = attach(app, town["process"], town["staff"], pdf_bytes(1), "plan.pdf")
    assert client.get(_url(town["process"], pdf_id) + "/thumbnail").status_code == 404


# --- deleting -----------------------------------------------------------------------------------


def test_deleting_a_cited_document_asks_first_and_is_audited(app, client, login, town):
    from app.core.audit import AuditEntry
    from app.core.time import utcnow
    from app.documents.models import Document
    from app.extensions import db
    from app.outcomes.models import Outcome

    with app.app_context():
        outcome = Outcome(
            municipality_id=town["home"].id, process_id=town["process"].id, published_at=utcnow()
        )
        db.session.add(outcome)
        db.session.commit()
        outcome_id = outcome.id
    document_id = attach(
        app,
        town["process"],
        town["staff"],
        pdf_bytes(1),
        "beschluss.pdf",
        target=f"outcome-{outcome_id}",
    )
    with app.app_context():
        key = db.session.get(Document, document_id).storage_key
    login(client, town["staff"])
    url = f"/musterstadt/admin/processes/{town['process'].id}/documents/{document_id}/delete"
    page = client.get(url).get_data(as_text=True)
    assert 'name="confirm"' in page
    assert client.post(url, data={"reason": "veraltet"}).status_code == 422
    with app.app_context():
        assert db.session.get(Document, document_id) is not None
    assert client.post(url, data={"confirm": "y", "reason": "veraltet"}).status_code == 302
    with app.app_context():
        assert db.session.get(Document, document_id) is None
        entry = db.session.scalar(
            db.select(AuditEntry).where(AuditEntry.action == "document.delete")
        )
        assert entry.object_id == document_id and entry.reason == "veraltet"
        from app.documents.storage import StoreError, get_store

        with pytest.raises(StoreError):
            get_store().open(key)


def test_uncited_document_is_deleted_without_the_extra_question(app, client, login, town):
    document_id = attach(app, town["process"], town["staff"], pdf_bytes(1), "plan.pdf")
    login(client, town["staff"])
    url = f"/musterstadt/admin/processes/{town['process'].id}/documents/{document_id}/delete"
    assert 'name="confirm"' not in client.get(url).get_data(as_text=True)
    assert client.post(url, data={}).status_code == 302


def test_local_store_refuses_keys_outside_its_folder(tmp_path):
    from app.documents.storage import LocalStore, StoreError

    store = LocalStore(tmp_path / "documents")
    with pytest.raises(StoreError):
        store.put("../escape.txt", b"x", "text/plain")
    store.put("thumbs/a.png", b"x", "image/png")
    assert store.open("thumbs/a.png").read() == b"x"
