"""All configuration, read from the environment in this one place.

Every other module receives a `Config` (the app factory, workers, CLIs) instead of reading `os.environ`.
Defaults run the product on one machine with no accounts and no network: unset `DATABASE_URL` / `REDIS_URL`
mean "use the embedded PostgreSQL / the bundled redis-server under DATA_DIR" (see `server.devinfra`).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Mapping

REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


def _int(env: Mapping[str, str], name: str, default: int, lo: int = 1, hi: int = 1 << 31) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if not lo <= value <= hi:
        raise ConfigError(f"{name} must be between {lo} and {hi}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, lo: float, hi: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not lo <= value <= hi:
        raise ConfigError(f"{name} must be between {lo:g} and {hi:g}, got {value:g}")
    return value


def _instant(env: Mapping[str, str], name: str) -> datetime | None:
    raw = env.get(name)
    if raw in (None, ""):
        return None
    try:
        value = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"{name} must be an ISO 8601 date-time like 2023-11-30T00:00:00Z, got {raw!r}") from None
    if value.tzinfo is None:
        raise ConfigError(f"{name} needs a UTC offset (e.g. 2023-11-30T00:00:00Z), got {raw!r}")
    return value


def _str(env: Mapping[str, str], name: str, default: str | None = None) -> str | None:
    raw = env.get(name)
    return raw if raw not in (None, "") else default


def _path(env: Mapping[str, str], name: str) -> Path | None:
    raw = _str(env, name)
    return Path(raw).expanduser().resolve() if raw is not None else None


_EXTENSION_ORIGIN = re.compile(r"^chrome-extension://[a-p]{32}$")


def _extension_origins(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated `chrome-extension://<32-letter id>` origins (no path, no slash at the end)."""
    found = tuple(o.strip() for o in (_str(env, name) or "").split(",") if o.strip())
    for origin in found:
        if not _EXTENSION_ORIGIN.match(origin):
            raise ConfigError(f"{name} takes chrome-extension://<extension id> origins separated by commas, "
                              f"got {origin!r}")
    return found


TIERS = ("free", "pro", "enterprise")  # users.tier
DEFAULT_RATE_LIMIT_TIERS: tuple[tuple[str, int], ...] = (("free", 100), ("pro", 1000), ("enterprise", 10000))


def _tiers(env: Mapping[str, str], name: str) -> tuple[tuple[str, int], ...]:
    """`free=100,pro=1000,enterprise=10000` (requests per hour); tiers left out keep their defaults."""
    raw = _str(env, name)
    limits = dict(DEFAULT_RATE_LIMIT_TIERS)
    for part in (raw or "").split(","):
        if not part.strip():
            continue
        tier, _, value = part.partition("=")
        tier = tier.strip().lower()
        if tier not in TIERS or not value.strip().isdigit() or not 1 <= int(value) <= 1_000_000_000:
            raise ConfigError(f"{name} must look like free=100,pro=1000,enterprise=10000 (tiers {', '.join(TIERS)}, "
                              f"positive requests per hour), got {raw!r}")
        limits[tier] = int(value)
    return tuple((tier, limits[tier]) for tier in TIERS)


def _base_url(env: Mapping[str, str], name: str) -> str | None:
    raw = _str(env, name)
    if raw is None:
        return None
    if not raw.startswith(("https://", "http://")) or "?" in raw or "#" in raw:
        raise ConfigError(f"{name} must be an http(s) URL without a query, like https://host.example, got {raw!r}")
    return raw.rstrip("/")


