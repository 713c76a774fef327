from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
)
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.core.pagination import paginate
from app.core.urls import safe_next
from app.extensions import db
from app.municipalities.services import active_municipalities

bp = Blueprint("site", __name__)


@bp.get("/")
def home():
    page = paginate(active_municipalities())
    return render_template("site/home.html", page=page)


@bp.get("/<any(impressum, datenschutz, barrierefreiheit, nutzungsbedingungen):name>")
def legal(name: str):
    """The platform operator's own page: its newest edited version, else the built-in template."""
    from app.privacy.legal import page_context

    return render_template("privacy/legal_page.html", **page_context(None, name))


@bp.get("/lang/<code>")
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    if current_user.is_authenticated and current_user.locale != code:
        current_user.locale = code  # mails (notifications) follow the language last chosen
        db.session.commit()
    return redirect(safe_next(request.args.get("next"), "/"))


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok")
