"""Trialog: a participation platform for municipalities."""

from __future__ import annotations

import importlib

from flask import Flask, g
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from config import config_for

# The domain packages, in the order the factory plugs them in. A domain plugs in through one
# function, ``init_app(app)`` in its package's ``__init__.py``: it registers its blueprints,
# permission rules, contribution kinds, thread owners, participation formats, scheduler jobs and
# demo seeders (see ``app/demo.py``: ``register_demo_seeder``). Its ``models`` module is imported by
# ``app/models.py`` from this list. So a new domain is one line here and touches no other module.
# Order matters only for blueprints that share an address prefix and for Jinja globals one domain
# overrides; demo seeders carry their own order.
DOMAINS: tuple[str, ...] = (
    "app.site",
    "app.accounts",
    "app.municipalities",
    "app.processes",
    "app.moderation",
    "app.proposals",
    "app.surveys",
    "app.drafts",
    "app.contributions",
    "app.comments",
    "app.outcomes",
    "app.api",
    "app.notifications",
    "app.privacy",
    "app.residency",
    "app.events",
    "app.documents",
    "app.search",
    "app.facilitation",
)


def init_domains(app: Flask) -> None:
    """Call every domain's ``init_app``; a package without one (not converted yet) is skipped."""
    for name in DOMAINS:
        init = getattr(importlib.import_module(name), "init_app", None)
        if init is not None:
            init(app)


def create_app(config_name: str | None = None) -> Flask:
    from app import cli
    from app import models as _models  # noqa: F401  every table known to the metadata
    from app.core import permissions, request_cache
    from app.core.errors import init_error_handlers
    from app.core.forms import init_forms
    from app.core.fragments import init_fragments
    from app.core.htmx import init_htmx
    from app.core.hyphenate import hyphenate
    from app.core.i18n import init_date_formats, select_locale
    from app.core.page_cache import init_page_cache
    from app.core.proxy import init_proxy
    from app.core.requests import init_requests
    from app.core.security import init_security_headers
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate, write_limiter
    from app.municipalities.tenancy import init_tenancy

    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    app.config.from_object(config_for(config_name))

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    init_forms()
    init_fragments(app)  # after Flask-WTF: the templates' csrf_token knows kept cards
    limiter.init_app(app)
    write_limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    init_date_formats(babel)  # one short and one long date format everywhere
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    init_requests(app)  # converters and parser, before any blueprint adds its rules
    init_htmx(app)
    init_tenancy(app)
    init_domains(app)
    init_error_handlers(app)
    init_security_headers(app)  # after the domains: a domain may add sources to the CSP
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(can=permissions.can, get_locale=get_locale)
    app.jinja_env.filters["hyphenate"] = hyphenate  # soft hyphens in long words of titles
    # Each distinct moment is formatted once per request (a thread shows the same ones often).
    app.jinja_env.filters["datetime"] = request_cache.format_datetime_once
    app.jinja_env.filters["date"] = request_cache.format_date_once

    @app.context_processor
    def _tenant_context() -> dict:
        return {"current_municipality": g.get("municipality")}

    cli.register(app)
    init_page_cache(app)  # wraps the WSGI app: inside the proxy fix, which sets host and scheme
    init_proxy(app)  # the proxies' X-Forwarded-* headers, from trusted proxies only
    return app
