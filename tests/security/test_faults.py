"""Faults: SIGKILL in the middle of a bulk load, a full disk, a read-only data directory.

After each, the store opens and every case is either wholly present (its case graph, its
inference graph with the assessment, and its metadata) or wholly absent.
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


def assert_each_case_whole_or_absent(data_dir: Path) -> int:
    """Open the store; check every case; return how many are present."""
    from palermo.rdf.namespaces import GRAPH_BASE
    from palermo.store.oxigraph import OxigraphStore

    store = OxigraphStore(data_dir)
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


@pytest.mark.slow
def test_sigkill_in_the_middle_of_a_bulk_load(tmp_path):
    """A live ``palermo serve`` takes case graphs from 8 concurrent clients; it is SIGKILLed once
    20 writes were acknowledged, with more in flight. Every acknowledged case is present, and
    every case is whole or absent."""
    server = PalermoServer(
        "--data-dir", str(tmp_path / "data"), env={"PALERMO_TOKENS": f"{WRITE_TOKEN}:write"}
    )
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
    present = assert_each_case_whole_or_absent(tmp_path / "data")
    assert present >= len(acknowledged)
    from palermo.store.oxigraph import OxigraphStore

    store = OxigraphStore(tmp_path / "data")
    try:
        graphs = {r.graph for r in store.case_records()}
    finally:
        store.close()
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
