"""Bounded work: heavy requests wait for one of a few slots, or are answered 503 at once.

Catchments, stages and coverage cost far more than a route or a nearby list. Each process serves
at most ``slots`` of them at a time; up to ``queue`` more may wait, each at most ``wait_s``
seconds (the request's time budget). Any other heavy request is answered at once with 503 and
``Retry-After``, so a flood of heavy requests never queues without end, never grows memory
without bound, and leaves the quick answers (which do not pass the gate) responsive.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from geomap.errors import ServiceUnavailableError

T = TypeVar("T")


class BusyError(ServiceUnavailableError):
    """Every slot for heavy requests is taken: try again after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class HeavyGate:
    """A bounded number of heavy requests at once, with a bounded wait for the rest.

    Parameters
    ----------
    slots : int
        Heavy requests served at once.
    queue : int
        Heavy requests that may wait for a slot.
    wait_s : float
        Longest wait for a slot.
    budget_s : float
        Longest time a caller waits for a heavy answer once it has a slot.
    """

    def __init__(self, *, slots: int, queue: int, wait_s: float, budget_s: float = 30.0) -> None:
        self.slots = slots
        self.queue = queue
        self.wait_s = wait_s
        self.budget_s = budget_s
        self._semaphore: asyncio.Semaphore | None = None
        self._waiting = 0
        self.refused = 0

    def _busy(self) -> BusyError:
        self.refused += 1
        return BusyError(
            "the server is busy with other heavy requests; try again shortly",
            retry_after=max(1, math.ceil(self.wait_s / 2)),
        )

    async def run(self, work: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run ``work`` in the thread pool in a slot, answering within the time budget.

        The slot is held until the work really ends (a thread cannot be stopped), so the
        number of heavy computations stays bounded even when a caller stopped waiting.

        Raises
        ------
        BusyError
            No slot in time, or the work took longer than the budget.
        """
        semaphore = await self._acquire()
        task = asyncio.ensure_future(run_in_threadpool(work, *args, **kwargs))
        task.add_done_callback(lambda _done: semaphore.release())
        try:
            return await asyncio.wait_for(asyncio.shield(task), timeout=self.budget_s)
        except TimeoutError:
            task.add_done_callback(lambda done: done.exception())  # retrieved: never logged
            self.refused += 1
            raise BusyError(
                "the answer took longer than this server's time budget; try a smaller question "
                "or again later",
                retry_after=max(1, math.ceil(self.budget_s)),
            ) from None

    async def _acquire(self) -> asyncio.Semaphore:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.slots)
        semaphore = self._semaphore
        if semaphore.locked() and self._waiting >= self.queue:
            raise self._busy()
        self._waiting += 1
        try:
            await asyncio.wait_for(semaphore.acquire(), timeout=self.wait_s)
        except TimeoutError:
            raise self._busy() from None
        finally:
            self._waiting -= 1
        return semaphore

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot while the block runs (the block's own time is not bounded).

        Raises
        ------
        BusyError
            When the queue is full or no slot frees up within ``wait_s``.
        """
        semaphore = await self._acquire()
        try:
            yield
        finally:
            semaphore.release()