@dataclass(frozen=True)
class Config:
    """Settings of one process. Build it with `Config.from_env()`; tests use `dataclasses.replace`."""

    database_url: str | None = None
    redis_url: str | None = None
    data_dir: Path = field(default_factory=lambda: REPO_ROOT / ".data")
    host: str = "127.0.0.1"
    port: int = 8080
    log_level: str = "INFO"
    embedding_dim: int = 384
    embedding_provider: str = "local"  # "local" (MiniLM ONNX) or "openai"
    embedding_model: str = "text-embedding-3-small"  # used by the openai provider
    embedding_threads: int = 0  # onnxruntime intra-op threads; 0 = one per core
    embedding_max_tokens: int = 128  # tokens of each text the local model reads (its limit is 256)
    openai_api_key: str | None = None
    openai_base_url: str | None = None  # a compatible endpoint or a local stand-in (tests)
    # LLM port: OpenAI first, Anthropic as fallback; a provider without a key is skipped (none = offline only).
    anthropic_api_key: str | None = None
    anthropic_base_url: str | None = None  # unset = the SDK's default; tests point it at a local stand-in
    llm_openai_model: str = "gpt-4o-mini"
    llm_anthropic_model: str = "claude-haiku-4-5"
    llm_classify_timeout: float = 5.0  # seconds per classification request
    llm_synthesis_timeout: float = 30.0  # seconds per synthesis request (between streamed chunks)
    # Google: unset base URL = Google itself; the demo points it at the local emulator.
    google_api_base_url: str | None = None
    google_token_uri: str | None = None  # unset = Google's, https://oauth2.googleapis.com/token
    google_client_id: str | None = None  # unset = demo mode (the emulator accepts any client)
    google_client_secret: str | None = None
    # Sign-in (server/faces/auth_api.py): Google's OAuth endpoints (unset = Google's own; the demo points them at the
    # emulator), where Google sends the browser back, other OAuth clients whose access tokens /auth/token accepts
    # (the Chrome extension's), and how long sessions last.
    google_auth_uri: str | None = None  # unset = https://accounts.google.com/o/oauth2/v2/auth
    google_tokeninfo_uri: str | None = None  # unset = https://oauth2.googleapis.com/tokeninfo
    google_revoke_uri: str | None = None  # unset = https://oauth2.googleapis.com/revoke
    google_id_token_certs_url: str | None = None  # unset = https://www.googleapis.com/oauth2/v1/certs
    google_allowed_client_ids: tuple[str, ...] = ()
    oauth_redirect_uri: str | None = None  # unset = http://127.0.0.1:$PORT/auth/callback
    session_secret: str | None = None  # signs the sign-in state cookie; unset = derived from TOKEN_ENCRYPTION_KEY
    web_session_days: int = 30
    bearer_token_days: int = 7
    emulator_port: int = 8090  # where `make demo` runs the emulator
    token_encryption_key: str | None = None  # urlsafe base64 of 32 bytes; the demo makes one under DATA_DIR
    # Gmail push (Pub/Sub push to /webhooks/gmail): the OIDC token's audience and signer, and where its certs are.
    push_audience: str | None = None  # unset = pushes are refused (the demo sets it)
    push_service_account: str | None = None  # the `email` claim a push token must carry
    push_certs_url: str | None = None  # unset = Google's, https://www.googleapis.com/oauth2/v1/certs
    gmail_push_topic: str = "projects/workspace-orchestrator/topics/gmail-push"  # what users.watch publishes to
    # Workspace add-on (HTTP endpoints under /addon): Google signs each request with a system ID token for the
    # add-on's service agent; its audience is the endpoint's public URL (ADDON_BASE_URL + path) or ADDON_AUDIENCE.
    addon_base_url: str | None = None  # the public URL the deployment descriptor names, e.g. https://host
    addon_audience: str | None = None  # unset = each endpoint's own URL
    addon_service_agent: str | None = None  # service-<number>@gcp-sa-gsuiteaddons.iam.gserviceaccount.com
    addon_certs_url: str | None = None  # unset = Google's, https://www.googleapis.com/oauth2/v1/certs
    addon_user_audience: str | None = None  # the user ID token's audience; unset = GOOGLE_CLIENT_ID
    # The Chrome extension's origins (chrome-extension://<id>): the only ones that get CORS headers; unset = none.
    extension_origins: tuple[str, ...] = ()
    demo_user_email: str = "sam@atlas.com"  # who a request without credentials acts as in demo mode
    # A frozen "now" (ISO 8601 with offset): the demo's data is from 2023, so `make demo` freezes the clock at the
    # dataset's now for "next meeting" and "last week" to mean something. Unset = the real clock.
    clock_now: datetime | None = None
    db_pool_min: int = 1
    db_pool_max: int = 10
    # Requests per hour per tier (server/ratelimit): each person's token bucket holds this many and refills
    # continuously; one Google budget per person for sync jobs: calls per second sustained, and the burst.
    rate_limit_tiers: tuple[tuple[str, int], ...] = DEFAULT_RATE_LIMIT_TIERS
    google_budget_per_second: float = 250.0
    google_budget_burst: int = 1000
    # Seconds a readiness probe waits for PostgreSQL or Redis before calling it down.
    ready_timeout: float = 2.0
    # /metrics: a bearer token it requires (unset = open, as in the demo), and where gunicorn's workers keep their
    # metric values (prometheus_client multiprocess mode; server/gunicorn_conf.py sets it; unset = one process).
    metrics_token: str | None = None
    prometheus_multiproc_dir: Path | None = None
    # Resilience (README "Resilience"): the seconds one Google HTTP call may take on the request path (syncs allow
    # 30), and the per-service breakers: failed calls in a row that open one, seconds it stays open before a trial.
    google_timeout: float = 10.0
    google_breaker_threshold: int = 5
    google_breaker_reset_seconds: float = 30.0
    # Workers: how often a worker says its job is alive (a killed worker's job is requeued ~3 beats after its last),
    # and how often it looks for such abandoned jobs.
    worker_heartbeat_seconds: int = 10
    worker_maintenance_seconds: int = 60
    testing: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Config":
        """Read every setting from `env` (default: the process environment)."""
        env = os.environ if env is None else env
        data_dir = Path(_str(env, "DATA_DIR", str(REPO_ROOT / ".data"))).expanduser().resolve()
        level = (_str(env, "LOG_LEVEL", "INFO") or "INFO").upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
        provider = (_str(env, "EMBEDDING_PROVIDER", "local") or "local").lower()
        if provider not in {"local", "openai"}:
            raise ConfigError(f"EMBEDDING_PROVIDER must be local or openai, got {provider!r}")
        return cls(
            database_url=_str(env, "DATABASE_URL"),
            redis_url=_str(env, "REDIS_URL"),
            data_dir=data_dir,
            host=_str(env, "HOST", "127.0.0.1") or "127.0.0.1",
            port=_int(env, "PORT", 8080, 1, 65535),
            log_level=level,
            embedding_dim=_int(env, "EMBEDDING_DIM", 384, 1, 2000),
            embedding_provider=provider,
            embedding_model=_str(env, "EMBEDDING_MODEL", "text-embedding-3-small") or "",
            embedding_threads=_int(env, "EMBEDDING_THREADS", 0, 0, 64),
            embedding_max_tokens=_int(env, "EMBEDDING_MAX_TOKENS", 128, 8, 256),
            openai_api_key=_str(env, "OPENAI_API_KEY"),
            openai_base_url=_str(env, "OPENAI_BASE_URL"),
            anthropic_api_key=_str(env, "ANTHROPIC_API_KEY"),
            anthropic_base_url=_str(env, "ANTHROPIC_BASE_URL"),
            llm_openai_model=_str(env, "LLM_OPENAI_MODEL", cls.llm_openai_model) or cls.llm_openai_model,
            llm_anthropic_model=_str(env, "LLM_ANTHROPIC_MODEL", cls.llm_anthropic_model) or cls.llm_anthropic_model,
            llm_classify_timeout=_float(env, "LLM_CLASSIFY_TIMEOUT_SECONDS", 5.0, 0.1, 120.0),
            llm_synthesis_timeout=_float(env, "LLM_SYNTHESIS_TIMEOUT_SECONDS", 30.0, 0.1, 600.0),
            token_encryption_key=_str(env, "TOKEN_ENCRYPTION_KEY"),
            push_audience=_str(env, "PUSH_AUDIENCE"),
            push_service_account=_str(env, "PUSH_SERVICE_ACCOUNT"),
            push_certs_url=_str(env, "PUSH_CERTS_URL"),
            gmail_push_topic=_str(env, "GMAIL_PUSH_TOPIC", cls.gmail_push_topic) or cls.gmail_push_topic,
            addon_base_url=_base_url(env, "ADDON_BASE_URL"),
            addon_audience=_str(env, "ADDON_AUDIENCE"),
            addon_service_agent=_str(env, "ADDON_SERVICE_AGENT"),
            addon_certs_url=_str(env, "ADDON_CERTS_URL"),
            addon_user_audience=_str(env, "ADDON_USER_AUDIENCE"),
            extension_origins=_extension_origins(env, "EXTENSION_ORIGINS"),
            demo_user_email=_str(env, "DEMO_USER_EMAIL", cls.demo_user_email) or cls.demo_user_email,
            google_api_base_url=_str(env, "GOOGLE_API_BASE_URL"),
            google_token_uri=_str(env, "GOOGLE_TOKEN_URI"),
            google_client_id=_str(env, "GOOGLE_CLIENT_ID"),
            google_client_secret=_str(env, "GOOGLE_CLIENT_SECRET"),
            google_auth_uri=_str(env, "GOOGLE_AUTH_URI"),
            google_tokeninfo_uri=_str(env, "GOOGLE_TOKENINFO_URI"),
            google_revoke_uri=_str(env, "GOOGLE_REVOKE_URI"),
            google_id_token_certs_url=_str(env, "GOOGLE_ID_TOKEN_CERTS_URL"),
            google_allowed_client_ids=tuple(
                c.strip() for c in (_str(env, "GOOGLE_ALLOWED_CLIENT_IDS") or "").split(",") if c.strip()),
            oauth_redirect_uri=_str(env, "OAUTH_REDIRECT_URI"),
            session_secret=_str(env, "SESSION_SECRET"),
            web_session_days=_int(env, "WEB_SESSION_DAYS", 30, 1, 400),
            bearer_token_days=_int(env, "BEARER_TOKEN_DAYS", 7, 1, 400),
            emulator_port=_int(env, "EMULATOR_PORT", 8090, 1, 65535),
            clock_now=_instant(env, "CLOCK_NOW"),
            db_pool_min=_int(env, "DB_POOL_MIN", 1, 0, 1000),
            db_pool_max=_int(env, "DB_POOL_MAX", 10, 1, 1000),
            metrics_token=_str(env, "METRICS_TOKEN"),
            prometheus_multiproc_dir=_path(env, "PROMETHEUS_MULTIPROC_DIR"),
            rate_limit_tiers=_tiers(env, "RATE_LIMIT_TIERS"),
            google_budget_per_second=_float(env, "GOOGLE_BUDGET_PER_SECOND", 250.0, 0.01, 1e6),
            google_budget_burst=_int(env, "GOOGLE_BUDGET_BURST", 1000, 1, 10_000_000),
            google_timeout=_float(env, "GOOGLE_TIMEOUT_SECONDS", 10.0, 0.1, 300.0),
            google_breaker_threshold=_int(env, "GOOGLE_BREAKER_THRESHOLD", 5, 1, 1000),
            google_breaker_reset_seconds=_float(env, "GOOGLE_BREAKER_RESET_SECONDS", 30.0, 0.1, 3600.0),
            worker_heartbeat_seconds=_int(env, "WORKER_HEARTBEAT_SECONDS", 10, 1, 300),
            worker_maintenance_seconds=_int(env, "WORKER_MAINTENANCE_SECONDS", 60, 1, 3600),
        )

    @property
    def demo_mode(self) -> bool:
        """No Google OAuth client configured: the product runs against the emulator as the demo user."""
        return not self.google_client_id

    def with_(self, **changes: object) -> "Config":
        """A copy with some fields changed (used by tests and the dev launcher)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def require_urls(self) -> None:
        """Fail with a clear message when a process that cannot start infrastructure lacks its URLs."""
        missing = [n for n, v in (("DATABASE_URL", self.database_url), ("REDIS_URL", self.redis_url)) if not v]
        if missing:
            raise ConfigError(
                f"{' and '.join(missing)} not set. Start through `make demo` (which starts the embedded "
                f"PostgreSQL and Redis) or set them to your own servers."
            )
