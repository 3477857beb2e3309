"""Frozen slots dataclasses built without their frozen ``__init__`` (for the AMI event path).

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``, several times
slower than the plain attribute stores of a non-frozen one; on the event path (a few values
built per event, a :class:`~cti.ami.channels.Channel` has 27 fields) that is a large share of
the work.  :func:`twin` makes a plain slots dataclass with the same fields in the same order, so
the same memory layout: an instance of it, filled, is turned into the frozen class by assigning
``__class__`` (Python allows it between classes of the same layout).  From then on it is an
ordinary instance of the frozen class: equal, hashed, printed and frozen as one built by its
own ``__init__``.  Defaults and ``__post_init__`` are not applied: every field is given.

:func:`builder` and :func:`replacer` are functions written out for one class (one attribute
store per field, no argument tuple, no ``__init__`` call), generated from its field names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, is_dataclass, make_dataclass
from typing import Any, TypeVar

__all__ = ["builder", "replacer", "twin"]

T = TypeVar("T")


def twin(cls: type[Any]) -> type[Any]:
    """A plain (mutable) slots dataclass with the fields of the frozen slots dataclass ``cls``."""
    if not is_dataclass(cls) or not hasattr(cls, "__slots__") or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} is not a slots dataclass without __post_init__")
    draft: type[Any] = make_dataclass(
        f"_{cls.__name__}Draft", [(f.name, f.type) for f in fields(cls)], slots=True
    )
    probe = draft(*(None for _ in fields(cls)))
    probe.__class__ = cls  # a TypeError here, at import, if the layouts ever differ
    return draft


def _compile(cls: type[Any], source: str, name: str) -> Callable[..., Any]:
    scope: dict[str, Any] = {"_new": object.__new__, "_draft": twin(cls), "_cls": cls}
    exec(compile(source, f"<cti.ami.frozen {name} of {cls.__name__}>", "exec"), scope)  # field names only
    function: Callable[..., Any] = scope[name]
    return function


def builder(cls: type[T]) -> Callable[..., T]:
    """``cls(*values)`` for the frozen slots dataclass ``cls``, every field given in order."""
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    source = "\n    ".join(
        [
            f"def build({', '.join(names)}):",
            "draft = _new(_draft)",
            *(f"draft.{n} = {n}" for n in names),
            "draft.__class__ = _cls",
            "return draft",
        ]
    )
    build = _compile(cls, source, "build")
    build.__doc__ = f"``{cls.__name__}(*values)``, every field given in order."
    return build


def replacer(cls: type[T]) -> Callable[[T, dict[str, Any]], T]:
    """``dataclasses.replace(obj, **changes)`` for the frozen slots dataclass ``cls`` (a
    ``TypeError`` for a name that is not one of its fields, as ``replace`` raises)."""
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    source = "\n    ".join(
        [
            "def replace(obj, changes):",
            "draft = _new(_draft)",
            *(f"draft.{n} = obj.{n}" for n in names),
            "for name, value in changes.items():",
            "    try:",
            "        setattr(draft, name, value)",
            "    except AttributeError:",
            f"        raise TypeError(f'{cls.__name__} has no field {{name!r}}') from None",
            "draft.__class__ = _cls",
            "return draft",
        ]
    )
    replace = _compile(cls, source, "replace")
    replace.__doc__ = f"``dataclasses.replace(obj, **changes)`` for a {cls.__name__}."
    return replace
