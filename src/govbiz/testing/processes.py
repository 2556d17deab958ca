"""`govbiz serve` and `govbiz worker` as real processes in a test (服务进程), stopped cleanly after.

Each process writes its standard output and error to files in a directory
of the test's (never to pipes, which fill up and stall a chatty process),
so a test reads what a worker's console channel printed after it stopped::

    worker = start_govbiz(["worker", "--db", url, "--sweep-at", "never"], tmp_path, "w1",
                          ready="worker started")
    ...
    assert worker.stop() == 0
    printed = worker.stdout()
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

import attrs

__all__ = ["GovbizProcess", "start_govbiz", "wait_until"]


@attrs.define
class GovbizProcess:
    """One `python -m govbiz …` process, its output in `out` and `err`."""

    name: str
    popen: subprocess.Popen[bytes]
    out: Path
    err: Path
    _files: tuple[IO[bytes], IO[bytes]]

    def stdout(self) -> str:
        """What it printed so far."""
        return self.out.read_text(encoding="utf-8", errors="replace")

    def stderr(self) -> str:
        """What it logged so far."""
        return self.err.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        """True while it runs."""
        return self.popen.poll() is None

    def wait_ready(self, ready: str | Callable[[GovbizProcess], bool], within: float = 60) -> None:
        """Wait until `ready` (a text in its error output, or a test) holds.

        A process that exits first, or is not ready `within` seconds, is
        killed and fails the test with what it logged.
        """
        check = ready if callable(ready) else (lambda p: ready in p.stderr())
        try:
            wait_until(lambda: check(self) or not self.alive(), within, f"{self.name} ready")
            if not self.alive():
                raise AssertionError(
                    f"{self.name} exited with {self.popen.returncode}: {self.stderr()[-3000:]}"
                )
        except BaseException:
            if self.alive():
                self.popen.kill()
            self.popen.wait()
            for file in self._files:
                file.close()
            raise

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, then wait for it to exit (killed after `timeout` seconds); its exit status."""
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
        try:
            code = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            code = self.popen.wait(timeout=timeout)
            raise AssertionError(f"{self.name} did not stop within {timeout} s on SIGTERM") from None
        finally:
            for file in self._files:
                file.close()
        return code


def start_govbiz(
    args: Sequence[str],
    directory: Path,
    name: str,
    *,
    ready: str | Callable[[GovbizProcess], bool] | None = None,
    within: float = 60,
) -> GovbizProcess:
    """Start `python -m govbiz *args`; with `ready`, wait for it (`GovbizProcess.wait_ready`).

    Start several without `ready` and wait for each after: they start side by side.
    """
    out, err = directory / f"{name}.out", directory / f"{name}.err"
    files = (out.open("wb"), err.open("wb"))
    popen = subprocess.Popen([sys.executable, "-m", "govbiz", *args], stdout=files[0], stderr=files[1])
    process = GovbizProcess(name, popen, out, err, files)
    if ready is not None:
        process.wait_ready(ready, within)
    return process


def wait_until(condition: Callable[[], object], seconds: float, what: str = "the condition") -> None:
    """Poll `condition` every 50 ms until it is true; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached within {seconds} s")
        time.sleep(0.05)
