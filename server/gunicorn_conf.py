"""gunicorn settings for the web process: gevent workers, bind from our Config, JSON logs like the app's.

Loaded by gunicorn before it forks and before gevent patches anything, so it imports only stdlib-only modules.
"""
import os

from server.config import Config

# A gevent worker serves its requests on one OS thread; the worker processes are what use the cores. Native thread
# pools under it (OpenBLAS under numpy, onnxruntime's intra-op pool) would put workers × cores threads on the cores,
# spinning while they wait for each other: on the 2-core box the intent model's 3×2657 matrix product took up to
# 50 ms instead of 0.2 ms while another worker or PostgreSQL was busy. Set before any worker imports numpy.
WEB_THREAD_DEFAULTS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                       "EMBEDDING_THREADS": "1"}
for _name, _value in WEB_THREAD_DEFAULTS.items():
    os.environ.setdefault(_name, _value)

_config = Config.from_env()

# Metrics (server/metrics.py): each worker keeps its values in memory-mapped files in this directory and a scrape,
# answered by any worker, adds up every worker's. prometheus_client reads the variable when it is imported, in
# the workers, which inherit it from here.
METRICS_DIR = _config.prometheus_multiproc_dir or _config.data_dir / "prometheus-multiproc"
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(METRICS_DIR)

bind = f"{_config.host}:{_config.port}"
worker_class = "gevent"  # flask-sock's WebSockets and long streams need cooperative workers
# `workers` comes from WEB_CONCURRENCY (gunicorn reads it itself); 2 suits the 2-core dev box.
workers = 2
graceful_timeout = 10
control_socket_disable = True  # two servers on one box would otherwise share ~/.gunicorn/gunicorn.ctl
accesslog = None  # the app logs each request itself, with its request id
# gunicorn's largest request line (its default is 4094): the app refuses URLs over 8000 bytes with its own JSON
# 414 (server/faces/security.py), and a long search in a non-Latin script must fit under that.
limit_request_line = 8190

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "server.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"handlers": ["stderr"], "level": _config.log_level},
    "loggers": {"gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
}


def on_starting(server: object) -> None:
    """Before the first worker: an empty metrics directory (files left by an earlier run would count again)."""
    METRICS_DIR.mkdir(parents=True, exist_ok=True)
    for stale in METRICS_DIR.glob("*.db"):
        stale.unlink()


def child_exit(server: object, worker: object) -> None:
    """A worker ended: its gauges leave the `live*` aggregates (its counters stay counted)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, str(METRICS_DIR))  # type: ignore[attr-defined]
