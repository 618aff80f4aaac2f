"""gunicorn settings for the web process: gevent workers, bind from our Config, JSON logs like the app's.

Loaded by gunicorn before it forks and before gevent patches anything, so it imports only stdlib-only modules.
"""
from server.config import Config

_config = Config.from_env()

bind = f"{_config.host}:{_config.port}"
worker_class = "gevent"  # flask-sock's WebSockets and long streams need cooperative workers
# `workers` comes from WEB_CONCURRENCY (gunicorn reads it itself); 2 suits the 2-core dev box.
workers = 2
graceful_timeout = 10
control_socket_disable = True  # two servers on one box would otherwise share ~/.gunicorn/gunicorn.ctl
accesslog = None  # the app logs each request itself, with its request id

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "server.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"handlers": ["stderr"], "level": _config.log_level},
    "loggers": {"gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
}
