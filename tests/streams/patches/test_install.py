"""One install() puts every patch in place on the app and on the consumer Faust makes for it."""
from __future__ import annotations

import inspect

import pytest

from core.settings import Settings
from streams.app import create_app
from streams.patches import install
from streams.patches.delivery import DeliveryGuard, ForgetfulReadOffsets
from streams.patches.fetching import ChangelogPauses


@pytest.fixture
def app(tmp_path):
    made = create_app(Settings(data_dir=tmp_path, kafka_bootstrap="127.0.0.1:1"))
    yield made
    if made._consumer is not None:  # its thread, and so its loop, never ran
        made._consumer._thread.thread_loop.close()


def owner(method) -> type:
    return type(method.__self__)


def test_the_consumer_faust_makes_for_an_installed_app_carries_every_patch(app, tmp_path):
    guards = install(app, Settings(data_dir=tmp_path, busy_linger_ms=3))
    consumer = app.consumer
    assert isinstance(consumer._read_offset, ForgetfulReadOffsets)
    delivery = consumer.callback.__self__
    assert isinstance(delivery, DeliveryGuard) and delivery.order is guards.order
    assert all(getattr(consumer, name).__self__ is delivery for name in ("ack", "perform_seek", "_new_offset"))
    assert app.flow_control.clear.__self__ is delivery
    assert {owner(consumer.pause_partitions), owner(consumer.resume_partitions),
            owner(consumer.verify_event_path)} == {ChangelogPauses}


def test_the_busy_linger_and_the_ownership_watchdog_start_with_the_app_in_that_order(app, tmp_path):
    guards = install(app, Settings(data_dir=tmp_path, busy_linger_ms=3))
    tasks = [inspect.unwrap(task) for task in app._app_tasks]
    assert [task.__name__ for task in tasks] == ["adjust_linger", "watch"]
    assert tasks[1].__self__ is guards.ownership


def test_installing_after_the_consumer_exists_is_refused_rather_than_missing_it(app, tmp_path):
    assert app.consumer is not None
    with pytest.raises(RuntimeError, match="before anything asks for the app's consumer"):
        install(app, Settings(data_dir=tmp_path))
