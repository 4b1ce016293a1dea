"""gunicorn settings of the production-like stack (scripts/prod-stack.sh); every value comes from the environment.

GUNICORN_BIND        127.0.0.1:8800
GUNICORN_WORKERS     3
GUNICORN_THREADS     1 (sync workers, as most Django deployments behind a proxy)
GUNICORN_TIMEOUT     30 s
GUNICORN_PIDFILE     unset: no pid file (prod-stack.sh records the master's pid itself)
GUNICORN_ACCESS_LOG  unset: no access log (it would dominate the load test on loopback)
GUNICORN_ERROR_LOG   "-" (stderr)
GUNICORN_CONTROL_SOCKET  unset: no control socket (gunicornc is not used here)
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8800")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow forever; jitter keeps them from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# The application is imported once, in the master: a recycled worker is a fork that serves at once,
# not a second of imports while its queued requests wait (the 0.4–1.4 s p99 of the load test).
# Nothing opens a connection at import, so no socket is shared across the fork.
preload_app = True
pidfile = os.environ.get("GUNICORN_PIDFILE") or None
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = os.environ.get("GUNICORN_PROC_NAME", "partnerportal")
# gunicorn's control socket defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl), which
# several stacks on one machine would fight over; give each its own, or none.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True
# Loopback only: no proxy in front, so do not trust forwarded headers from anyone else.
forwarded_allow_ips = "127.0.0.1"
