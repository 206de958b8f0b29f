"""Warm worker processes that render letters, and never outlive the run that started them.

Each worker reads its letters from a pipe of its own and writes back each outcome. Whatever
ends the run, the workers end with it:

- the run finishes: the pipes close, and each worker ends when it asks for its next letter;
- Ctrl-C or SIGTERM in the parent: the pending letters are dropped and each worker is sent
  SIGTERM, which stops it at once through its clean-up (SIGKILL after a grace period);
- the parent is killed outright: see `processes` (the death signal and the closed pipe);
- a worker is killed: its pipe closes, and the run stops, saying so.

A worker never holds what is not its own: not the output folder's lock (`locking` closes it in
every child), not the other workers' pipes (so that each pipe closes when its owner dies). Its
temporary files, WeasyPrint's fonts among them, live in a folder of its own inside the run's,
removed when it ends, and by the parent should it be killed.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from lgsco_letters import scratch
from lgsco_letters.build import workers
from lgsco_letters.build.workers import Job, RenderOutcome
from lgsco_letters.errors import Unfinished
from lgsco_letters.processes import (
    die_with_parent,
    exit_on_sigterm,
    forked_by_main_thread,
    interrupts_deferred,
    sigterm_as_interrupt,
)

GRACE_SECONDS = 3.0  # for a worker sent SIGTERM to finish its clean-up, before SIGKILL
FINISH_SECONDS = 30.0  # for an idle worker to end once its pipe is closed
# fork: a worker starts in milliseconds, and WeasyPrint is not yet imported to be inherited.
CONTEXT = multiprocessing.get_context("fork")


class WorkerLost(Unfinished):
    """A worker ended without being asked to (killed, or out of memory)."""

    def __init__(self, key: str, exitcode: int | None):
        how = (f"killed by signal {-exitcode}" if exitcode is not None and exitcode < 0
               else f"exit status {exitcode}")
        super().__init__(f"a worker process ended unexpectedly ({how}) while rendering {key}")
        self.key = key


@dataclass
class _Worker:
    process: Any  # multiprocessing's Process
    connection: Connection
    job: Job | None = None


class WorkerPool:
    """`size` warm workers for the block; on leaving it, however it is left, they have ended
    and their temporary files are gone."""

    def __init__(self, size: int, templates_dir: Path, pdf_options: dict[str, Any]):
        self.size, self.templates_dir, self.pdf_options = size, templates_dir, pdf_options
        self.workers: list[_Worker] = []
        self.folder: Path | None = None

    def __enter__(self) -> WorkerPool:
        scratch.sweep()  # what a killed `preview` or `serve` left (see `scratch`)
        self.folder = Path(tempfile.mkdtemp(prefix="lgsco-letters-"))
        try:
            for _ in range(self.size):
                self._start()
        except BaseException:
            self._stop(at_once=True)
            raise
        return self

    def __exit__(self, kind: type | None, error: BaseException | None, trace: object) -> None:
        self._stop(at_once=error is not None)

    def _start(self) -> None:
        parent_end, child_end = CONTEXT.Pipe()
        others = [worker.connection for worker in self.workers]
        process = CONTEXT.Process(
            target=_serve, daemon=True, name=f"lgsco-letters worker {len(self.workers) + 1}",
            args=(child_end, [parent_end, *others], self.folder, self.templates_dir,
                  self.pdf_options, os.getpid(), forked_by_main_thread()))
        process.start()
        child_end.close()  # only the worker holds its end: its death closes the pipe
        self.workers.append(_Worker(process, parent_end))

    def outcomes(self, jobs: list[Job]) -> Iterator[RenderOutcome]:
        """Every job's outcome, as each finishes (in any order). A worker that cannot write
        its letter (a full disk) raises its `OSError` here."""
        queue = deque(jobs)
        for worker in self.workers:
            self._give(worker, queue)
        busy = {worker.connection: worker for worker in self.workers if worker.job}
        while busy:
            for connection in wait(list(busy)):
                worker = busy.pop(connection)
                outcome = self._receive(worker)
                if self._give(worker, queue):  # first: it renders while the outcome is recorded
                    busy[connection] = worker
                yield outcome

    def _give(self, worker: _Worker, queue: deque) -> bool:
        worker.job = queue.popleft() if queue else None
        if worker.job is not None:
            try:
                worker.connection.send(worker.job)
            except OSError:  # it died while idle
                raise self._lost(worker) from None
        return worker.job is not None

    def _receive(self, worker: _Worker) -> RenderOutcome:
        try:
            outcome, error = worker.connection.recv()
        except (EOFError, OSError):
            raise self._lost(worker) from None
        if error is not None:
            raise error
        return outcome

    def _lost(self, worker: _Worker) -> WorkerLost:
        worker.process.join(GRACE_SECONDS)
        return WorkerLost(worker.job.key, worker.process.exitcode)

    def _stop(self, at_once: bool) -> None:
        """End every worker: idle ones by closing their pipes, busy ones (when the run is
        being stopped) by SIGTERM; SIGKILL for any that outstays its time."""
        for worker in self.workers:
            worker.connection.close()
            if at_once and worker.process.is_alive():
                worker.process.terminate()
        deadline = time.monotonic() + (GRACE_SECONDS if at_once else FINISH_SECONDS)
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
        for worker in self.workers:
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def _serve(connection: Connection, not_ours: list[Connection], folder: Path,
           templates_dir: Path, pdf_options: dict[str, Any], parent: int,
           death_signal: bool) -> None:
    """A worker's life: warm up, then render each letter sent until the pipe closes."""
    own: list[str] = []  # its temporary folder, once made
    exit_on_sigterm(lambda: _clean_up(own, folder))
    die_with_parent(parent, death_signal)
    for other in not_ours:
        other.close()
    try:
        own.append(tempfile.mkdtemp(prefix="worker-", dir=folder))
        tempfile.tempdir = own[0]  # WeasyPrint's font folder goes in here
        workers.start_worker(templates_dir, pdf_options)
        while True:
            try:
                job = connection.recv()
            except EOFError:  # the run is over, or its process has died
                return
            connection.send(_attempt(job))
    finally:
        workers.stop_worker()
        _clean_up(own, folder)


