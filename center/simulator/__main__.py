"""Run the simulated insurance center: python -m center.simulator --port 8090

A development stand-in started by `make run` and by the tests; production points CENTER_URL
at the real center. Reads CENTER_AUTH / CENTER_PAASID / CENTER_SECRET like the hospital does.
"""

from __future__ import annotations

import argparse
import os
import socketserver
import sys
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from center.auth import auth_from_config
from center.simulator.app import CenterSimulator
from center.simulator.sync_state import SyncCenterState


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        sys.stderr.write("[center-sim] " + (format % args) + "\n")


def build_app(*, region: str, data_dir: Path | None, auth: str, paasid: str, secret: str) -> CenterSimulator:
    state = SyncCenterState(region=region, data_dir=data_dir)
    return CenterSimulator(state, auth_from_config({"AUTH": auth, "PAASID": paasid, "SECRET": secret}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="模拟医保中心（开发用）")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--region", default=os.environ.get("HOSPITAL_REGION_CODE", "610103")[:4] + "00")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="persons.json / catalog.json / policies.json"
    )
    parser.add_argument("--auth", default=os.environ.get("CENTER_AUTH", "tif"))
    parser.add_argument("--paasid", default=os.environ.get("CENTER_PAASID", "yibao_hosp"))
    parser.add_argument("--secret", default=os.environ.get("CENTER_SECRET", ""))
    args = parser.parse_args(argv)
    app = build_app(
        region=args.region, data_dir=args.data_dir, auth=args.auth, paasid=args.paasid, secret=args.secret
    )
    server = make_server(
        args.host, args.port, app, server_class=ThreadingWSGIServer, handler_class=QuietHandler
    )
    print(f"[center-sim] 模拟医保中心监听 http://{args.host}:{args.port}/ （鉴权 {args.auth}）", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
