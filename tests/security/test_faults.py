"""Faults: SIGKILL in the middle of a bulk load, a full disk, a read-only data directory.

After each, the store opens and every case is either wholly present (its case graph, its
inference graph with the assessment, and its metadata) or wholly absent.

The SIGKILL of ``palermo serve`` runs on both backends. The full disk and the read-only or
blocked data directory are faults of the embedded store's own files (RocksDB on the local disk)
and stay embedded; the remote store's equivalents are below them: the store process killed in
the middle of writes (503 ``store-unavailable``, never a 500; every case whole or absent once it
is back) and a store that cannot be reached by ``palermo load`` (a one-line reason, no
traceback). tests/store/test_remote.py covers a store killed during ``palermo load``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.constants import WRITE, WRITE_TOKEN
from support.servers import PalermoServer

PAL = "https://w3id.org/palermo/ontology#"
CASES = 300


def _exe() -> str:
    return str(Path(sys.executable).with_name("palermo"))


def _case(i: int) -> str:
    return f"""@prefix pal: <{PAL}> .
<https://w3id.org/palermo/case/kill{i}> a pal:Case ;
    pal:act [ a pal:Recruitment ] ; pal:means [ a pal:Deception ] ;
    pal:purpose [ a pal:ForcedLabour ] ;
    pal:affectedPerson [ a pal:Person ; pal:ageAtTimeOfAct {20 + i % 40} ] .
