"""Configuration classes, read from environment variables.

Every variable is documented in README.md ("Configuration"). Pick the class with
``APP_ENV`` (``development`` by default, ``production``, ``testing``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration cannot be used safely."""


def _sqlite_default() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'ntm.sqlite3'}"


def _dev_secret_key() -> str:
    """A random key kept in instance/ so development sessions survive restarts."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _count(name: str, default: str) -> int:
    """A whole number of at least 0 from the environment; anything else stops the start-up."""
    value = os.environ.get(name, default).strip()
    if not value.isdigit():
        raise ConfigError(f"{name} must be a whole number of 0 or more, not {value!r}")
    return int(value)


class Config:
    """Settings shared by every environment."""

    SQLALCHEMY_DATABASE_URL = os.environ.get("DATABASE_URL") or _sqlite_default()
    REDIS_URL = os.environ.get("REDIS_URL") or None
    DEFAULT_LANGUAGE = os.environ.get("DEFAULT_LANGUAGE", "vi")
    LANGUAGES = ("vi", "en")
    BABEL_DEFAULT_LOCALE = DEFAULT_LANGUAGE
    BABEL_DEFAULT_TIMEZONE = os.environ.get("TIMEZONE", "Asia/Ho_Chi_Minh")
    # Key for hashing client addresses (rate limits, duplicate flags); never store raw IPs.
    CLIENT_HASH_KEY = os.environ.get("CLIENT_HASH_KEY") or None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = 6 * 3600  # staff forms; an officer may leave one open for a while
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024  # uploads (draft reports, paper imports)
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "5 per minute;30 per hour")
    # Per client (keyed hash of its address). A household shares one phone or one
    # commune Wi-Fi at a meeting, so survey limits are generous.
    SURVEY_SUBMIT_RATE_LIMIT = os.environ.get("SURVEY_SUBMIT_RATE_LIMIT", "30 per minute;500 per hour")
    # How old (seconds) the survey and commune a respondent page shows, and a submission is
    # judged by, may be; the submission's write checks them again (surveys.respond.store.store_response).
    # Spares most requests a database read under load.
    SURVEY_PAGE_MAX_AGE = float(os.environ.get("SURVEY_PAGE_MAX_AGE", "1"))
    # Personal data of comments (feedback/privacy page): days residents' contacts are kept, who answers for them.
    FEEDBACK_RETENTION_DAYS = int(os.environ.get("FEEDBACK_RETENTION_DAYS", "90"))
    FEEDBACK_CONTROLLER = os.environ.get("FEEDBACK_CONTROLLER", "")
    FEEDBACK_CONTROLLER_CONTACT = os.environ.get("FEEDBACK_CONTROLLER_CONTACT", "")
    # Outgoing mail (answers to residents who asked for one); unset MAIL_SERVER: no e-mail is offered or sent.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "no-reply@localhost")
    FEEDBACK_COMMENT_RATE_LIMIT = os.environ.get("FEEDBACK_COMMENT_RATE_LIMIT", "5 per minute;30 per hour")
    # X-RateLimit-* headers serve API clients; every limit here guards an HTML form whose 429
    # page says what to do. Off, because reading the window for them is one more storage
    # round trip on every limited POST (benchmarks/survey_load.py).
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    # Where `flask backup` notes the latest backup, for /healthz (not in the database: a restore
    # would bring back an older note).
    BACKUP_STATUS_FILE = os.environ.get("BACKUP_STATUS_FILE") or str(INSTANCE_DIR / "last-backup.json")
    # Strict-Transport-Security max-age in seconds; 0 sends none (production: a year).
    HSTS_MAX_AGE = 0

    def __init__(self) -> None:
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or None
        self.TRUST_PROXY_HOPS = _count("TRUST_PROXY_HOPS", "0")
        # Public base URL printed in QR codes and posters; falls back to the request's host
        # (required in production).
        self.PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL") or None


class DevelopmentConfig(Config):
    """`make run`: embedded SQLite and a generated secret key."""

    DEBUG = False  # the debugger stays off even locally: the demo is shown to officials

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = self.SECRET_KEY or _dev_secret_key()


class TestingConfig(Config):
    """The test suite; tests override the database URL."""

    TESTING = True
    SECRET_KEY = "testing-only-not-secret"
    RATELIMIT_STORAGE_URI = "memory://"
    SURVEY_PAGE_MAX_AGE = 0.0  # tests change a survey and look at once; test_recent_links covers the reuse

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = "testing-only-not-secret"


class ProductionConfig(Config):
    """Behind a reverse proxy with HTTPS; refuses to start without a real secret."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    def __init__(self) -> None:
        super().__init__()
        self.TRUST_PROXY_HOPS = _count("TRUST_PROXY_HOPS", "1")
        self.HSTS_MAX_AGE = _count("HSTS_MAX_AGE", str(365 * 24 * 3600))
        if not self.SECRET_KEY or len(self.SECRET_KEY) < 32:
            raise ConfigError(
                "SECRET_KEY must be set to a random string of at least 32 characters in "
                "production, e.g. SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        if not os.environ.get("DATABASE_URL"):
            raise ConfigError("DATABASE_URL must point at PostgreSQL in production")
        if not (self.PUBLIC_BASE_URL or "").startswith("https://"):
            # QR codes, posters and short links print it; taken from the request instead, a
            # forged Host or X-Forwarded-Host could make them point at another site.
            raise ConfigError(
                "PUBLIC_BASE_URL must be set to the site's https:// address in production, "
                "e.g. PUBLIC_BASE_URL=https://ykien.vinhlong.gov.vn"
            )
        self.CLIENT_HASH_KEY = self.CLIENT_HASH_KEY or self.SECRET_KEY


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> Config:
    """Instantiate the configuration named by ``name`` or the APP_ENV variable."""
    name = name or os.environ.get("APP_ENV", "development")
    try:
        return CONFIGS[name]()
    except KeyError:
        raise ConfigError(f"APP_ENV={name!r} is not one of {', '.join(CONFIGS)}") from None
