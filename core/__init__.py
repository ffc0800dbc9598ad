"""The shared core: app factory, database, areas, accounts, auth, i18n."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config, load_config
from core import db
from core.extensions import babel, csrf, limiter, login_manager
from core.web import (
    CookieSessionInterface,
    RowIdConverter,
    add_security_headers,
    refuse_malformed_input,
    register_error_handlers,
    select_locale,
)

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Feature packages; each exposes init_app(app). core never imports them elsewhere.
FEATURES: tuple[str, ...] = ("surveys", "feedback")


def create_app(config: Config | Mapping[str, Any] | str | None = None) -> Flask:
    """Build the application; ``config`` is a Config, a mapping of overrides or an APP_ENV name."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_DIR / "templates"),
        static_folder="static",
        instance_path=str(PROJECT_DIR / "instance"),
    )
    app.url_map.converters["int"] = RowIdConverter  # before any route: ids past SQL's integers are 404
    register_config(app, config)
    app.session_interface = CookieSessionInterface()
    app.before_request(refuse_malformed_input)  # first: before sign-in, CSRF and rate limits read the request
    register_extensions(app)
    register_blueprints(app)
    register_features(app)
    register_error_handlers(app)
    app.after_request(add_security_headers)
    from core.cli import register_cli

    register_cli(app)
    return app


def register_config(app: Flask, config: Config | Mapping[str, Any] | str | None) -> None:
    """Load the environment's config class, then apply test overrides."""
    if isinstance(config, Mapping):
        base = load_config("testing" if config.get("TESTING") else None)
        app.config.from_object(base)
        app.config.update(config)
    else:
        app.config.from_object(config if isinstance(config, Config) else load_config(config))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(d) for d in translation_dirs())
    if app.config.get("TRUST_PROXY_HOPS"):
        # The client address is the one the hops-th proxy from the end saw, so a forwarded-for
        # value the client wrote itself is never read. X-Forwarded-Host is not trusted at all:
        # the proxy passes Host (README), and a client-written one would pass through it.
        hops = app.config["TRUST_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)  # type: ignore[method-assign]


def translation_dirs() -> list[Path]:
    """The translations folder of core and of each feature that has one."""
    candidates = [PROJECT_DIR / name / "translations" for name in ("core", *FEATURES)]
    return [d for d in candidates if d.is_dir()]


def register_extensions(app: Flask) -> None:
    """Database, CSRF, translations, sign-in and rate limits."""
    db.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page explains itself
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)

    register_template_helpers(app)

    @app.context_processor
    def inject_languages() -> dict[str, Any]:
        from flask_babel import get_locale

        return {"languages": app.config["LANGUAGES"], "current_language": str(get_locale())}


def register_template_helpers(app: Flask) -> None:
    """Helpers every feature's templates share: public links and question numbers."""
    from core.links import public_url
    from core.numbering import numbered_questions, numbered_sections

    for helper in (public_url, numbered_sections, numbered_questions):
        app.add_template_global(helper)


def register_blueprints(app: Flask) -> None:
    """The core pages."""
    from core import admin, auth, views

    app.register_blueprint(views.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)


def register_features(app: Flask) -> None:
    """Let each feature package attach its blueprints, pages, CLI and demo data."""
    for name in FEATURES:
        importlib.import_module(name).init_app(app)
