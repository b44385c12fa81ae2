"""Live server processes for tests: ``palermo serve`` and ``oxigraph serve``.

Each runs on a free loopback port and is waited for until it answers; ``stop`` ends it politely
(SIGTERM, then SIGKILL), ``kill`` ends it as a crash would (SIGKILL, no flush), ``restart`` starts
it again on the same port and the same data. Its stderr is read all the time by a thread, so that
a chatty server never blocks on a full pipe, and a server that fails to start says why.

Fixtures stay next to the tests that use them; they build these classes::

    with PalermoServer("--memory", "--examples") as server:
        urllib.request.urlopen(server.url + "/health")
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Self

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on at the moment."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def _script(name: str) -> str:
    """A console script installed beside this Python (the venv's ``bin/``), else on PATH."""
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else (shutil.which(name) or str(beside))


def oxigraph_binary_missing() -> str | None:
    """Why ``oxigraph serve`` cannot run here, or None when it can."""
    if not Path(_script("oxigraph")).exists():
        return "the `oxigraph` server binary (PyPI package `oxigraph`) is not installed"
    return None


class LiveServer:
    """A server process on a loopback port, started and waited for until ``ready_path`` answers
    200. Subclasses say which program runs (:meth:`command`) and in which environment."""

    name = "server"
    ready_path = "/"
    #: Seconds a start may take before it counts as failed (a safety net, not a measurement).
    start_timeout = 60.0
    #: How much of stderr is kept (the end of it) for :attr:`stderr`.
    log_limit = 1 << 20

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self._log = bytearray()
        self._log_lock = threading.Lock()
        self._drainer: threading.Thread | None = None
        self._stderr_closed = threading.Event()
        # start, stop and kill one at a time: a stop from the test waits for a start still under
        # way in another thread (a server restarted by a timer) instead of cutting it short.
        self._life = threading.RLock()

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str] | None:
        """The process environment; None inherits this one."""
        return None

    # -- life cycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the process (again on the same port, after a stop or a kill) and return once it
        answers; raise RuntimeError, with the end of its stderr, if it exits or never answers."""
        with self._life:
            if self.process is not None:
                if self.process.poll() is None:
                    raise RuntimeError(f"{self.name} on {self.url} is already running")
                self._reap()
            self.process = subprocess.Popen(
                self.command(),
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            self._stderr_closed = threading.Event()
            self._drainer = threading.Thread(
                target=self._drain,
                args=(self.process.stderr, self._stderr_closed),
                name=f"{self.name} stderr",
                daemon=True,
            )
            self._drainer.start()
            try:
                self._wait_until_ready()
            except BaseException:
                self.kill()
                raise

    def stop(self) -> None:
        """SIGTERM, and SIGKILL if the process has not ended 20 seconds later."""
        with self._life:
            if self.process is None:
                return
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self._reap()

    def kill(self) -> None:
        """SIGKILL: no flush, no goodbye, as a crash would."""
        with self._life:
            if self.process is None:
                return
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._reap()

    def restart(self) -> None:
        """Stop, then start again on the same port with the same arguments and data."""
        with self._life:
            self.stop()
            self.start()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def stderr(self) -> str:
        """What the process wrote to stderr so far (the last ``log_limit`` bytes), as text."""
        with self._log_lock:
            return bytes(self._log).decode("utf-8", "replace")

    # -- inside ----------------------------------------------------------------------------------

    def _wait_until_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self._answers() and self.process.poll() is None:
                return  # it answers, and our process is still alive
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode} before {self.url} "
                    f"answered:\n{self.stderr[-4000:]}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{self.name} did not answer {self.url}{self.ready_path} within "
                    f"{self.start_timeout:.0f} s:\n{self.stderr[-4000:]}"
                )
            # Wake up early when the process closes stderr, that is when it exits.
            self._stderr_closed.wait(0.05)

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + self.ready_path, timeout=2) as response:
                return response.status == 200
        except urllib.error.HTTPError as error:
            error.close()
            return False
        except OSError:
            return False

    def _drain(self, stream: IO[bytes], closed: threading.Event) -> None:
        try:
            while chunk := stream.read1(65536):  # type: ignore[attr-defined]
                with self._log_lock:
                    self._log.extend(chunk)
                    del self._log[: -self.log_limit]
        finally:
            closed.set()

    def _reap(self) -> None:
        """After the process has ended: let the drainer read to the end, close the pipe."""
        if self._drainer is not None:
            self._drainer.join(timeout=10)
            self._drainer = None
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()


class PalermoServer(LiveServer):
    """``palermo serve ARGS`` on a free loopback port, ready once ``/health`` answers 200.

    Its environment is this process's without any ``PALERMO_*`` variable (a developer's settings
    must not reach a test), plus ``env``.
    """

    name = "palermo serve"
    ready_path = "/health"
    start_timeout = 120.0  # --examples classifies the example cases before the server listens

    def __init__(
        self, *args: str, env: Mapping[str, str] | None = None, port: int | None = None
    ) -> None:
        super().__init__(port)
        self.args = args
        self.env = dict(env or {})
        self.start()

    def command(self) -> list[str]:
        return [
            _script("palermo"),
            "serve",
            "--host",
            LOOPBACK,
            "--port",
            str(self.port),
            *self.args,
        ]

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PALERMO_")}
        env.update(self.env)
        return env


class OxigraphServer(LiveServer):
    """An ``oxigraph serve`` process over a folder, on a free loopback port."""

    name = "oxigraph serve"
    ready_path = "/query?query=ASK%7B%7D"
    start_timeout = 30.0

    def __init__(self, location: Path, port: int | None = None, *, timeout_s: float = 10.0) -> None:
        super().__init__(port)
        self.location = location
        #: The server's own query time limit: it stops a runaway query (docs/deployment.md).
        self.timeout_s = timeout_s
        self.binary = _script("oxigraph")
        self.start()

    def command(self) -> list[str]:
        return [
            self.binary,
            "serve",
            "--location",
            str(self.location),
            "--bind",
            f"{LOOPBACK}:{self.port}",
            "--timeout-s",
            f"{self.timeout_s:g}",
        ]

    def clear(self) -> None:
        """Drop every graph, so that a session-wide server starts each test empty."""
        request = urllib.request.Request(
            self.url + "/update",
            data=b"DROP ALL",
            headers={"Content-Type": "application/sparql-update"},
        )
        urllib.request.urlopen(request, timeout=30).close()
