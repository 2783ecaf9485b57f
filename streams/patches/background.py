"""Work the patches start without waiting for it, whose failure is logged rather than lost."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

log = logging.getLogger(__name__)


def in_background(work: Awaitable[object], failure: str) -> None:
    """Run `work` on the running loop without waiting for it; if it raises, log `failure` and the
    exception as a warning. Never raises itself."""
    def report(task: asyncio.Future[object]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.warning("%s: %r", failure, task.exception())

    asyncio.ensure_future(work).add_done_callback(report)
