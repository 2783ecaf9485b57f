"""Every name of Faust and aiokafka the patches rely on, with its owner class and kind.

Contract: `TOUCHED` lists each private name any module of streams/patches reads, writes or
replaces, each public name they replace or write, and the public names they call on the objects
whose private parts they touch; and the private names any other module of Muster that imports
Faust or aiokafka reads. tests/streams/patches/test_contract.py checks it both ways: every row
against the installed Faust and aiokafka classes (name present, same kind), and those modules
against the rows (no private name used, and no attribute of another object assigned by a patch,
that is not listed). The fakes in tests/streams/patches are checked against the same rows.
`kind_of` says what a name is on an object, the same way for real classes and for fakes.
"""
from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from enum import Enum
from typing import Literal

import mode.utils.objects
from aiokafka import AIOKafkaClient, AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.consumer.subscription_state import Assignment, Subscription, SubscriptionState, TopicPartitionState
from aiokafka.producer.message_accumulator import MessageAccumulator
from faust import App
from faust.sensors.monitor import Monitor
from faust.transport.conductor import Conductor
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread, Consumer, Producer
from faust.types import Message
from mode.utils.queues import FlowControlEvent


class Kind(Enum):
    METHOD = "method"
    """A plain callable, read from an instance (a method, or a callable set on the instance)."""
    ASYNC_METHOD = "async method"
    """A coroutine function, read from an instance."""
    PROPERTY = "property"
    """A property or cached property of the class."""
    ATTRIBUTE = "attribute"
    """A value that is not callable, set on each instance or defaulted on the class."""


Use = Literal["replaced", "written", "read", "called"]


@dataclass(frozen=True)
class Touch:
    """One name of a third-party class that a patch relies on, and what the patch does with it."""

    owner: type
    name: str
    kind: Kind
    use: Use


METHOD, ASYNC_METHOD, PROPERTY, ATTRIBUTE = Kind.METHOD, Kind.ASYNC_METHOD, Kind.PROPERTY, Kind.ATTRIBUTE

TOUCHED: tuple[Touch, ...] = (
    # install(): the one place the app's consumer factory is replaced.
    Touch(App, "_new_consumer", METHOD, "replaced"),
    Touch(App, "_consumer", ATTRIBUTE, "read"),
    Touch(App, "task", METHOD, "called"),
    # The delivery guard (delivery.py) and the partition order it feeds.
    Touch(App, "consumer_generation_id", ATTRIBUTE, "read"),
    Touch(App, "flow_control", PROPERTY, "read"),
    Touch(App, "topics", PROPERTY, "read"),
    Touch(FlowControlEvent, "clear", METHOD, "replaced"),
    Touch(FlowControlEvent, "is_active", METHOD, "called"),
    Touch(Conductor, "acks_enabled_for", METHOD, "called"),
    Touch(Consumer, "_read_offset", ATTRIBUTE, "replaced"),
    Touch(Consumer, "_new_offset", METHOD, "replaced"),
    Touch(Consumer, "perform_seek", ASYNC_METHOD, "replaced"),
    Touch(Consumer, "callback", ASYNC_METHOD, "replaced"),
    Touch(Consumer, "ack", METHOD, "replaced"),
    Touch(Consumer, "_acked", ATTRIBUTE, "read"),
    Touch(Consumer, "_committed_offset", ATTRIBUTE, "read"),
    Touch(Consumer, "_unacked_messages", ATTRIBUTE, "read"),
    Touch(Consumer, "_thread", ATTRIBUTE, "read"),
    Touch(Consumer, "assignment", METHOD, "called"),
    Touch(Consumer, "earliest_offsets", ASYNC_METHOD, "called"),
    Touch(Consumer, "highwater", METHOD, "called"),
    Touch(AIOKafkaConsumerThread, "call_thread", ASYNC_METHOD, "called"),
    Touch(AIOKafkaConsumerThread, "seek", METHOD, "called"),
    Touch(AIOKafkaConsumerThread, "_consumer", ATTRIBUTE, "read"),
    Touch(AIOKafkaConsumer, "_subscription", ATTRIBUTE, "read"),
    Touch(SubscriptionState, "subscription", PROPERTY, "read"),
    Touch(Subscription, "assignment", PROPERTY, "read"),
    Touch(Assignment, "state_value", METHOD, "called"),
    Touch(TopicPartitionState, "has_valid_position", PROPERTY, "read"),
    Touch(TopicPartitionState, "position", PROPERTY, "read"),
    Touch(Message, "acked", ATTRIBUTE, "written"),
    Touch(Message, "tracked", ATTRIBUTE, "read"),
    Touch(Message, "generation_id", ATTRIBUTE, "read"),
    # Changelog pauses (fetching.py).
    Touch(Consumer, "pause_partitions", METHOD, "replaced"),
    Touch(Consumer, "resume_partitions", METHOD, "replaced"),
    Touch(Consumer, "verify_event_path", METHOD, "replaced"),
    Touch(Consumer, "_is_changelog_tp", METHOD, "called"),
    Touch(Consumer, "_paused_partitions", ATTRIBUTE, "read"),
    Touch(AIOKafkaConsumerThread, "_ensure_consumer", METHOD, "called"),
    Touch(AIOKafkaConsumer, "assignment", METHOD, "called"),
    Touch(AIOKafkaConsumer, "pause", METHOD, "called"),
    Touch(AIOKafkaConsumer, "resume", METHOD, "called"),
    # The busy linger (linger.py).
    Touch(App, "producer", PROPERTY, "read"),
    Touch(App, "monitor", PROPERTY, "read"),
    Touch(Monitor, "messages_sent", ATTRIBUTE, "read"),
    Touch(Producer, "_producer", ATTRIBUTE, "read"),
    Touch(AIOKafkaProducer, "_message_accumulator", ATTRIBUTE, "read"),
    Touch(MessageAccumulator, "_linger_time", ATTRIBUTE, "written"),
    # The ownership guard (ownership.py).
    Touch(App, "rebalancing", ATTRIBUTE, "read"),
    Touch(App, "rebalancing_count", ATTRIBUTE, "read"),
    Touch(App, "consumer", PROPERTY, "read"),
    # Not a patch: bus/tail.py asks aiokafka for fresh metadata until a topic's partitions show.
    Touch(AIOKafkaConsumer, "_client", ATTRIBUTE, "read"),
    Touch(AIOKafkaClient, "force_metadata_update", METHOD, "called"),
)

_PROPERTIES = (property, functools.cached_property, mode.utils.objects.cached_property)
_MISSING = object()


def kind_of(obj: object, name: str) -> Kind | None:
    """What `name` is on `obj`, an instance (or a class, for names the class itself defines), or
    None where it has no such name. A name the class defines decides by the class: a property, or
    a method (async or not); any other is read from the instance: a callable (async or not) or a
    plain attribute."""
    cls = obj if isinstance(obj, type) else type(obj)
    static = inspect.getattr_static(cls, name, _MISSING)
    if isinstance(static, _PROPERTIES):
        return Kind.PROPERTY
    if isinstance(static, staticmethod | classmethod):
        static = static.__func__
    if inspect.isfunction(static):
        return Kind.ASYNC_METHOD if inspect.iscoroutinefunction(static) else Kind.METHOD
    if isinstance(obj, type):
        return None if static is _MISSING else (Kind.METHOD if callable(static) else Kind.ATTRIBUTE)
    value = getattr(obj, name, _MISSING)
    if value is _MISSING:
        return None
    if inspect.iscoroutinefunction(value):
        return Kind.ASYNC_METHOD
    return Kind.METHOD if callable(value) else Kind.ATTRIBUTE