"""


def open_store(where: Path | str):
    """The embedded store in a folder, or the remote store at a URL."""
    from palermo.store.oxigraph import OxigraphStore
    from palermo.store.remote import Endpoints, RemoteStore

    if isinstance(where, str):
        return RemoteStore(Endpoints.under(where), retries=2)
    return OxigraphStore(where)


def assert_each_case_whole_or_absent(where: Path | str) -> int:
    """Open the store (a data folder, or a remote store's URL); check every case; return how
    many are present."""
    from palermo.rdf.namespaces import GRAPH_BASE

    store = open_store(where)
    try:
        records = {r.graph: r for r in store.case_records()}
        names = set(store.graph_names())
        for graph, record in records.items():
            assert graph in names, f"{graph} recorded but missing"
            assert record.inferred_graph in names, f"{record.inferred_graph} missing"
            ask = (
                f"ASK {{ GRAPH <{record.inferred_graph}> {{ ?a a <{PAL}Assessment> ; "
                f"<{PAL}assesses> <{record.cases[0]}> }} }}"
            )
            assert bool(store.query(ask, default_graphs=[None])), f"{graph} has no assessment"
        for name in names:
            if name.startswith(GRAPH_BASE + "case/") and not name.endswith("/inferred"):
                assert name in records, f"{name} stored without its record"
        return len(records)
    finally:
        store.close()


def stored_graphs(where: Path | str) -> set[str]:
    store = open_store(where)
    try:
        return {r.graph for r in store.case_records()}
    finally:
        store.close()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["embedded", "remote"])
def test_sigkill_in_the_middle_of_a_bulk_load(request, tmp_path, backend):
    """A live ``palermo serve`` takes case graphs from 8 concurrent clients; it is SIGKILLed once
    20 writes were acknowledged, with more in flight. Every acknowledged case is present, and
    every case is whole or absent (in its data folder, or in the remote store it wrote to)."""
    env = {"PALERMO_TOKENS": f"{WRITE_TOKEN}:write"}
    where: Path | str
    if backend == "remote":
        oxigraph = request.getfixturevalue("oxigraph_server")
        oxigraph.clear()
        where = oxigraph.url
        server = PalermoServer("--memory", env={**env, "PALERMO_STORE_URL": where})
    else:
        where = tmp_path / "data"
        server = PalermoServer("--data-dir", str(where), env=env)
    acknowledged: list[int] = []
    enough = threading.Event()
    lock = threading.Lock()
    counter = iter(range(CASES))

    def client() -> None:
        while not enough.is_set():
            with lock:
                i = next(counter, None)
            if i is None:
                return
            request = urllib.request.Request(
                f"{server.url}/data?graph=https://example.org/g/kill{i}",
                data=_case(i).encode("utf-8"),
                method="PUT",
                headers={**WRITE, "Content-Type": "text/turtle"},
            )
            try:
                with urllib.request.urlopen(request, timeout=60) as r:
                    if r.status == 201:
                        with lock:
                            acknowledged.append(i)
                            if len(acknowledged) >= 20:
                                enough.set()
            except OSError:
                return  # the server is gone

    threads = [threading.Thread(target=client, daemon=True) for _ in range(8)]
    for t in threads:
        t.start()
    reached = enough.wait(timeout=300)
    server.kill()
    for t in threads:
        t.join(timeout=70)
    assert reached, server.stderr[-2000:]
    assert server.process.returncode == -signal.SIGKILL
    present = assert_each_case_whole_or_absent(where)
    assert present >= len(acknowledged)
    graphs = stored_graphs(where)
    lost = [i for i in acknowledged if f"https://example.org/g/kill{i}" not in graphs]
    assert lost == []


# -- full disk and read-only folder: need to mount a filesystem (root in a container) ---------


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True, check=False).returncode == 0


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    where = tmp_path / "small"
    where.mkdir()
    if os.geteuid() != 0 or not _mount("-t", "tmpfs", "-o", "size=16m", "tmpfs", str(where)):
        pytest.skip("needs to mount a small tmpfs (root with CAP_SYS_ADMIN)")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_full_disk_answers_503_and_leaves_a_store_that_opens(small_disk):
    from palermo.app import close_app, create_app
    from security.conftest import security_config

    data_dir = small_disk / "data"
    app = create_app(security_config(MEMORY=False, DATA_DIR=str(data_dir)))
    client = app.test_client()
    stats = os.statvfs(small_disk)
    filler = small_disk / "filler"
    with open(filler, "wb") as f:
        f.write(b"\0" * (stats.f_bavail * stats.f_frsize - 200_000))
    statuses = []
    for i in range(12):
        body = _case(i).replace(" a pal:Case ;", f' a pal:Case ; <urn:x:pad> "{"x" * 50_000}" ;')
        r = client.put(
            "/data",
            query_string={"graph": f"https://example.org/g/full{i}"},
            data=body,
            content_type="text/turtle",
            headers=WRITE,
        )
        statuses.append(r.status_code)
        if r.status_code == 503:
            assert r.mimetype == "application/problem+json"
            assert r.get_json()["type"].endswith("store-unavailable")
    close_app(app)
    assert 503 in statuses, statuses
    assert 500 not in statuses
    filler.unlink()
    assert_each_case_whole_or_absent(data_dir)


@pytest.fixture
def read_only_dir(tmp_path) -> Iterator[Path]:
    where = tmp_path / "ro"
    where.mkdir()
    if os.geteuid() != 0:
        os.chmod(where, 0o555)
        yield where
        os.chmod(where, 0o755)
        return
    # root ignores permission bits: make the folder a read-only bind mount instead.
    if not (
        _mount("--bind", str(where), str(where)) and _mount("-o", "remount,ro,bind", str(where))
    ):
        subprocess.run(["umount", "-l", str(where)], check=False)
        pytest.skip("needs a read-only bind mount (root with CAP_SYS_ADMIN)")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_read_only_data_dir_is_a_clear_cli_error(read_only_dir, tmp_path):
    case = tmp_path / "case.ttl"
    case.write_text(_case(1), encoding="utf-8")
    env = {**os.environ, "PALERMO_DATA_DIR": str(read_only_dir / "data")}
    done = subprocess.run(
        [_exe(), "load", str(case)], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode != 0
    assert "cannot open the store" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_read_only_data_dir_stops_the_app_with_a_store_error(read_only_dir):
    from palermo.app import create_app
    from palermo.errors import StoreError
    from security.conftest import security_config

    with pytest.raises(StoreError, match="cannot open the store"):
        create_app(security_config(MEMORY=False, DATA_DIR=str(read_only_dir / "data")))


def test_a_file_where_the_data_dir_should_be_is_a_clear_error(tmp_path):
    """Works without root: the data directory path names a regular file."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    env = {**os.environ, "PALERMO_DATA_DIR": str(blocker)}
    case = tmp_path / "case.ttl"
    case.write_text(_case(2), encoding="utf-8")
    done = subprocess.run(
        [_exe(), "load", str(case)], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode != 0
    assert "cannot open the store" in done.stderr
    assert "Traceback" not in done.stderr
    assert blocker.read_text(encoding="utf-8") == "x"


def test_a_read_only_store_opened_after_a_write_keeps_its_cases(tmp_path):
    """The store closed after a write reopens with the same cases (the control for the above)."""
    from palermo.app import close_app, create_app
    from security.conftest import security_config

    app = create_app(security_config(MEMORY=False, DATA_DIR=str(tmp_path / "data")))
    r = app.test_client().put(
        "/data?graph=https://example.org/g/keep",
        data=_case(3),
        content_type="text/turtle",
        headers=WRITE,
    )
    assert r.status_code == 201
    close_app(app)
    assert assert_each_case_whole_or_absent(tmp_path / "data") == 1


# -- the remote store's equivalents of the disk faults ---------------------------------------------


def test_a_remote_store_killed_in_the_middle_of_writes_is_503_and_keeps_cases_whole(tmp_path):
    """The remote counterpart of the full disk: the store process dies (SIGKILL) while writes
    come in. Every answer after that is a 503 ``store-unavailable`` problem (never a 500), and
    once the store is back every case is whole or absent and every acknowledged case is there."""
    from palermo.app import close_app, create_app
    from security.conftest import security_config
    from support.servers import OxigraphServer

    store = OxigraphServer(tmp_path / "remote")
    app = create_app(security_config(STORE_URL=store.url, STORE_RETRIES=1))
    client = app.test_client()
    statuses: dict[int, int] = {}
    try:
        for i in range(12):
            if i == 6:
                store.kill()
            r = client.put(
                "/data",
                query_string={"graph": f"https://example.org/g/dead{i}"},
                data=_case(i),
                content_type="text/turtle",
                headers=WRITE,
            )
            statuses[i] = r.status_code
            if r.status_code == 503:
                assert r.mimetype == "application/problem+json"
                assert r.get_json()["type"].endswith("store-unavailable")
    finally:
        close_app(app)
    assert [statuses[i] for i in range(6)] == [201] * 6
    assert {statuses[i] for i in range(6, 12)} == {503}
    store.start()
    try:
        assert assert_each_case_whole_or_absent(store.url) == 6
        assert stored_graphs(store.url) == {f"https://example.org/g/dead{i}" for i in range(6)}
    finally:
        store.stop()


def test_an_unreachable_remote_store_is_a_clear_cli_error(tmp_path):
    """The remote counterpart of the blocked data folder: ``palermo load`` names the store it
    cannot reach in one line, with no traceback."""
    from support.servers import free_port

    case = tmp_path / "case.ttl"
    case.write_text(_case(4), encoding="utf-8")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PALERMO_")},
        "PALERMO_STORE_URL": f"http://127.0.0.1:{free_port()}",
        "PALERMO_STORE_RETRIES": "1",
    }
    done = subprocess.run(
        [_exe(), "load", str(case)], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    [line] = [x for x in done.stderr.splitlines() if x.startswith("palermo:")]
    assert "store" in line


def test_a_remote_store_keeps_the_cases_written_through_the_service(oxigraph_server):
    """The control for the remote faults: a case written through the service is whole in the
    remote store, read by a fresh client."""
    from palermo.app import close_app, create_app
    from security.conftest import security_config

    oxigraph_server.clear()
    app = create_app(security_config(STORE_URL=oxigraph_server.url, STORE_RETRIES=2))
    try:
        r = app.test_client().put(
            "/data?graph=https://example.org/g/keep",
            data=_case(3),
            content_type="text/turtle",
            headers=WRITE,
        )
        assert r.status_code == 201
    finally:
        close_app(app)
    assert assert_each_case_whole_or_absent(oxigraph_server.url) == 1
