"""Fakes of Faust's and aiokafka's classes, held to the names and kinds the patches rely on."""
from __future__ import annotations

from streams.patches.contract import TOUCHED, kind_of


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _names(fake: object) -> set[str]:
    """The names a fake defines itself: its own attributes and those of its classes, not object's."""
    names = set(vars(fake)) if hasattr(fake, "__dict__") else set()
    for cls in type(fake).__mro__[:-1]:
        names.update(vars(cls))
    return {name for name in names if not name.startswith("__")}


def differences(fake: object, stands_for: type) -> list[str]:
    """How `fake` departs from the rows of TOUCHED for `stands_for`: a listed name it defines with
    another kind, or a private name it defines that is not listed. Empty when it is faithful."""
    listed = {touch.name: touch.kind for touch in TOUCHED if touch.owner is stands_for}
    found = []
    for name in sorted(_names(fake)):
        if name in listed:
            kind = kind_of(fake, name)
            if kind is not listed[name]:
                found.append(f"{stands_for.__name__}.{name}: expected {listed[name].value}, the fake has "
                             f"{kind.value if kind else 'nothing'}")
        elif _private(name):
            found.append(f"{stands_for.__name__}.{name} is not listed in streams/patches/contract.py")
    return found
