"""The machinery of the fault tests: a throwaway PostgreSQL cluster they may stop, kill and restore,
the real service (`gunicorn project.wsgi`) running against it, and a small HTTP client.

Nothing here imports Django: the service runs in its own processes, as in production, and the
tests see it only through HTTP and the database only through fresh psycopg connections.
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
PROBLEM_JSON = "application/problem+json"
CLAIMS = "/api/v1/claims/"
ARTICLES = "/api/v1/articles/"

# The service's DATABASE_CONNECT_TIMEOUT in these tests (libpq waits at least 2 seconds anyway).
CONNECT_TIMEOUT = 2
# As the README deploys it: gthread workers, each thread with its own persistent connection.
WORKERS, THREADS = 2, 2
SERVER_TOOLS = ("initdb", "postgres", "pg_ctl", "pg_dump", "pg_restore")

# Every log a failing test should show (see conftest.pytest_runtest_makereport).
LOG_FILES: list[Path] = []

T = TypeVar("T")


# --- when the fault tests run ---------------------------------------------------------------


def server_bindir() -> Path | None:
    """Where PostgreSQL's server programs are: $PG_BINDIR, Debian's /usr/lib/postgresql/<v>/bin
    (newest first), or next to an `initdb` on the PATH."""
    candidates = [Path(os.environ["PG_BINDIR"])] if os.environ.get("PG_BINDIR") else []
    versions = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(versions, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)[::-1]
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    return next((d for d in candidates if all((d / tool).is_file() for tool in SERVER_TOOLS)), None)


def cluster_owner() -> pwd.struct_passwd | None:
    """Whom the cluster runs as. PostgreSQL refuses to run as root, so root hands it to `postgres`."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return None


def skip_reason() -> str | None:
    switch = os.environ.get("FAULT_TESTS", "")
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    if switch == "0" or not (on_postgres or switch == "1"):
        return (
            "fault tests run on the PostgreSQL pass (DATABASE_URL=postgres://...) or with FAULT_TESTS=1; "
            "FAULT_TESTS=0 turns them off"
        )
    if not sys.platform.startswith("linux"):
        return "fault tests need Linux (they follow the cluster's processes through /proc)"
    if server_bindir() is None:
        return (
            f"PostgreSQL server programs ({', '.join(SERVER_TOOLS)}) not found; install them or set PG_BINDIR"
        )
    if cluster_owner() is None:
        return "running as root, and there is no `postgres` user to run the throwaway cluster as"
    return None


SKIP_REASON = skip_reason()
fault_test = pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")


# --- processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    state, ppid = stat.rsplit(")", 1)[1].split()[:2]
    return state, int(ppid)


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _proc_stat(int(entry.name))
            if stat is not None and stat[1] == pid and stat[0] != "Z":
                found.add(int(entry.name))
    return found


def is_alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reap it if it is ours (see adopt_orphans)
    stat = _proc_stat(pid)
    return stat is not None and stat[0] != "Z"


def adopt_orphans() -> None:
    """Make this process the reaper of its orphaned descendants. Backends outlive a killed
    postmaster for a moment; adopted, they can be reaped here instead of lingering as zombies
    under an init that may never reap them."""
    PR_SET_CHILD_SUBREAPER = 36
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def wait_for(what: str, check: Callable[[], T | None], *, timeout: float, every: float = 0.1) -> T:
    """Poll `check` until it returns something truthy; fail saying `what` did not happen."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout} s")
        time.sleep(every)


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


# --- the throwaway cluster ------------------------------------------------------------------


class Cluster:
    """A PostgreSQL cluster of its own, in a temporary directory, on a free port of 127.0.0.1,
    with production's durability settings (fsync, synchronous_commit and full_page_writes on: a
    crash test with them off proves nothing).

    The postmaster is started as a direct child of this process rather than through `pg_ctl
    start`, so that after a kill -9 it can be reaped: a dead postmaster nobody reaps keeps its
    PID in use, and PostgreSQL then refuses to start again on the same data directory.
    """

    def __init__(self, bindir: Path, owner: pwd.struct_passwd) -> None:
        self.bindir = bindir
        self.owner = owner
        self.root = Path(tempfile.mkdtemp(prefix="claims-faults-"))
        os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self.datadir = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self.postmaster: subprocess.Popen[bytes] | None = None
        LOG_FILES.append(self.log)

    def _as_owner(self) -> dict[str, Any]:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "HOME": str(self.root)}
        kwargs: dict[str, Any] = {"cwd": self.root, "env": env}
        if os.geteuid() == 0:
            kwargs.update(user=self.owner.pw_uid, group=self.owner.pw_gid, extra_groups=[])
        return kwargs

    def run(self, tool: str, *args: str, timeout: float = 120) -> str:
        result = subprocess.run(
            [str(self.bindir / tool), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **self._as_owner(),
        )
        if result.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def init(self) -> None:
        # --no-sync skips only initdb's own final flush; the server below runs with fsync on.
        self.run(
            "initdb",
            f"--pgdata={self.datadir}",
            "--username=postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        settings = f"""
