"""Validation jobs (palermo.validation.jobs): received to disk as they arrive, gzip undone and
bounded, run in the background, read back after a restart, expired, and seen by their owner only;
and the reports they write (grouped by rule, CSV, Turtle), which never repeat a private value.

The tests poll a job with a bounded deadline; where a job must stay queued or running, the
workers validate with a function that waits for the test's go-ahead.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rdflib import Graph

from palermo.errors import InputError, NotFound, PayloadTooLarge
from palermo.rdf.namespaces import RDF, SH
from palermo.rdf.parsing import syntax_for_media_type
from palermo.validation import jobs as jobs_module
from palermo.validation.jobs import (
    ANONYMOUS,
    DONE,
    FAILED,
    QUEUED,
    REPORT_FILES,
    RUNNING,
    Job,
    ReportNotReady,
    TooManyJobs,
    ValidationJobs,
)
from palermo.validation.report import ValidationOutcome
from palermo.validation.validator import DEFAULT_ENGINE, ENGINES, validate_files
from support.partner_data import PRIVATE
from support.partner_data import partner_dataset as dataset

TURTLE = syntax_for_media_type("text/turtle")
OWNER = "tok-0123456789ab"
OTHER = "tok-ba9876543210"
#: Seconds a test waits for a job before it fails (a safety net, not a measurement).
DEADLINE = 120.0
AGES = 12  # persons with a negative age: one rule broken 12 times


def chunks(data: bytes, size: int = 7) -> Iterator[bytes]:
    """``data`` in small chunks, so that gzip members and lines straddle them."""
    for i in range(0, len(data), size):
        yield data[i : i + size]


class Gate:
    """A validate function that waits for the test's go-ahead: jobs stay running meanwhile."""

    def __init__(self, shapes) -> None:
        self.shapes = shapes
        self.go = threading.Event()
        self.entered = threading.Semaphore(0)

    def __call__(self, path: Path, engine: str) -> ValidationOutcome:
        self.entered.release()
        if not self.go.wait(DEADLINE):
            raise RuntimeError("the test never let the job go on")
        return validate_files([path], shapes=self.shapes, engine=engine)

    def wait_entered(self) -> None:
        assert self.entered.acquire(timeout=DEADLINE), "no job started"


@pytest.fixture
def make_jobs(tmp_path, shapes) -> Iterator[Callable[..., ValidationJobs]]:
    """A factory of :class:`ValidationJobs` on ``tmp_path/validations``; all closed at the end."""
    made: list[ValidationJobs] = []

    def factory(**options) -> ValidationJobs:
        settings = {
            "shapes": shapes,
            "max_bytes": 1 << 20,
            "ttl": 3600.0,
            "workers": 1,
            "max_jobs": 8,
            "max_jobs_per_caller": 4,
            "close_timeout": 0.5,
        }
        settings.update(options)
        root = settings.pop("root", tmp_path / "validations")
        jobs = ValidationJobs(root, **settings)
        made.append(jobs)
        return jobs

    yield factory
    for jobs in made:
        jobs.close()


