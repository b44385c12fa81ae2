"""Validation jobs: large datasets received to disk and validated in the background.

``POST /validations`` (:mod:`palermo.api.validations`) hands this module the request body as it
arrives; everything else (the job records, the folder layout, the limits, the runner, start-up
and expiry) is here, and none of it knows HTTP. One folder holds every job: ``validations/``
beside the store's own files under the data directory, or a temporary folder when the service
keeps its store in memory::

    validations/
      <job id>/              128 random bits, URL-safe (secrets.token_urlsafe(16))
        upload.part          the body while it arrives (gzip undone), renamed when complete
        upload.<suffix>      the dataset, until its job has run (.ttl, .nt, .jsonld ...)
        job.json             the record: owner, status, times, counts or the reason it failed
        report.json  report.ttl  report.csv  report.txt  rules.json      once it is done

A job's life: received -> ``queued`` -> ``running`` -> ``done`` or ``failed``. The record is
written last when a job is received, and always whole (a temporary file, flushed to disk, renamed
over the old one), so a folder without a record is an upload cut short, which no client was ever
told about. At start-up every record is read again: queued jobs are queued again, a running job
(the service stopped under it) runs again once, and is reported failed the second time, so that
a dataset that brings the service down cannot do it over and over; nothing is dropped without a
record that says why. A finished job is removed ``ttl`` seconds after it finished (never shown
after that; its folder goes then, or at the next sweep, one every ten minutes), its upload as soon
as it has run.

Who sees a job: the token that sent it (its fingerprint, :func:`palermo.store.access.fingerprint`,
is the job's owner); a job sent without a token belongs to whoever holds its id, which is a
capability (128 random bits cannot be guessed). Anyone else is told the job does not exist, as for
an id that was never issued. The runner never logs case content, and names a job in the log by
the first characters of its id only.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import queue
import re
import secrets
import shutil
import tempfile
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from palermo.errors import InputError, NotFound, PalermoError, PayloadTooLarge, TooManyRequests
from palermo.rdf.parsing import RdfSyntax, syntax_for_media_type
from palermo.validation import validator
from palermo.validation.report import ValidationOutcome
from palermo.validation.shapes import Shapes

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
#: The owner of a job sent without a token (:attr:`palermo.store.access.Principal.fingerprint`).
ANONYMOUS = "anonymous"
#: How many results of each rule the grouped report keeps (``rules.json``, the page).
FIRST_RESULTS = 10
#: A job the service stopped under this many times is failed rather than run again.
MAX_ATTEMPTS = 2
#: Seconds a caller refused for too many jobs is asked to wait (``Retry-After``).
RETRY_AFTER = 30
#: Seconds between two sweeps for expired jobs while no job arrives.
SWEEP_EVERY = 600.0

#: The report files of a finished job, by kind.
REPORT_FILES: Mapping[str, str] = {
    "json": "report.json",
    "turtle": "report.ttl",
    "csv": "report.csv",
    "text": "report.txt",
    "rules": "rules.json",
}

_ID = re.compile(r"[A-Za-z0-9_-]{22}")
_RECORD = "job.json"
_PART = "upload.part"
_CHUNK = 1 << 20
_UNKNOWN_JOB = "there is no validation job with this id"


class TooManyJobs(TooManyRequests):
    """Jobs queued or running already fill the caller's share or the service's."""

    slug = "too-many-validation-jobs"
    title = "Too many validation jobs"

    def __init__(self, detail: str, *, retry_after: int = RETRY_AFTER) -> None:
        super().__init__(detail, retry_after=retry_after)


class ReportNotReady(PalermoError):
    """The report of a job that is still queued or running, or that failed."""

    slug = "report-not-ready"
    title = "The validation report is not ready"
    status = 409


class JobStorageError(PalermoError):
    """The jobs folder cannot be written (full disk, read-only data directory)."""

    slug = "validation-storage-unavailable"
    title = "Validation jobs cannot be stored"
    status = 503


# ---------------------------------------------------------------------------------------------
# The record of a job


@dataclass(frozen=True)
class Progress:
    """What a running job is doing; ``fraction`` (0 to 1) when it is known."""

    phase: str
    fraction: float | None = None


@dataclass(frozen=True)
class Job:
    """One validation job, as ``job.json`` records it (``progress`` lives in memory only)."""

    id: str
    owner: str
    status: str
    media_type: str
    engine: str
    size: int
    """Bytes of the dataset as received, after gzip."""
    created: float
    started: float | None = None
    finished: float | None = None
    attempts: int = 0
    conforms: bool | None = None
    counts: Mapping[str, int] | None = None
    error: Mapping[str, Any] | None = None
    """Why it failed, as an RFC 9457 problem: ``type``, ``title``, ``detail``, ``line``."""
    progress: Progress | None = field(default=None, compare=False)

    @property
    def syntax(self) -> RdfSyntax:
        return syntax_for_media_type(self.media_type)

    @property
    def upload_name(self) -> str:
        return "upload" + self.syntax.suffixes[0]

    @property
    def finished_work(self) -> bool:
        return self.status in (DONE, FAILED)

    def expires(self, ttl: float) -> float | None:
        """When a finished job is removed; None while it is queued or running."""
        return self.finished + ttl if self.finished is not None and self.finished_work else None

    def visible_to(self, owner: str) -> bool:
        """Whether the caller ``owner`` (a token fingerprint, or :data:`ANONYMOUS`) may see it."""
        return self.owner == ANONYMOUS or hmac.compare_digest(self.owner, owner)

    def to_record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "owner": self.owner,
            "status": self.status,
            "mediaType": self.media_type,
            "engine": self.engine,
            "bytes": self.size,
            "created": self.created,
            "started": self.started,
            "finished": self.finished,
            "attempts": self.attempts,
            "conforms": self.conforms,
            "counts": dict(self.counts) if self.counts is not None else None,
            "error": dict(self.error) if self.error is not None else None,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Job:
        job = cls(
            id=str(record["id"]),
            owner=str(record["owner"]),
            status=str(record["status"]),
            media_type=str(record["mediaType"]),
            engine=str(record["engine"]),
            size=int(record["bytes"]),
            created=float(record["created"]),
            started=_number(record.get("started")),
            finished=_number(record.get("finished")),
            attempts=int(record.get("attempts") or 0),
            conforms=record.get("conforms"),
            counts=record.get("counts"),
            error=record.get("error"),
        )
        if job.status not in (QUEUED, RUNNING, DONE, FAILED) or not _ID.fullmatch(job.id):
            raise ValueError("not a job record")
        syntax_for_media_type(job.media_type)  # one Palermo no longer reads: unreadable record
        return job

    def as_dict(self, ttl: float) -> dict[str, Any]:
        """What the caller is told about the job (never its owner)."""
        out: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "created": _iso(self.created),
            "started": _iso(self.started),
            "finished": _iso(self.finished),
            "expires": _iso(self.expires(ttl)),
            "engine": self.engine,
            "mediaType": self.media_type,
            "bytes": self.size,
        }
        if self.status in (QUEUED, RUNNING):
            progress = self.progress or Progress("waiting for a free worker")
            out["progress"] = {"phase": progress.phase, "fraction": progress.fraction}
        if self.status == DONE:
            out["conforms"] = self.conforms
            out["counts"] = dict(self.counts or {})
        if self.status == FAILED:
            out["error"] = dict(self.error or {})
        return out


# ---------------------------------------------------------------------------------------------
# The jobs of one service

#: Validates the dataset of a job: the upload's path and the engine's name to the outcome.
Validate = Callable[[Path, str], ValidationOutcome]


class ValidationJobs:
    """The validation jobs of one service: received, queued, run by a few worker threads,
    recorded on disk under ``root`` (a temporary folder, made when first needed, for None).

    Built once by the app factory and closed by ``close_app``; the worker threads start with the
    first job. ``validate`` is the function the workers call (by default
    :func:`palermo.validation.validator.validate_files`, which picks the best way to read a file
    for the engine).
    """

    def __init__(
        self,
        root: Path | None,
        *,
        shapes: Shapes,
        max_bytes: int,
        ttl: float,
        workers: int,
        max_jobs: int,
        max_jobs_per_caller: int,
        clock: Callable[[], float] = time.time,
        close_timeout: float = 10.0,
    ) -> None:
        self.max_bytes = max_bytes
        self.ttl = ttl
        self.max_jobs = max_jobs
        self.max_jobs_per_caller = max_jobs_per_caller
        self.validate: Validate = self._validate_file
        self._shapes = shapes
        self._root = root
        self._temporary = root is None
        self._workers = max(1, workers)
        self._clock = clock
        self._close_timeout = close_timeout
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._receiving: Counter[str] = Counter()
        self._queue: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._closed = False
        if root is not None:
            self._recover(root)

    # -- receiving -----------------------------------------------------------------------------

    def submit(
        self,
        body: Iterable[bytes],
        *,
        owner: str,
        syntax: RdfSyntax,
        engine: str,
        gzip: bool = False,
        declared_size: int | None = None,
    ) -> Job:
        """Receive a dataset from ``body`` (chunks, as they arrive) and queue its job.

        Refused before a byte is read: a declared size over :attr:`max_bytes`
        (:class:`~palermo.errors.PayloadTooLarge`), and a caller or service with its jobs
        already queued or running (:class:`TooManyJobs`). Refused while it arrives, and nothing
        kept: more than :attr:`max_bytes` sent or, gzip undone, received
        (:class:`~palermo.errors.PayloadTooLarge`); gzip that is malformed or cut short, and an
        empty body (:class:`~palermo.errors.InputError`).
        """
        if declared_size is not None and declared_size > self.max_bytes:
            raise PayloadTooLarge(self._too_large())
        self.expire()
        with self._lock:
            if self._closed:
                raise JobStorageError("the service is stopping; send the dataset again later")
            self._check_limits(owner)
            self._receiving[owner] += 1
        try:
            job = self._receive(body, owner=owner, syntax=syntax, engine=engine, gzip=gzip)
        except BaseException:
            with self._lock:
                self._received(owner)
            raise
        with self._lock:
            self._received(owner)
            self._jobs[job.id] = job
            self._start_workers()
        self._queue.put(job.id)
        log.info("validation job %s queued: %d bytes", _ref(job.id), job.size)
        return job

    def _received(self, owner: str) -> None:
        """One upload of ``owner`` has ended (the caller holds the lock)."""
        self._receiving[owner] -= 1
        if self._receiving[owner] <= 0:
            del self._receiving[owner]

    def _check_limits(self, owner: str) -> None:
        active = Counter(j.owner for j in self._jobs.values() if j.status in (QUEUED, RUNNING))
        active.update(self._receiving)
        if active[owner] >= self.max_jobs_per_caller:
            raise TooManyJobs(
                f"you have {active[owner]} validation job(s) queued or running, the most one "
                "caller may have; send the next when one has finished"
            )
        if sum(active.values()) >= self.max_jobs:
            raise TooManyJobs(
                "the service has as many validation jobs queued or running as it takes; "
                "try again shortly"
            )

    def _receive(
        self, body: Iterable[bytes], *, owner: str, syntax: RdfSyntax, engine: str, gzip: bool
    ) -> Job:
        job_id = secrets.token_urlsafe(16)
        folder = self._folder() / job_id
        try:
            folder.mkdir(mode=0o700)
            part = folder / _PART
            size = self._write_upload(body, part, gzip=gzip)
            if size == 0:
                raise InputError("the request body is empty: send the dataset", source="upload")
            job = Job(
                id=job_id,
                owner=owner,
                status=QUEUED,
                media_type=syntax.media_type,
                engine=engine,
                size=size,
                created=self._clock(),
            )
            os.replace(part, folder / job.upload_name)
            _write_record(folder, job)
            return job
        except BaseException as exc:
            shutil.rmtree(folder, ignore_errors=True)
            if isinstance(exc, OSError):
                raise JobStorageError(
                    f"the dataset could not be stored: {exc.strerror or 'input/output error'}"
                ) from None
            raise

    def _write_upload(self, body: Iterable[bytes], path: Path, *, gzip: bool) -> int:
        """Write ``body`` to ``path``, gzip undone; the bytes written."""
        received = written = 0
        gunzip = _Gunzip() if gzip else None
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            for chunk in body:
                received += len(chunk)
                if received > self.max_bytes:
                    raise PayloadTooLarge(self._too_large())
                for piece in gunzip.feed(chunk) if gunzip is not None else (chunk,):
                    written += len(piece)
                    if written > self.max_bytes:
                        raise PayloadTooLarge(self._too_large(decompressed=True))
                    out.write(piece)
            if gunzip is not None:
                gunzip.finish()
            out.flush()
            os.fsync(out.fileno())
        return written

    def _too_large(self, *, decompressed: bool = False) -> str:
        what = "decompressed, the dataset is" if decompressed else "the dataset is"
        return f"{what} larger than the {self.max_bytes:,} bytes the service validates"

    # -- reading -------------------------------------------------------------------------------

    def get(self, job_id: str, owner: str) -> Job:
        """The job ``job_id`` as the caller ``owner`` may see it; :class:`NotFound` for an id
        never issued, expired, or another caller's job alike."""
        if not _ID.fullmatch(job_id):
            raise NotFound(_UNKNOWN_JOB)
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or not job.visible_to(owner):
            raise NotFound(_UNKNOWN_JOB)
        expires = job.expires(self.ttl)
        if expires is not None and expires <= self._clock():
            self.expire()
            raise NotFound(_UNKNOWN_JOB)
        return job

    def report_path(self, job: Job, kind: str) -> Path:
        """The report file of a finished job (:data:`REPORT_FILES`); :class:`ReportNotReady`
        while it is queued or running, or when it failed."""
        if job.status != DONE:
            why = {
                QUEUED: "the job is waiting for a free worker",
                RUNNING: "the job is running",
                FAILED: "the job failed; its status says why",
            }[job.status]
            raise ReportNotReady(f"there is no report: {why}", jobStatus=job.status)
        path = self._folder() / job.id / REPORT_FILES[kind]
        if not path.exists():  # expired meanwhile
            raise NotFound(_UNKNOWN_JOB)
        return path

    def rules(self, job: Job) -> list[dict[str, Any]]:
        """The grouped report of a finished job: each rule broken, how often, its first
        results (:meth:`palermo.validation.report.ValidationOutcome.rules`)."""
        try:
            return list(json.loads(self.report_path(job, "rules").read_text(encoding="utf-8")))
        except FileNotFoundError:  # expired meanwhile
            raise NotFound(_UNKNOWN_JOB) from None

    # -- running -------------------------------------------------------------------------------

    def _start_workers(self) -> None:
        """Start the worker threads, once (the caller holds the lock). They are daemons: a
        validation cannot be interrupted, and one still running when the service stops is
        recorded as queued and runs again at the next start."""
        if self._threads or self._closed:
            return
        for n in range(self._workers):
            thread = threading.Thread(target=self._work, name=f"palermo-validation-{n}")
            thread.daemon = True
            thread.start()
            self._threads.append(thread)

    def _work(self) -> None:
        while True:
            try:
                job_id = self._queue.get(timeout=SWEEP_EVERY)
            except queue.Empty:  # no job for a while: time to remove the expired ones
                self.expire()
                continue
            if job_id is None or self._stopping.is_set():
                return
            self._run(job_id)

    def _run(self, job_id: str) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.status != QUEUED or self._closed:
                return
            job = replace(
                job,
                status=RUNNING,
                started=self._clock(),
                attempts=job.attempts + 1,
                progress=Progress("validating"),
            )
            self._jobs[job_id] = job
            self._save(job)
        folder = self._folder() / job_id
        started = time.perf_counter()
        try:
            outcome = self.validate(folder / job.upload_name, job.engine)
            self._set_progress(job_id, Progress("writing the report", 0.0))
            self._write_reports(folder, outcome)
            finished = replace(
                job,
                status=DONE,
                engine=outcome.engine,
                conforms=outcome.conforms,
                counts=dict(outcome.counts),
                progress=None,
            )
        except PalermoError as exc:
            finished = _failed(job, _problem(exc))
        except Exception as exc:
            if self._stopping.is_set():  # the folder went away under a job the service left
                return
            log.error("validation job %s failed: %s", _ref(job_id), type(exc).__name__)
            finished = _failed(
                job, _reason("memory" if isinstance(exc, MemoryError) else "unexpected")
            )
        finished = replace(finished, finished=self._clock())
        with self._lock:
            if self._closed:
                return
            self._jobs[job_id] = finished
            self._save(finished)
        (folder / job.upload_name).unlink(missing_ok=True)
        log.info(
            "validation job %s %s in %.1f s",
            _ref(job_id),
            finished.status,
            time.perf_counter() - started,
        )

    def _validate_file(self, path: Path, engine: str) -> ValidationOutcome:
        return validator.validate_files([path], shapes=self._shapes, engine=engine)

    def _set_progress(self, job_id: str, progress: Progress) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None and job.status == RUNNING:
                self._jobs[job_id] = replace(job, progress=progress)

    def _write_reports(self, folder: Path, outcome: ValidationOutcome) -> None:
        renderings: list[tuple[str, Callable[[], str]]] = [
            ("rules", lambda: json.dumps([g.as_dict() for g in outcome.rules(FIRST_RESULTS)])),
            ("text", lambda: outcome.grouped_text(FIRST_RESULTS)),
            ("csv", outcome.to_csv),
            ("json", outcome.to_json),
            ("turtle", outcome.to_results_turtle),
        ]
        for n, (kind, render) in enumerate(renderings):
            self._set_progress(folder.name, Progress("writing the report", n / len(renderings)))
            _write_file(folder / REPORT_FILES[kind], render().encode("utf-8"))

    # -- start-up, expiry, shutdown ------------------------------------------------------------

    def _recover(self, root: Path) -> None:
        """Read back the jobs of an earlier run (see the module's docstring)."""
        if not root.is_dir():
            return
        again: list[Job] = []
        for folder in sorted(root.iterdir()):
            if not (folder.is_dir() and _ID.fullmatch(folder.name)):
                continue
            job = self._read_back(folder)
            if job is None:
                continue
            self._jobs[job.id] = job
            if job.status == QUEUED:
                again.append(job)
        self.expire()
        with self._lock:
            if self._jobs:  # to run the queued ones, and to expire the others in time
                self._start_workers()
        for job in sorted(again, key=lambda j: j.created):
            self._queue.put(job.id)
        if self._jobs:
            log.info(
                "validation jobs read back: %d, of which %d queued again",
                len(self._jobs),
                len(again),
            )

    def _read_back(self, folder: Path) -> Job | None:
        record = folder / _RECORD
        if not record.exists():
            shutil.rmtree(folder, ignore_errors=True)  # an upload cut short: no 202 was sent
            return None
        try:
            job = Job.from_record(json.loads(record.read_text(encoding="utf-8")))
            if job.id != folder.name:
                raise ValueError("a record in another job's folder")
        except (OSError, ValueError, KeyError, TypeError, PalermoError):
            log.warning("validation job %s: unreadable record, removed", _ref(folder.name))
            shutil.rmtree(folder, ignore_errors=True)
            return None
        changed = job
        if job.status == RUNNING:
            changed = (
                replace(job, status=QUEUED)
                if job.attempts < MAX_ATTEMPTS
                else _failed(job, _reason("interrupted"), finished=self._clock())
            )
        if changed.status == QUEUED and not (folder / job.upload_name).exists():
            changed = _failed(changed, _reason("upload lost"), finished=self._clock())
        if changed.status == DONE and not all((folder / f).exists() for f in REPORT_FILES.values()):
            changed = _failed(changed, _reason("report lost"), finished=self._clock())
        if changed != job:
            _write_record(folder, changed)
        if changed.finished_work:  # a dataset is kept only until its job has run
            (folder / job.upload_name).unlink(missing_ok=True)
        return changed

    def expire(self) -> int:
        """Remove the jobs that finished more than :attr:`ttl` seconds ago; how many."""
        now = self._clock()
        with self._lock:
            gone = [
                j.id for j in self._jobs.values() if (j.expires(self.ttl) or float("inf")) <= now
            ]
            for job_id in gone:
                del self._jobs[job_id]
            root = self._root
        if root is not None:
            for job_id in gone:
                shutil.rmtree(root / job_id, ignore_errors=True)
        if gone:
            log.info("validation jobs expired: %d", len(gone))
        return len(gone)

    def close(self) -> None:
        """Stop the workers: queued jobs stay queued on disk; a job still running after
        ``close_timeout`` seconds is left to its thread and recorded as queued, so that it runs
        again at the next start (a stop is not counted as an attempt). A temporary folder is
        removed."""
        with self._lock:
            if self._closed:
                return
            self._stopping.set()
            threads = list(self._threads)
        for _ in threads:
            self._queue.put(None)
        deadline = time.monotonic() + self._close_timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            self._closed = True
            root = self._root
            running = [j for j in self._jobs.values() if j.status == RUNNING]
        if not self._temporary and root is not None:
            for job in running:
                again = replace(job, status=QUEUED, attempts=max(0, job.attempts - 1))
                try:
                    _write_record(root / job.id, again)
                except OSError as exc:  # it stays "running": the next start runs it again
                    log.error(
                        "validation job %s: record not written (%s)", _ref(job.id), exc.strerror
                    )
        if self._temporary and root is not None:
            shutil.rmtree(root, ignore_errors=True)

    # -- the folder ----------------------------------------------------------------------------

    def _folder(self) -> Path:
        with self._lock:
            if self._root is None:
                self._root = _temporary_folder()
            root = self._root
        try:
            root.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise JobStorageError(
                f"the validation jobs folder cannot be made: {exc.strerror or 'input/output error'}"
            ) from None
        return root

    def _save(self, job: Job) -> None:
        """Write the record of ``job`` (the caller holds the lock)."""
        if self._root is not None:
            try:
                _write_record(self._root / job.id, job)
            except OSError as exc:
                log.error("validation job %s: record not written (%s)", _ref(job.id), exc.strerror)