port = {self.port}
listen_addresses = '127.0.0.1'
unix_socket_directories = '{self.root}'
max_connections = 50
fsync = on
synchronous_commit = on
full_page_writes = on
"""
        with (self.datadir / "postgresql.conf").open("a") as conf:
            conf.write(settings)

    @property
    def running(self) -> bool:
        return self.postmaster is not None and self.postmaster.poll() is None

    def start(self, *, timeout: float = 60) -> None:
        """Start the postmaster (after a crash, it replays the WAL first) and wait until it accepts
        connections."""
        assert not self.running, "the cluster is already running"
        with self.log.open("ab") as log:
            self.postmaster = subprocess.Popen(
                [str(self.bindir / "postgres"), "-D", str(self.datadir)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **self._as_owner(),
            )

        def accepting() -> bool:
            if not self.running:
                pytest.fail(f"PostgreSQL did not start:\n{tail(self.log)}")
            try:
                psycopg.connect(self.dsn("postgres"), connect_timeout=2).close()
            except psycopg.OperationalError:
                return False
            return True

        wait_for("PostgreSQL accepting connections", accepting, timeout=timeout)

    def stop(self, mode: str = "fast") -> None:
        """`pg_ctl stop -m fast`: backends are terminated and the port closes."""
        assert self.postmaster is not None
        self.run("pg_ctl", "stop", "-D", str(self.datadir), "-m", mode, "-w", "-t", "60")
        self.postmaster.wait(timeout=60)

    def crash(self) -> int:
        """kill -9 the postmaster, then wait until its other processes have gone too.

        Orphaned backends notice their postmaster's death and exit at their next wait; any still
        there after a few seconds is killed as well, as a crash of the machine would. PostgreSQL
        will not start again while one of them still holds the old shared memory. Returns how
        many had to be killed.
        """
        assert self.postmaster is not None
        assert self.running
        pid = self.postmaster.pid
        assert int((self.datadir / "postmaster.pid").read_text().split()[0]) == pid
        others = children_of(pid)
        os.kill(pid, signal.SIGKILL)
        self.postmaster.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(is_alive(p) for p in others) and time.monotonic() < deadline:
            time.sleep(0.05)
        stragglers = [p for p in others if is_alive(p)]
        for straggler in stragglers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(straggler, signal.SIGKILL)
        wait_for(
            "the crashed cluster's processes exiting", lambda: not any(map(is_alive, others)), timeout=10
        )
        return len(stragglers)

    def destroy(self) -> None:
        try:
            if self.running:
                assert self.postmaster is not None
                others = children_of(self.postmaster.pid)
                with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                    self.stop("immediate")
                if self.running:
                    self.postmaster.kill()
                    self.postmaster.wait(timeout=10)
                for pid in others:
                    if is_alive(pid):
                        os.kill(pid, signal.SIGKILL)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    # --- databases

    def dsn(self, dbname: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres") -> psycopg.Connection[Any]:
        """A fresh connection, in autocommit."""
        return psycopg.connect(self.dsn(dbname), autocommit=True, connect_timeout=5)

    def create_database(self, name: str) -> None:
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def pg_dump(self, dbname: str, path: Path) -> None:
        self.run("pg_dump", *self._client_args(), "--format=custom", f"--file={path}", dbname)

    def pg_restore(self, dbname: str, path: Path) -> None:
        self.run("pg_restore", *self._client_args(), "--exit-on-error", f"--dbname={dbname}", str(path))

    def _client_args(self) -> list[str]:
        return ["--host=127.0.0.1", f"--port={self.port}", "--username=postgres", "--no-password"]


@contextlib.contextmanager
def black_hole(port: int) -> Iterator[None]:
    """A listener on `port` that completes TCP handshakes and never says a word: a database host
    that is reachable but does not answer. Only the connect timeout ends a client's wait."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        yield


