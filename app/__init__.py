"""Parley's Flask application: ``create_app`` builds it in small steps."""

from __future__ import annotations

import os

from flask import Flask, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from app.accounts.blueprint import bp as accounts_bp
from app.accounts.session import configure_sessions
from app.audit.blueprint import bp as audit_bp
from app.campaigns.blueprint import bp as campaigns_bp
from app.campaigns.surveys import SurveyChangedError
from app.cli import register_commands
from app.config import configure
from app.exchange.blueprint import admin_bp as exchange_admin_bp
from app.exchange.blueprint import bp as exchange_bp
from app.extensions import csrf, db, limiter, login_manager, migrate
from app.jobs.blueprint import bp as jobs_bp
from app.monitor.blueprint import bp as monitor_bp
from app.participant.blueprint import bp as participant_bp
from app.participant.blueprint import images_bp, preview_bp
from app.retention.blueprint import bp as retention_bp
from app.web.autocommit_reads import (
    begin_autocommit_reads,
    configure_autocommit_reads,
    end_autocommit_reads,
)
from app.web.database import (
    begin_deferred_request,
    configure_engine,
    configure_session_teardown,
    end_deferred_request,
)
from app.web.edge import configure_edge_checks
from app.web.errors import configure_errors
from app.web.figures import configure_figures
from app.web.file_modes import configure_file_modes
from app.web.i18n import configure_i18n
from app.web.security import check_rate_limit_storage, configure_proxy, configure_security_headers

__all__ = ["create_app"]

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")
#: Where every page for staff lives; participants' pages are under /c/<slug>/.
ADMIN = "/admin"


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app; ``test_config`` replaces instance config and environment."""
    # PARLEY_INSTANCE_PATH: a host's own instance folder (several hosts, one database).
    instance = os.environ.get("PARLEY_INSTANCE_PATH") if test_config is None else None
    app = Flask(__name__, instance_relative_config=True,
                instance_path=os.path.abspath(instance) if instance else None)
    os.makedirs(app.instance_path, mode=0o700, exist_ok=True)
    configure(app, test_config)
    configure_file_modes(app)
    check_rate_limit_storage(app)
    configure_proxy(app)
    configure_errors(app)
    configure_edge_checks(app)
    configure_extensions(app)
    configure_i18n(app)
    configure_figures(app)
    configure_security_headers(app)
    configure_sessions(app)
    register_blueprints(app)
    register_error_pages(app)
    register_cli(app)
    return app


def configure_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
        configure_autocommit_reads(db.engine)
    configure_session_teardown(app, db)
    migrate.init_app(app, db, directory=MIGRATIONS)
    configure_transactions(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"


def configure_transactions(app: Flask) -> None:
    """GET, HEAD and ``@reads_first`` views read without SQLite's write lock (app/web/database.py).

    On PostgreSQL the participant blueprint's such views read in autocommit
    (app/web/autocommit_reads.py).
    """

    @app.before_request
    def _reads_first():
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        g.parley_begin_token = begin_deferred_request(view, request.method)
        if g.parley_begin_token is not None and request.blueprint == "participant":
            g.parley_autocommit_token = begin_autocommit_reads()

    @app.teardown_request
    def _end_reads_first(_exc):
        if (token := g.pop("parley_autocommit_token", None)) is not None:
            end_autocommit_reads(token)
        end_deferred_request(g.pop("parley_begin_token", None))


def register_blueprints(app: Flask) -> None:
    """The site's map: the journey under /c/<slug>/, every staff page under /admin."""
    app.register_blueprint(participant_bp, url_prefix="/c/<slug>")
    app.register_blueprint(exchange_bp, url_prefix="/c/<slug>/exchange")
    app.register_blueprint(images_bp, url_prefix="/images")
    for bp in (campaigns_bp, preview_bp, accounts_bp, audit_bp, monitor_bp, jobs_bp, retention_bp):
        app.register_blueprint(bp, url_prefix=ADMIN)
    app.register_blueprint(exchange_admin_bp, url_prefix=ADMIN)


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(404)
    def not_found(_error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(429)
    def too_many(_error):
        return render_template("errors/429.html"), 429

    @app.errorhandler(CSRFError)
    def csrf_failed(_error):
        # An expired or missing token: nothing was saved; send a participant
        # back to the page they were on, with a plain explanation.
        slug = (request.view_args or {}).get("slug")
        if request.blueprint == "participant" and slug:
            flash(_("This page was open too long and its security check expired. "
                    "Nothing was saved: please answer again."), "error")
            return redirect(url_for("participant.show_step", slug=slug), code=303)
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(SurveyChangedError)
    def survey_changed(error):
        app.logger.error("%s", error)
        return render_template("errors/unavailable.html"), 503


def register_cli(app: Flask) -> None:
    register_commands(app)