def open_validation_jobs(settings: Mapping[str, Any], *, shapes: Shapes) -> ValidationJobs:
    """The validation jobs of a service with these settings: ``validations/`` under
    ``DATA_DIR``, or a temporary folder with ``MEMORY``."""
    return ValidationJobs(
        None if settings["MEMORY"] else Path(settings["DATA_DIR"]) / "validations",
        shapes=shapes,
        max_bytes=int(settings["MAX_VALIDATION_BYTES"]),
        ttl=float(settings["VALIDATION_TTL"]),
        workers=int(settings["VALIDATION_WORKERS"]),
        max_jobs=int(settings["MAX_VALIDATION_JOBS"]),
        max_jobs_per_caller=int(settings["MAX_VALIDATION_JOBS_PER_CALLER"]),
    )


# ---------------------------------------------------------------------------------------------
# gzip, undone as it arrives (RFC 1952; several members one after the other, as gzip -c a b)


class _Gunzip:
    """Decompress gzip chunk by chunk, never more than :data:`_CHUNK` bytes at a time, so
    that a small body that expands without bound (a "gzip bomb") is refused while it is read."""

    def __init__(self) -> None:
        self._inflate = zlib.decompressobj(wbits=31)
        self._in_member = False

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        data = chunk
        while data:
            if not self._in_member:
                data = data.lstrip(b"\0")  # zero padding between or after members, as gzip allows
                if not data:
                    return
                self._in_member = True
            try:
                piece = self._inflate.decompress(data, _CHUNK)
            except zlib.error:
                raise InputError(
                    "the body is not gzip, although Content-Encoding says so", source="upload"
                ) from None
            if piece:
                yield piece
            if self._inflate.eof:
                data = self._inflate.unused_data
                self._inflate = zlib.decompressobj(wbits=31)
                self._in_member = False
            else:
                data = self._inflate.unconsumed_tail

    def finish(self) -> None:
        if self._in_member:
            raise InputError(
                "the gzip stream ends early: the upload is truncated; send the whole file",
                source="upload",
            )