# --- the service ----------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)

    def __str__(self) -> str:
        return f"{self.status} after {self.seconds:.2f} s: {self.body[:600]!r}"


def service_environment(database_url: str) -> dict[str, str]:
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "DATABASE_", "RATE_LIMIT_", "PG", "REDIS_"))
        and name not in {"DEBUG", "SECRET_KEY", "CONN_MAX_AGE", "ALLOWED_HOSTS"}
    }
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "fault-tests-only-not-secret",
        "DATABASE_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
        # The burst is one client writing as fast as it can; quotas are not what is under test,
        # but their counting (a write to the database on every request) stays on.
        "RATE_LIMIT_TOKEN": "1000000/minute",
        "RATE_LIMIT_ADDRESS": "1000000/minute",
        "PYTHONUNBUFFERED": "1",
    }


class Service:
    """`gunicorn project.wsgi` as the README deploys it, on a free port of 127.0.0.1."""

    def __init__(self, database_url: str, *, logdir: Path, name: str) -> None:
        self.env = service_environment(database_url)
        self.port = free_port()
        self.log = logdir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        LOG_FILES.append(self.log)

    def manage(self, *args: str) -> str:
        """`python manage.py ...` with the service's environment; returns its stdout."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "project.wsgi",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={WORKERS}",
            f"--threads={THREADS}",
            "--worker-class=gthread",
            "--reuse-port",
            "--graceful-timeout=5",
            "--error-logfile=-",
            "--access-logfile=-",
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        def serving() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited:\n{tail(self.log)}")
            try:
                return self.call("GET", "/healthz", timeout=2).status == 200
            except (OSError, http.client.HTTPException):
                return False

        wait_for("gunicorn serving /healthz", serving, timeout=30)
        wait_for("gunicorn's workers", lambda: len(self.worker_pids()) == WORKERS, timeout=10)

    def worker_pids(self) -> set[int]:
        assert self.process is not None
        return children_of(self.process.pid)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> Reply:
        """One request on a new connection. `path` may be a full URL (a `next` link)."""
        parts = urlsplit(path)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        started = time.monotonic()
        try:
            connection.request(method, target, body=payload, headers=sent)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        received = {name.lower(): value for name, value in response.getheaders()}
        return Reply(response.status, received, data, time.monotonic() - started)

    def all_pages(self, path: str, *, token: str) -> list[Any]:
        """Every row of a paginated list, following `next`."""
        rows: list[Any] = []
        url: str | None = path
        while url:
            reply = self.call("GET", url, token=token)
            assert reply.status == 200, str(reply)
            page = reply.json()
            rows += page["results"]
            url = page["next"]
        return rows


# --- assertions -----------------------------------------------------------------------------


def assert_problem(reply: Reply, status: int) -> dict[str, Any]:
    """RFC 9457 problem details for `status`, with no traceback; returns the body."""
    assert reply.status == status, str(reply)
    assert reply.headers.get("content-type") == PROBLEM_JSON, str(reply)
    assert b"Traceback" not in reply.body, str(reply)
    problem = reply.json()
    assert problem["status"] == status, problem
    for member in ("type", "title", "detail"):
        assert isinstance(problem[member], str), problem
        assert problem[member].strip(), problem
    return problem


def assert_unavailable(reply: Reply) -> dict[str, Any]:
    """The service's answer while its database is away: a 503 problem saying when to retry."""
    problem = assert_problem(reply, 503)
    assert reply.headers.get("retry-after", "").isdigit(), reply.headers
    assert int(reply.headers["retry-after"]) > 0, reply.headers
    return problem
