"""CLI: ``python -m emulator --host 127.0.0.1 --port 8090 [--data demo|empty|scale] [--snapshot PATH] [--push-url URL]``.

Serves under gunicorn with ONE gevent worker (the state lives in that process) or, with
``--server werkzeug``, under werkzeug's threaded server. Every flag has an ``EMULATOR_*`` env var.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from typing import Any

from .state import Config, State, parse_rfc3339

log = logging.getLogger("emulator")
_STATE: State | None = None  # the worker's state, for the exit hook


def _env(name: str, default: Any) -> Any:
    return os.environ.get("EMULATOR_" + name, default)


def parse_args(argv: list[str] | None = None) -> tuple[Config, argparse.Namespace]:
    """Flags (with EMULATOR_* env var defaults) -> Config."""
    p = argparse.ArgumentParser(prog="python -m emulator", description="Local Google Workspace API emulator")
    p.add_argument("--host", default=_env("HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(_env("PORT", 8090)))
    p.add_argument("--data", choices=["demo", "empty", "scale"], default=_env("DATA", "empty"),
                   help="data set loaded at start (ignored when a snapshot is restored)")
    p.add_argument("--scale-users", type=int, default=int(_env("SCALE_USERS", 10)))
    p.add_argument("--scale-messages", type=int, default=int(_env("SCALE_MESSAGES", 100)))
    p.add_argument("--snapshot", default=_env("SNAPSHOT", None), help="JSON snapshot path (loaded if present, saved)")
    p.add_argument("--snapshot-interval", type=float, default=float(_env("SNAPSHOT_INTERVAL", 5.0)))
    p.add_argument("--push-url", default=_env("PUSH_URL", None))
    p.add_argument("--push-audience", default=_env("PUSH_AUDIENCE", None))
    p.add_argument("--push-service-account", default=_env("PUSH_SERVICE_ACCOUNT", "gmail-push@emulator.local"))
    p.add_argument("--history-retention", type=int, default=int(_env("HISTORY_RETENTION", 1000)))
    p.add_argument("--sync-token-ttl", type=float, default=float(_env("SYNC_TOKEN_TTL", 7 * 24 * 3600)),
                   help="seconds (emulator clock) after which a Calendar syncToken answers 410")
    p.add_argument("--access-token-ttl", type=int, default=int(_env("ACCESS_TOKEN_TTL", 3600)))
    p.add_argument("--clock", default=_env("CLOCK", None), help="freeze the clock at this RFC 3339 instant")
    p.add_argument("--server", choices=["gunicorn", "werkzeug"], default=_env("SERVER", "gunicorn"))
    p.add_argument("--public-url", default=_env("PUBLIC_URL", None))
    p.add_argument("--access-log", action="store_true", default=_env("ACCESS_LOG", "") not in ("", "0", "false"))
    args = p.parse_args(argv)
    config = Config(
        host=args.host, port=args.port, data=args.data, scale_users=args.scale_users,
        scale_messages=args.scale_messages, snapshot=args.snapshot, snapshot_interval=args.snapshot_interval,
        push_url=args.push_url, push_audience=args.push_audience, push_service_account=args.push_service_account,
        history_retention=args.history_retention, sync_token_ttl_seconds=args.sync_token_ttl,
        access_token_ttl_seconds=args.access_token_ttl, server=args.server, public_url=args.public_url,
    )
    return config, args


def build_app(config: Config, clock: str | None = None) -> Any:
    """Create state + app, restore the snapshot or load the configured data set."""
    global _STATE
    from .app import create_app
    from .loader import load_demo, load_scale

    state = State(config)
    app = create_app(state, config)
    if clock:
        state.clock.freeze(parse_rfc3339(clock))
    if not state.users:
        if config.data == "demo":
            counts = load_demo(state)
            with state.lock:
                state.refresh_token_for(counts["user"])
            log.info("loaded demo data: %s", counts)
        elif config.data == "scale":
            log.info("loaded scale data: %s", load_scale(state, config.scale_users, config.scale_messages))
    _STATE = state
    return app


def save_on_exit(only_if_dirty: bool = False) -> None:
    """Write the snapshot one last time (gunicorn SIGTERM/worker_exit hooks, werkzeug shutdown)."""
    if _STATE is not None and _STATE.config.snapshot and (_STATE.dirty or not only_if_dirty):
        try:
            _STATE.save_snapshot(_STATE.config.snapshot)
            log.info("snapshot saved to %s", _STATE.config.snapshot)
        except OSError as exc:
            log.warning("final snapshot failed: %r", exc)


def _save_on_sigterm(worker: Any) -> None:
    """Save the snapshot as soon as the worker is told to stop.

    The arbiter kills a worker that is still draining keep-alive connections when the graceful
    timeout ends, before ``worker_exit`` could run; so start saving (in a greenlet, never inside
    the signal handler itself) the moment SIGTERM arrives.
    """
    original = worker.handle_exit

    def on_term(signum: int, frame: Any) -> None:
        import threading

        threading.Thread(target=save_on_exit, name="emulator-final-snapshot").start()
        original(signum, frame)

    signal.signal(signal.SIGTERM, on_term)


def run_gunicorn(config: Config, args: argparse.Namespace) -> None:
    """One gevent worker: the app (and so the state) is built inside it, after monkey patching."""
    from gunicorn.app.base import BaseApplication

    class EmulatorApplication(BaseApplication):
        def load_config(self) -> None:
            settings = {
                "bind": f"{config.host}:{config.port}",
                "workers": 1,
                "worker_class": "gevent",
                "worker_connections": 1000,
                "timeout": 0,  # long data loads must not get the only worker killed
                "graceful_timeout": 5,
                "keepalive": 15,
                "accesslog": "-" if args.access_log else None,
                "post_worker_init": _save_on_sigterm,
                "worker_exit": lambda arbiter, worker: save_on_exit(only_if_dirty=True),
                "proc_name": "workspace-emulator",
            }
            if "control_socket_disable" in self.cfg.settings:
                # The default control socket path is shared with any other gunicorn of this user.
                settings["control_socket_disable"] = True
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return build_app(config, args.clock)

    EmulatorApplication().run()


def run_werkzeug(config: Config, args: argparse.Namespace) -> None:
    """Threaded werkzeug server (no extra dependencies, good for debugging)."""
    from werkzeug.serving import make_server

    app = build_app(config, args.clock)
    server = make_server(config.host, config.port, app, threaded=True)
    if not args.access_log:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    log.info("emulator listening on http://%s:%s/", config.host, config.port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        save_on_exit()


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    config, args = parse_args(argv)
    if config.server == "gunicorn":
        run_gunicorn(config, args)
    else:
        run_werkzeug(config, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