def finished(jobs: ValidationJobs, job_id: str, owner: str = OWNER) -> Job:
    """Poll until the job is done or failed."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        job = jobs.get(job_id, owner)
        if job.status in (DONE, FAILED):
            return job
        time.sleep(0.02)
    raise AssertionError(f"job still {jobs.get(job_id, owner).status} after {DEADLINE} s")


def submit(jobs: ValidationJobs, body: bytes | Iterator[bytes], **options) -> Job:
    options.setdefault("owner", OWNER)
    options.setdefault("syntax", TURTLE)
    options.setdefault("engine", DEFAULT_ENGINE)
    return jobs.submit(chunks(body) if isinstance(body, bytes) else body, **options)


def report_texts(jobs: ValidationJobs, job: Job) -> dict[str, str]:
    return {kind: jobs.report_path(job, kind).read_text("utf-8") for kind in REPORT_FILES}


# ---------------------------------------------------------------------------------------------
# A job from the first byte to its reports


def test_a_job_is_received_to_disk_queued_run_and_reported(make_jobs, tmp_path, shapes):
    jobs = make_jobs()
    data = dataset()
    job = submit(jobs, data)
    assert job.status == QUEUED
    assert job.size == len(data)
    assert len(job.id) == 22  # 128 random bits, URL-safe base64
    folder = tmp_path / "validations" / job.id
    record = json.loads((folder / "job.json").read_text())
    assert record["owner"] == OWNER and record["status"] in (QUEUED, RUNNING, DONE)

    done = finished(jobs, job.id)
    assert done.status == DONE, done.error
    expected = validate_files(
        [_write(tmp_path / "same.ttl", data)], shapes=shapes, engine=DEFAULT_ENGINE
    )
    assert done.counts == dict(expected.counts)
    assert done.conforms is False
    assert done.engine == expected.engine
    assert not (folder / job.upload_name).exists(), "the upload is removed once it has run"

    texts = report_texts(jobs, done)
    assert json.loads(texts["json"])["counts"] == dict(expected.counts)
    rows = list(csv.DictReader(io.StringIO(texts["csv"])))
    assert len(rows) == len(expected.results)
    report = Graph().parse(data=texts["turtle"], format="turtle")
    assert len(set(report.subjects(RDF.type, SH.ValidationReport))) == 1
    assert len(set(report.objects(predicate=SH.result))) == len(expected.results)
    rules = jobs.rules(done)
    ages = [r for r in rules if r["sourceConstraintComponent"] == "MinInclusiveConstraintComponent"]
    assert [(r["count"], len(r["results"]), r["more"]) for r in ages] == [(AGES, 10, AGES - 10)]
    assert rules[0]["severity"] == "Violation"
    assert f"... and {AGES - 10} more" in texts["text"]

    status = done.as_dict(jobs.ttl)
    assert status["status"] == "done" and status["counts"] == done.counts
    assert status["expires"] is not None and "owner" not in status
    assert OWNER not in json.dumps(status)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_a_running_job_says_what_it_is_doing(make_jobs, shapes):
    jobs = make_jobs()
    gate = Gate(shapes)
    jobs.validate = gate
    job = submit(jobs, dataset(1))
    gate.wait_entered()
    running = jobs.get(job.id, OWNER).as_dict(jobs.ttl)
    assert running["status"] == "running"
    assert running["progress"]["phase"] == "validating"
    assert running["started"] is not None
    with pytest.raises(ReportNotReady):
        jobs.report_path(jobs.get(job.id, OWNER), "csv")
    gate.go.set()
    assert finished(jobs, job.id).status == DONE


# ---------------------------------------------------------------------------------------------
# Receiving: gzip, limits, bad input


def test_gzip_is_undone_as_it_arrives_member_after_member(make_jobs):
    jobs = make_jobs()
    data = dataset()
    half = len(data) // 2
    body = gzip.compress(data[:half]) + gzip.compress(data[half:]) + b"\0" * 16  # gzip -c a b
    job = submit(jobs, body, gzip=True)
    assert job.size == len(data)
    assert finished(jobs, job.id).status == DONE


def test_truncated_gzip_is_refused_and_nothing_is_kept(make_jobs, tmp_path):
    jobs = make_jobs()
    body = gzip.compress(dataset())
    with pytest.raises(InputError, match="truncated"):
        submit(jobs, body[: len(body) // 2], gzip=True)
    assert list((tmp_path / "validations").iterdir()) == []


def test_a_body_that_is_not_gzip_is_refused(make_jobs):
    with pytest.raises(InputError, match="not gzip"):
        submit(make_jobs(), dataset(), gzip=True)


def test_an_empty_body_is_refused(make_jobs):
    with pytest.raises(InputError, match="empty"):
        submit(make_jobs(), b"")


def test_a_body_over_the_limit_is_refused_while_it_arrives(make_jobs, tmp_path):
    jobs = make_jobs(max_bytes=1000)
    read: list[int] = []

    def body() -> Iterator[bytes]:
        for n in range(100):
            read.append(n)
            yield b"#" * 400 + b"\n"

    with pytest.raises(PayloadTooLarge):
        submit(jobs, body())
    assert len(read) == 3, "reading stopped at the limit"
    assert list((tmp_path / "validations").iterdir()) == []


def test_a_gzip_bomb_is_refused_by_its_decompressed_size(make_jobs, tmp_path):
    jobs = make_jobs(max_bytes=1 << 20)
    bomb = gzip.compress(b"#" * (64 << 20) + b"\n")  # 64 MiB of comment in about 64 kB
    assert len(bomb) < jobs.max_bytes
    with pytest.raises(PayloadTooLarge, match="decompressed"):
        submit(jobs, iter([bomb]), gzip=True)
    assert list((tmp_path / "validations").iterdir()) == []


def test_a_declared_size_over_the_limit_is_refused_before_a_byte_is_read(make_jobs):
    def untouched() -> Iterator[bytes]:
        raise AssertionError("the body was read")
        yield b""  # pragma: no cover

    with pytest.raises(PayloadTooLarge):
        submit(make_jobs(max_bytes=1000), untouched(), declared_size=1001)


def test_unreadable_rdf_fails_the_job_with_the_line_and_the_reason(make_jobs, tmp_path):
    jobs = make_jobs()
    body = (
        b"@prefix pal: <https://w3id.org/palermo/ontology#> .\n\n<https://e.org/c> a pal:Case ;\n"
    )
    job = finished(jobs, submit(jobs, body).id)
    assert job.status == FAILED
    assert job.error is not None
    assert job.error["line"] == 4  # the parser's line: the document ends inside a triple
    assert job.error["type"].endswith("/invalid-input")
    assert "Unexpected end" in job.error["detail"]
    told = json.dumps(job.as_dict(jobs.ttl))
    assert str(tmp_path) not in told and job.upload_name not in told  # no file of the server
    with pytest.raises(ReportNotReady):
        jobs.report_path(job, "json")


# ---------------------------------------------------------------------------------------------
# Who sees a job


def test_only_the_token_that_sent_a_job_sees_it(make_jobs):
    jobs = make_jobs()
    job = submit(jobs, dataset(1))
    assert jobs.get(job.id, OWNER).id == job.id
    with pytest.raises(NotFound) as other:
        jobs.get(job.id, OTHER)
    with pytest.raises(NotFound) as anonymous:
        jobs.get(job.id, ANONYMOUS)
    with pytest.raises(NotFound) as unknown:
        jobs.get("A" * 22, OWNER)
    assert str(other.value) == str(anonymous.value) == str(unknown.value)
    finished(jobs, job.id)


def test_a_job_sent_without_a_token_belongs_to_whoever_holds_its_id(make_jobs):
    jobs = make_jobs()
    job = submit(jobs, dataset(1), owner=ANONYMOUS)
    assert jobs.get(job.id, ANONYMOUS).id == job.id
    assert jobs.get(job.id, OTHER).id == job.id
    finished(jobs, job.id, ANONYMOUS)


@pytest.mark.parametrize("job_id", ["", "../../etc", "A" * 21, "A" * 23, "A/" + "A" * 20])
def test_a_malformed_id_is_an_unknown_job(make_jobs, job_id):
    with pytest.raises(NotFound):
        make_jobs().get(job_id, OWNER)


# ---------------------------------------------------------------------------------------------
# Limits


def test_jobs_queued_or_running_are_limited_per_caller_and_in_all(make_jobs, shapes):
    jobs = make_jobs(max_jobs=3, max_jobs_per_caller=2)
    gate = Gate(shapes)
    jobs.validate = gate
    mine = [submit(jobs, dataset(1)), submit(jobs, dataset(1))]
    with pytest.raises(TooManyJobs) as caller:
        submit(jobs, dataset(1))
    assert caller.value.status == 429 and caller.value.retry_after > 0
    theirs = submit(jobs, dataset(1), owner=OTHER)
    with pytest.raises(TooManyJobs, match="the service"):
        submit(jobs, dataset(1), owner=ANONYMOUS)
    gate.go.set()
    for job in mine:
        assert finished(jobs, job.id).status == DONE
    assert finished(jobs, theirs.id, OTHER).status == DONE
    finished(jobs, submit(jobs, dataset(1)).id)  # room again


# ---------------------------------------------------------------------------------------------
# Restart and expiry


def test_jobs_survive_a_restart(make_jobs, tmp_path, shapes):
    first = make_jobs()
    gate = Gate(shapes)
    first.validate = gate
    running = submit(first, dataset(2))
    gate.wait_entered()
    queued = submit(first, dataset(3))
    first.close()  # the running job is left to its thread, and recorded as queued
    for job in (running, queued):
        record = json.loads((tmp_path / "validations" / job.id / "job.json").read_text())
        assert (record["status"], record["attempts"]) == (QUEUED, 0)

    second = make_jobs()
    assert finished(second, running.id).status == DONE
    assert finished(second, queued.id).status == DONE
    gate.go.set()  # let the abandoned thread end; it writes nothing


def _record(root: Path, **fields) -> Path:
    """A job folder as an earlier run left it."""
    job = Job(
        id=fields.pop("id", "B" * 22),
        owner=OWNER,
        status=fields.pop("status"),
        media_type="text/turtle",
        engine=DEFAULT_ENGINE,
        size=10,
        created=time.time(),
        **fields,
    )
    folder = root / job.id
    folder.mkdir(parents=True)
    (folder / "job.json").write_text(json.dumps(job.to_record()))
    return folder


def test_a_job_running_when_the_service_stopped_runs_again_once(make_jobs, tmp_path):
    root = tmp_path / "validations"
    folder = _record(root, status=RUNNING, attempts=1)
    (folder / "upload.ttl").write_bytes(dataset(1))
    jobs = make_jobs()
    assert finished(jobs, "B" * 22).status == DONE


def test_a_job_that_stopped_the_service_twice_is_failed_at_start_up(make_jobs, tmp_path):
    root = tmp_path / "validations"
    folder = _record(root, status=RUNNING, attempts=2)
    (folder / "upload.ttl").write_bytes(dataset(1))
    job = make_jobs().get("B" * 22, OWNER)
    assert job.status == FAILED
    assert job.error is not None and "stopped 2 times" in job.error["detail"]
    assert not (folder / "upload.ttl").exists(), "the dataset is not kept for a failed job"


def test_a_queued_job_whose_upload_was_lost_is_reported_failed(make_jobs, tmp_path):
    _record(tmp_path / "validations", status=QUEUED)
    job = make_jobs().get("B" * 22, OWNER)
    assert job.status == FAILED
    assert job.error is not None and "lost" in job.error["detail"]


def test_start_up_removes_uploads_cut_short_and_unreadable_records(make_jobs, tmp_path):
    root = tmp_path / "validations"
    cut = root / ("C" * 22)
    cut.mkdir(parents=True)
    (cut / "upload.part").write_bytes(b"half a dataset")
    garbled = root / ("D" * 22)
    garbled.mkdir()
    (garbled / "job.json").write_text("{not json")
    notes = root / "notes"
    notes.mkdir()
    make_jobs()
    assert sorted(p.name for p in root.iterdir()) == ["notes"]  # what is not a job is left


def test_finished_jobs_expire_after_the_ttl(make_jobs, tmp_path):
    now = [time.time()]
    jobs = make_jobs(ttl=100.0, clock=lambda: now[0])
    job = finished(jobs, submit(jobs, dataset(1)).id)
    assert job.as_dict(jobs.ttl)["expires"] is not None
    now[0] += 99
    assert jobs.get(job.id, OWNER).status == DONE
    now[0] += 2
    with pytest.raises(NotFound):
        jobs.get(job.id, OWNER)
    assert not (tmp_path / "validations" / job.id).exists()


def test_expired_jobs_are_swept_away_while_no_job_arrives(make_jobs, tmp_path, monkeypatch):
    monkeypatch.setattr(jobs_module, "SWEEP_EVERY", 0.05)
    now = [time.time()]
    jobs = make_jobs(ttl=100.0, clock=lambda: now[0])
    job = finished(jobs, submit(jobs, dataset(1)).id)
    folder = tmp_path / "validations" / job.id
    now[0] += 101
    deadline = time.monotonic() + DEADLINE
    while folder.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not folder.exists()


def test_jobs_that_expired_while_the_service_was_down_are_removed_at_start_up(make_jobs, tmp_path):
    root = tmp_path / "validations"
    old = time.time() - 10_000
    _record(root, status=FAILED, finished=old, error={"title": "x", "detail": "y"})
    make_jobs(ttl=100.0)
    assert list(root.iterdir()) == []


def test_an_in_memory_service_keeps_its_jobs_in_a_temporary_folder(make_jobs):
    jobs = make_jobs(root=None)
    job = finished(jobs, submit(jobs, dataset(1)).id)
    folder = jobs.report_path(job, "json").parent.parent
    assert folder.name.startswith("palermo-validations-")
    jobs.close()
    assert not folder.exists()


def test_the_temporary_folders_of_services_that_ended_unclosed_are_removed(make_jobs):
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    base = Path(tempfile.gettempdir())
    stale = Path(tempfile.mkdtemp(prefix=f"palermo-validations-{ended.stdout.strip()}-", dir=base))
    (stale / "report.csv").write_text("case data")
    alive = Path(tempfile.mkdtemp(prefix=f"palermo-validations-{os.getpid()}-", dir=base))
    try:
        jobs = make_jobs(root=None)
        finished(jobs, submit(jobs, dataset(1)).id)
        assert not stale.exists()
        assert alive.exists()
    finally:
        shutil.rmtree(stale, ignore_errors=True)
        shutil.rmtree(alive, ignore_errors=True)


def test_the_settings_name_the_folder_beside_the_store(tmp_path, shapes):
    settings = {
        "MEMORY": False,
        "DATA_DIR": str(tmp_path / "data"),
        "MAX_VALIDATION_BYTES": 5,
        "VALIDATION_TTL": 60,
        "VALIDATION_WORKERS": 1,
        "MAX_VALIDATION_JOBS": 1,
        "MAX_VALIDATION_JOBS_PER_CALLER": 1,
    }
    jobs = jobs_module.open_validation_jobs(settings, shapes=shapes)
    try:
        with pytest.raises(PayloadTooLarge):
            submit(jobs, b"123456")
        assert (tmp_path / "data" / "validations").is_dir()
    finally:
        jobs.close()


# ---------------------------------------------------------------------------------------------
# The reports a job writes never repeat a private value


@pytest.mark.parametrize("engine", ENGINES)
def test_no_report_repeats_a_private_value(make_jobs, engine):
    jobs = make_jobs()
    job = finished(jobs, submit(jobs, dataset(2), engine=engine).id)
    assert job.status == DONE, job.error
    assert job.counts is not None and job.counts["Warning"] >= 5, "the privacy shapes saw them"
    texts = report_texts(jobs, job)
    texts["status"] = json.dumps(job.as_dict(jobs.ttl))
    for kind, text in texts.items():
        for private in PRIVATE:
            assert private not in text, (kind, private)


def test_the_csv_report_is_safe_to_open_in_a_spreadsheet(make_jobs):
    jobs = make_jobs()
    formula = (
        b"@prefix pal: <https://w3id.org/palermo/ontology#> .\n"
        b'<https://example.org/p> a pal:Person ; pal:ageAtTimeOfAct "=HYPERLINK(1)" , -4 .\n'
    )
    job = finished(jobs, submit(jobs, formula).id)
    rows = list(csv.DictReader(io.StringIO(report_texts(jobs, job)["csv"])))
    values = {row["value"] for row in rows}
    assert "'=HYPERLINK(1)" in values, values
    assert "-4" in values  # a number stays a number
    assert all(not v.startswith("=") for row in rows for v in row.values())


def test_the_grouped_text_counts_each_rule_and_the_rest(make_jobs, shapes, tmp_path):
    outcome = validate_files(
        [_write(tmp_path / "d.ttl", dataset())], shapes=shapes, engine=DEFAULT_ENGINE
    )
    text = outcome.grouped_text(first=3)
    assert text.startswith("Validation: does not conform (")
    assert f"Violation, {AGES} results: palsh:PersonShape-ageAtTimeOfAct" in text
    assert f"... and {AGES - 3} more" in text
    assert text.count("<https://example.org/person-") == 3
    assert all(g.count == len(g.results) + g.more and len(g.results) <= 3 for g in outcome.rules(3))
    assert sum(g.count for g in outcome.rules()) == len(outcome.results)


def test_a_compressed_stream_of_one_deflate_block_is_not_gzip(make_jobs):
    raw = zlib.compress(dataset(1))  # zlib, not gzip: refused rather than guessed
    with pytest.raises(InputError):
        submit(make_jobs(), raw, gzip=True)
