"""Every change Muster makes to Faust's and aiokafka's behaviour, applied by one `install`.

faust-streaming and aiokafka are pinned exactly in pyproject.toml because these modules replace or
read their private parts; streams/patches/contract.py lists each such name (and the one private
name read elsewhere, in bus/tail.py), and a test checks the list against the installed classes.
Nothing outside this package changes the behaviour of either. Why: docs/adr/0005-fenced-patches.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from faust import App
from faust.transport.drivers.aiokafka import Consumer
from faust.types.transports import ConsumerT

from core.settings import Settings
from streams.patches.delivery import DeliveryGuard
from streams.patches.fetching import ChangelogPauses
from streams.patches.linger import linger_when_busy
from streams.patches.ordering import PartitionOrder
from streams.patches.ownership import OwnershipGuard


@dataclass(frozen=True)
class Guards:
    """What the agents of an app given `install` consult before each event (see `consume`)."""

    ownership: OwnershipGuard
    """After a freeze: wait for the rebalance, then skip partitions this worker lost."""
    order: PartitionOrder
    """Take each partition's records in offset order; fed by the delivery guard."""


def install(app: App, settings: Settings) -> Guards:
    """Apply every patch to `app`, in this order, and return the guards its agents consult.

    1. The consumer factory is replaced once, so that the consumer Faust makes (when the app
       first asks for it) gets, before anything uses it:
       a. the delivery guard (delivery.py): reading, hand-over, acks, seeks and commits;
       b. the changelog pauses (fetching.py): pause, resume and the livelock check.
       The two replace disjoint names; the delivery guard goes first so that every later patch
       wraps a consumer that already commits only what was processed.
    2. The busy linger (linger.py) and 3. the ownership guard's watchdog (ownership.py) are added
       as app tasks, so they start with the app, in that order.

    Call it after `create_app` and before any agent is wired or anything asks for `app.consumer`.
    Raises RuntimeError if the app's consumer already exists: the patches would miss it.
    """
    if app._consumer is not None:
        raise RuntimeError("install the patches before anything asks for the app's consumer")
    delivery = DeliveryGuard(app)
    make_consumer = app._new_consumer

    def new_consumer() -> ConsumerT:
        consumer = cast(Consumer, make_consumer())  # the aiokafka driver's, as create_app chooses
        delivery.attach(consumer)
        ChangelogPauses(consumer).attach()
        return consumer

    app._new_consumer = new_consumer  # type: ignore[method-assign]
    linger_when_busy(app, settings.busy_linger_ms, settings.busy_records_per_s)
    ownership = OwnershipGuard(app, settings.session_timeout_s)
    app.task(ownership.watch)
    return Guards(ownership=ownership, order=delivery.order)
