"""One throwaway PostgreSQL cluster for the whole package, one database in it, and the real
service running against that database. Everything is torn down at the end, even on failure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.faults.harness import (
    LOG_FILES,
    SKIP_REASON,
    Cluster,
    Service,
    adopt_orphans,
    cluster_owner,
    server_bindir,
    tail,
)


@pytest.fixture(scope="session")
def throwaway_cluster() -> Iterator[Cluster]:
    if SKIP_REASON is not None:
        pytest.skip(SKIP_REASON)
    bindir, owner = server_bindir(), cluster_owner()
    assert bindir is not None
    assert owner is not None
    adopt_orphans()
    cluster = Cluster(bindir, owner)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(autouse=True)
def cluster_is_up(request: pytest.FixtureRequest) -> None:
    """Each test starts with the cluster running, whatever the one before did to it."""
    if "throwaway_cluster" in request.fixturenames:
        cluster: Cluster = request.getfixturevalue("throwaway_cluster")
        if not cluster.running:
            cluster.start()


@pytest.fixture(scope="session")
def service(throwaway_cluster: Cluster) -> Iterator[Service]:
    """The service on database `claims`, migrated, as `gunicorn project.wsgi`."""
    throwaway_cluster.create_database("claims")
    service = Service(throwaway_cluster.dsn("claims"), logdir=throwaway_cluster.root, name="gunicorn")
    service.manage("migrate", "--no-input", "--verbosity=0")
    try:
        service.start()
        yield service
    finally:
        service.stop()


@pytest.fixture(scope="session")
def editor_token(service: Service) -> str:
    return service.manage("create_token", "fault-editor", "--role=editor").strip()


@pytest.fixture(scope="session")
def client_token(service: Service) -> str:
    return service.manage("create_token", "fault-client", "--role=client").strip()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    """A failing fault test shows the end of the service's and PostgreSQL's logs."""
    report = yield
    if report.failed:
        for log in dict.fromkeys(LOG_FILES):
            report.sections.append((f"{log.name} (last lines)", tail(log)))
    return report
