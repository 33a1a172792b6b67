"""gunicorn settings of the web process, shared by `make run` (config/devstack.py), the image
(Dockerfile) and the benchmarks: `gunicorn config.wsgi -c config/gunicorn.conf.py --bind …`.

Request line: gunicorn's bounded limit is at most 8190 bytes, and past it gunicorn answers in English
("Request Line is too large") before Django sees the request. A search of 3,000 Chinese characters is
27,000 bytes once percent-encoded, so the line is unlimited here (0) and
core.middleware.RequestBoundsMiddleware refuses every query string over MAX_QUERY_STRING_BYTES with a
Chinese page (or the one error body under /api/) — issue 19, item 1. The memory a single line can take is
bounded by the reverse proxy in front in production (e.g. nginx `large_client_header_buffers 4 64k`,
which answers its own 414 past that) and by `timeout` below for a slow sender."""

import os

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = 60
limit_request_line = 0