def _clean_up(own: list[str], folder: Path) -> None:
    for path in own:
        shutil.rmtree(path, ignore_errors=True)
    with contextlib.suppress(OSError):
        os.rmdir(folder)  # the last worker out, when the parent is gone


def _attempt(job: Job) -> tuple[RenderOutcome | None, Exception | None]:
    try:
        return workers.render_job(job), None
    except OSError as error:
        return None, error
    except Exception as error:  # a bug: reported by the parent, not lost with this process
        return None, RuntimeError(f"{type(error).__name__}: {error}")


@contextlib.contextmanager
def run_jobs(jobs: list[Job], templates_dir: Path, size: int,
             pdf_options: dict[str, Any]) -> Iterator[Iterator[RenderOutcome]]:
    """Render every job in `size` warm processes (or in this one, for one worker or one job),
    the outcomes as they finish. When the block is left, however it is left, every worker has
    ended and its temporary files are gone; SIGTERM meanwhile stops it as Ctrl-C does."""
    with sigterm_as_interrupt():
        if size <= 1 or len(jobs) <= 1:
            try:
                yield _in_this_process(jobs, templates_dir, pdf_options)
            finally:
                workers.stop_worker()
            return
        with WorkerPool(min(size, len(jobs)), templates_dir, pdf_options) as pool:
            yield pool.outcomes(jobs)


def _in_this_process(jobs: list[Job], templates_dir: Path, pdf_options: dict[str, Any]
                     ) -> Iterator[RenderOutcome]:
    """Each job's outcome, rendered here. Ctrl-C and SIGTERM wait for the letter to be done,
    which is then given, and stop the run when the next one is asked for."""
    for index, job in enumerate(jobs):
        outcome, stop = None, None
        try:
            with interrupts_deferred():
                if index == 0:
                    workers.start_worker(templates_dir, pdf_options)
                outcome = workers.render_job(job)
        except KeyboardInterrupt as interrupt:
            stop = interrupt
        if outcome is not None:
            yield outcome
        if stop is not None:
            raise stop
