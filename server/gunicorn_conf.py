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
