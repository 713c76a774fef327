"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Every value can be overridden from the environment so one file serves all hosts.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycling a worker costs about a second of CPU (imports, app factory): recycle rarely, and
# jittered so that workers never restart together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "5000"))
accesslog = "-"
errorlog = "-"
# The proxies whose X-Forwarded-* headers count; the app reads the same variable with the same
# default (config.py), so the scheme gunicorn believes and the client address the app's rate
# limits count come from the same peers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
raw_env = [f"TRIALOG_CONFIG={os.environ.get('TRIALOG_CONFIG', 'production')}"]
