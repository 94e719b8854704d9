"""The background worker: a run computes in a thread of its own, never in a request.

Each run opens its own database sessions and writes its stage and progress in short
transactions of their own (load → compute → simulate → store), so that the run page can poll
them while people keep using the site. A failure is stored on the run as message codes, never
raised into a page. Nothing here knows the web: the app keeps one `RunQueue` and shuts it down.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy.orm import Session

from gachi.config import Settings
from gachi.db.base import utcnow
from gachi.db.models import Run
from gachi.db.tenancy import TenantRepository
from gachi.domains.runs import service
from gachi.domains.runs.compute import measure_organisation
from gachi.errors import GachiError, NotFound

log = logging.getLogger("gachi.runs")

Sessions = Callable[[], Session]
PROGRESS_EVERY = 0.25  # seconds between progress writes within one stage
_INTERRUPTED = {"code": "run.interrupted", "params": {}}


class Stopped(Exception):
    """The server is shutting down: the run stops at its next progress step."""


class RunQueue:
    """Runs waiting for, or computing in, `workers` threads (started on the first run)."""

    def __init__(self, sessions: Sessions, settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings
        self.stopping = threading.Event()
        self._executor: ThreadPoolExecutor | None = None
        self._submitted: dict[Future[None], tuple[int, int]] = {}
        self._lock = threading.Lock()

    def submit(self, organisation_id: int, run_id: int) -> Future[None]:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=max(1, self.settings.run_workers), thread_name_prefix="gachi-run"
                )
            future = self._executor.submit(
                execute, self.sessions, self.settings, organisation_id, run_id, self.stopping
            )
            self._submitted[future] = (organisation_id, run_id)
            future.add_done_callback(self._forget)
            return future

    def _forget(self, future: Future[None]) -> None:
        if not future.cancelled():
            with self._lock:
                self._submitted.pop(future, None)

    def shutdown(self) -> None:
        """Stop: a running run stops at its next step, queued ones never start; all of this
        queue's unfinished runs are marked interrupted (other processes' runs are not touched)."""
        self.stopping.set()
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is None:
            return
        executor.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            dropped, self._submitted = list(self._submitted.values()), {}
        for organisation_id, run_id in dropped:
            _fail(self.sessions, organisation_id, run_id, _INTERRUPTED, only_active=True)


def fail_interrupted(sessions: Sessions) -> int:
    """At start-up: runs a previous process left queued or running will never finish."""
    with sessions() as db:
        n = service.fail_interrupted(db)
        db.commit()
    if n:
        log.warning("%d run(s) left unfinished by a previous process marked interrupted", n)
    return n


def execute(
    sessions: Sessions,
    settings: Settings,
    organisation_id: int,
    run_id: int,
    stopping: threading.Event | None = None,
) -> None:
    """Run `run_id` to its end: done with its values, or failed with the reason."""
    stopping = stopping or threading.Event()
    try:
        if not _update(sessions, organisation_id, run_id, start=True):
            return  # no longer queued: it was interrupted, or its organisation is gone
        with sessions() as db:
            inputs = service.load_inputs(TenantRepository(db, organisation_id), settings)
            db.rollback()  # read only
        step = _Progress(sessions, organisation_id, run_id, stopping)
        step("load", 0.1)
        run = _read(sessions, organisation_id, run_id)
        measured = measure_organisation(
            inputs.catalog,
            inputs.chosen,
            inputs.frame,
            inputs.programmes,
            draws=run.draws or 0,
            seed=run.seed,
            progress=step,
        )
        step("store", 0.95, force=True)
        with sessions() as db:
            repo = TenantRepository(db, organisation_id)
            service.store(
                repo,
                repo.get(Run, run_id, "run"),
                measured,
                inputs.programmes,
                inputs.data_version,
            )
            db.commit()
    except Stopped:
        _fail(sessions, organisation_id, run_id, _INTERRUPTED)
    except NotFound:
        log.info("run %s of organisation %s is gone", run_id, organisation_id)
    except GachiError as err:
        _fail(sessions, organisation_id, run_id, service.error_of(err))
    except Exception:
        ref = secrets.token_hex(4)
        log.exception("run %s of organisation %s failed (%s)", run_id, organisation_id, ref)
        error = {"code": "run.internal-error", "params": {"ref": ref}}
        _fail(sessions, organisation_id, run_id, error)


class _Progress:
    """Writes stage and progress, at most every `PROGRESS_EVERY` seconds within a stage; stops
    the run when the server is shutting down."""

    def __init__(
        self, sessions: Sessions, organisation_id: int, run_id: int, stopping: threading.Event
    ) -> None:
        self.sessions = sessions
        self.organisation_id = organisation_id
        self.run_id = run_id
        self.stopping = stopping
        self.stage = ""
        self.last = 0.0

    def __call__(self, stage: str, done: float, *, force: bool = False) -> None:
        if self.stopping.is_set():
            raise Stopped
        now = time.monotonic()
        if not force and stage == self.stage and now - self.last < PROGRESS_EVERY:
            return
        self.stage, self.last = stage, now
        _update(self.sessions, self.organisation_id, self.run_id, stage=stage, progress=done)


def _read(sessions: Sessions, organisation_id: int, run_id: int) -> Run:
    with sessions() as db:
        run = TenantRepository(db, organisation_id).get(Run, run_id, "run")
        db.expunge(run)
        return run


def _update(
    sessions: Sessions, organisation_id: int, run_id: int, *, start: bool = False, **fields: Any
) -> bool:
    """Change the run in a transaction of its own; False if it is no longer queued (`start`)."""
    with sessions() as db:
        run = TenantRepository(db, organisation_id).get(Run, run_id, "run")
        if start:
            if run.status != "queued":
                return False
            fields = {
                "status": "running",
                "stage": "load",
                "progress": 0.02,
                "started_at": utcnow(),
            }
        for name, value in fields.items():
            setattr(run, name, value)
        db.commit()
        return True


def _fail(
    sessions: Sessions,
    organisation_id: int,
    run_id: int,
    error: dict[str, Any],
    *,
    only_active: bool = False,
) -> None:
    try:
        with sessions() as db:
            run = TenantRepository(db, organisation_id).get(Run, run_id, "run")
            if only_active and run.status not in service.ACTIVE:
                return
            run.status = "failed"
            run.stage = "failed"
            run.finished_at = utcnow()
            run.error = error
            db.commit()
    except NotFound:
        pass
    except Exception:  # the database itself failed: the log is all that is left
        log.exception(
            "run %s of organisation %s: its failure could not be stored", run_id, organisation_id
        )
