"""The Faust and aiokafka names the patches rely on exist, as the kind they expect, on the classes
installed here; and the patches (or any module of Muster's that imports Faust or aiokafka) use no
private name, and the patches assign no attribute of another object, that
streams/patches/contract.py does not list."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.consumer.subscription_state import SubscriptionState
from faust.types import Message

from core.settings import Settings
from streams.app import create_app
from streams.patches.contract import TOUCHED, Kind, kind_of

ROOT = Path(__file__).resolve().parents[3]
PATCHES = ROOT / "streams" / "patches"
LISTED = {touch.name for touch in TOUCHED}
THIRD_PARTY = {"faust", "aiokafka", "mode"}


@pytest.fixture
async def real(tmp_path):
    """An instance of each class TOUCHED names, made without a broker, by the owner class."""
    app = create_app(Settings(data_dir=tmp_path, kafka_bootstrap="127.0.0.1:1"))
    kafka = AIOKafkaConsumer(bootstrap_servers="127.0.0.1:1")
    client = kafka._client
    producer = AIOKafkaProducer(bootstrap_servers="127.0.0.1:1")
    hours = TopicPartition("hours", 0)
    subscription = SubscriptionState()
    subscription.assign_from_user({hours})
    consumer = app.consumer
    message = Message("hours", 0, 41, 0.0, 0, None, b"k", b"v", None)
    made = [app, consumer, consumer._thread, app.flow_control, app.topics, app.monitor, app.producer, kafka, client,
            producer, producer._message_accumulator, message, subscription, subscription.subscription,
            subscription.subscription.assignment, subscription.subscription.assignment.state_value(hours)]
    try:
        yield {owner: next((obj for obj in made if isinstance(obj, owner)), None) for owner in {t.owner for t in TOUCHED}}
    finally:
        await kafka.stop()
        await producer.stop()
        consumer._thread.thread_loop.close()


def test_each_listed_name_is_on_the_installed_class_as_the_kind_the_patches_expect(real):
    missing_instance = sorted(owner.__name__ for owner, obj in real.items() if obj is None)
    assert missing_instance == []
    wrong = [f"{touch.owner.__module__}.{touch.owner.__name__}.{touch.name}: expected {touch.kind.value}, "
             f"found {kind.value if kind else 'nothing'}"
             for touch in TOUCHED if (kind := kind_of(real[touch.owner], touch.name)) is not touch.kind]
    assert wrong == []


def sources() -> dict[Path, bool]:
    """The modules to check, each with whether it is a patch: every module of streams/patches but
    the table, and every other module of Muster's that imports Faust, aiokafka or mode."""
    found = {path: True for path in sorted(PATCHES.glob("*.py")) if path.name != "contract.py"}
    for package in ("streams", "bus", "api", "muster", "handlers", "geo"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path not in found and PATCHES not in path.parents and _imports(path) & THIRD_PARTY:
                found[path] = False
    return found


def _imports(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module.split(".")[0])
    return modules


def used(path: Path, patch: bool) -> set[str]:
    """The private names a module reads or writes on objects other than itself (also through
    getattr, hasattr and setattr) and, in a patch, every attribute it assigns on another object."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Attribute) and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
            if _private(node.attr) or (patch and isinstance(node.ctx, ast.Store)):
                names.add(node.attr)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in ("getattr", "hasattr", "setattr") and len(node.args) >= 2
              and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)
              and _private(node.args[1].value)):
            names.add(node.args[1].value)
    return names


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_the_modules_checked_are_the_patches_and_the_others_that_import_faust_or_aiokafka():
    checked = {str(path.relative_to(ROOT)) for path in sources()}
    assert {"streams/patches/delivery.py", "streams/patches/__init__.py", "bus/tail.py"} <= checked
    assert "streams/patches/contract.py" not in checked and "handlers/shelters.py" not in checked


def test_every_private_name_used_and_every_attribute_a_patch_replaces_is_listed():
    unlisted = {str(path.relative_to(ROOT)): sorted(used(path, patch) - LISTED)
                for path, patch in sources().items() if used(path, patch) - LISTED}
    assert unlisted == {}


def test_no_listed_name_is_left_that_no_checked_module_mentions():
    text = "\n".join(path.read_text() for path in sources())
    assert sorted(name for name in LISTED if name not in text) == []


class Sample:
    """One of each kind, to show kind_of tells them apart."""

    value = 3

    def __init__(self) -> None:
        self.data: dict = {}
        self.hook = self.method

    def method(self) -> None: ...

    async def coroutine(self) -> None: ...

    @property
    def prop(self) -> int:
        return 1


@pytest.mark.parametrize("name, kind", [("method", Kind.METHOD), ("coroutine", Kind.ASYNC_METHOD),
                                        ("prop", Kind.PROPERTY), ("data", Kind.ATTRIBUTE), ("value", Kind.ATTRIBUTE),
                                        ("hook", Kind.METHOD), ("absent", None)])
def test_kind_of_tells_methods_coroutines_properties_and_attributes_apart(name, kind):
    assert kind_of(Sample(), name) is kind
