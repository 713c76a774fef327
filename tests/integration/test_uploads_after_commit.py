"""An uploaded file is deleted only after the commit that stops using it."""

from __future__ import annotations

import io

from PIL import Image

from app.core import uploads
from app.extensions import db


def _stored(app) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    buffer.seek(0)
    with app.app_context():
        return uploads.store_image(buffer, "processes")


def test_a_file_given_up_stays_when_the_transaction_rolls_back(app):
    key = _stored(app)
    with app.app_context():
        uploads.delete_after_commit(key)
        assert (uploads.upload_root() / key).exists()  # not before the commit
        db.session.rollback()
        db.session.commit()  # a later commit of the same session deletes nothing
        assert (uploads.upload_root() / key).exists()


def test_a_file_given_up_goes_with_the_commit(app):
    key = _stored(app)
    with app.app_context():
        uploads.delete_after_commit(key)
        db.session.commit()
        assert not (uploads.upload_root() / key).exists()


def test_replacing_a_process_image_keeps_the_old_one_until_the_commit(
    app, make_municipality, make_user, make_process
):
    from app.accounts.models import User
    from app.municipalities.models import Municipality
    from app.processes import services
    from app.processes.models import Process

    old_key = _stored(app)
    town = make_municipality(xss=False)
    process = make_process(town, xss=False, image_key=old_key)
    actor = make_user()
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    buffer.seek(0)
    with app.app_context():
        loaded = db.session.get(Process, process.id)
        data = services.ProcessData(title=loaded.title, slug=loaded.slug, image=buffer)
        services.save_process(
            db.session.get(User, actor.id), db.session.get(Municipality, town.id), data, loaded
        )
        assert (uploads.upload_root() / old_key).exists()
        db.session.rollback()  # the request failed after all: the row still names the old image
        assert (uploads.upload_root() / old_key).exists()
