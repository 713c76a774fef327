"""Trialog: a participation platform for municipalities."""

from __future__ import annotations

from flask import Flask, g
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from config import config_for


def create_app(config_name: str | None = None) -> Flask:
    from app import cli
    from app import models as _models  # noqa: F401  every table known to the metadata
    from app.accounts import views as accounts
    from app.api import init_app as init_api
    from app.comments import init_app as init_comments
    from app.contributions import policies as _contribution_policies  # noqa: F401  registers rules
    from app.core import permissions
    from app.core.errors import init_error_handlers
    from app.core.i18n import select_locale
    from app.core.requests import init_requests
    from app.core.security import init_security_headers
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate
    from app.moderation import audit_views
    from app.moderation import policies as _moderation_policies  # noqa: F401  registers rules
    from app.moderation import views as moderation
    from app.municipalities import platform_views as platform
    from app.municipalities import policies as _municipality_policies  # noqa: F401  registers rules
    from app.municipalities import views as municipalities
    from app.municipalities.tenancy import init_tenancy
    from app.notifications import init_app as init_notifications
    from app.outcomes import init_app as init_outcomes
    from app.privacy import init_app as init_privacy
    from app.processes import jobs as _process_jobs  # noqa: F401  registers scheduler jobs
    from app.processes import policies as _process_policies  # noqa: F401  registers rules
    from app.processes import views as processes
    from app.proposals import policies as _proposal_policies  # noqa: F401  registers rules
    from app.proposals import views as proposals
    from app.residency import init_app as init_residency
    from app.site import views as site
    from app.surveys import policies as _survey_policies  # noqa: F401  registers rules
    from app.surveys import views as surveys

    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    app.config.from_object(config_for(config_name))
    if app.config["TRUST_PROXY_HOPS"]:
        hops = app.config["TRUST_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    init_requests(app)  # converters and parser, before any blueprint adds its rules
    init_tenancy(app)
    for blueprint in (site.bp, accounts.bp, platform.bp, municipalities.bp, processes.bp):
        app.register_blueprint(blueprint)
    for blueprint in (
        moderation.bp,
        moderation.account_bp,
        audit_views.bp,
        audit_views.platform_bp,
    ):
        app.register_blueprint(blueprint)
    app.register_blueprint(proposals.bp)  # before the CSP is built: it adds the map tile host
    app.register_blueprint(surveys.bp)

    init_comments(app)
    init_notifications(app)
    init_api(app)
    init_outcomes(app)
    init_privacy(app)
    init_residency(app)
    init_error_handlers(app)
    init_security_headers(app)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(can=permissions.can, get_locale=get_locale)
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["date"] = format_date

    @app.context_processor
    def _tenant_context() -> dict:
        return {"current_municipality": g.get("municipality")}

    cli.register(app)
    return app