# ---------------------------------------------------------------------------------------------
# Files and records

_TEMPORARY_PREFIX = "palermo-validations-"


def _temporary_folder() -> Path:
    """A new temporary folder for the jobs of an in-memory service, named after this process
    (``palermo-validations-<pid>-<random>``). The folders of services that ended without closing
    (killed, or stopped by a signal they did not handle) hold reports of case data: they are
    removed here, once their process is gone."""
    base = Path(tempfile.gettempdir())
    if os.name == "posix":
        for stale in base.glob(f"{_TEMPORARY_PREFIX}*-*"):
            pid = stale.name[len(_TEMPORARY_PREFIX) :].split("-", 1)[0]
            try:
                if pid.isdigit() and stale.stat().st_uid == os.getuid() and not _alive(int(pid)):
                    shutil.rmtree(stale, ignore_errors=True)
            except OSError:
                continue
    return Path(tempfile.mkdtemp(prefix=f"{_TEMPORARY_PREFIX}{os.getpid()}-", dir=base))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _write_file(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all: a temporary file, flushed to disk, renamed."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def _write_record(folder: Path, job: Job) -> None:
    _write_file(folder / _RECORD, json.dumps(job.to_record()).encode("utf-8"))


#: Why a job failed when no error of Palermo's says it: a title and a detail for each.
_REASONS: Mapping[str, tuple[str, str]] = {
    "unexpected": (
        "Validation failed",
        "the validation failed unexpectedly; the error has been logged",
    ),
    "memory": (
        "Validation failed",
        "the dataset is too large to validate in the memory this service has",
    ),
    "interrupted": (
        "Validation interrupted",
        f"the service stopped {MAX_ATTEMPTS} times while validating this dataset, so it was not "
        "tried again; it may be too large for the service",
    ),
    "upload lost": (
        "Upload lost",
        "the dataset was lost from the service's disk before it was validated; send it again",
    ),
    "report lost": (
        "Report lost",
        "the report was lost from the service's disk; send the dataset again",
    ),
}


def _reason(name: str) -> dict[str, Any]:
    title, detail = _REASONS[name]
    return {"title": title, "detail": detail}


def _problem(exc: PalermoError) -> dict[str, Any]:
    """The reason a job failed, as the problem an HTTP request would have got (without the
    server's file name of the upload)."""
    problem = {"type": exc.type, "title": exc.title, "detail": exc.detail}
    line = getattr(exc, "line", None)
    if line is not None:
        problem["line"] = line
    return problem


def _failed(job: Job, error: Mapping[str, Any], *, finished: float | None = None) -> Job:
    return replace(
        job,
        status=FAILED,
        error=dict(error),
        progress=None,
        finished=finished if finished is not None else job.finished,
    )


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return (
        datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    )


def _ref(job_id: str) -> str:
    """A job as the log names it: enough to find its folder, not enough to read it."""
    return job_id[:6] + "…"


__all__ = [
    "ANONYMOUS",
    "DONE",
    "FAILED",
    "QUEUED",
    "REPORT_FILES",
    "RUNNING",
    "Job",
    "JobStorageError",
    "Progress",
    "ReportNotReady",
    "TooManyJobs",
    "ValidationJobs",
    "open_validation_jobs",
]
