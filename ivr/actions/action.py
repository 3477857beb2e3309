"""What a lookup action is: its spec (name, outcomes, arguments; checked when a menu loads) and the
coroutine that runs it during a call.

An action returns its outcome, and the key the caller pressed to interrupt what it was saying, if
any: the engine treats ``*``, ``#`` and ``0`` as everywhere (repeat the node, back, agent) and
hands any other key to the next node as its first input (barge-in across nodes).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from ivr.call import IvrCall
from ivr.menu import ActionSpec


@dataclass(frozen=True, slots=True)
class ActionResult:
    outcome: str
    key: str | None = None


ActionRun = Callable[[IvrCall, Mapping[str, str]], Awaitable[ActionResult]]


@dataclass(frozen=True, slots=True)
class Action:
    spec: ActionSpec
    run: ActionRun

    @property
    def name(self) -> str:
        return self.spec.name


def action(
    name: str,
    outcomes: set[str],
    required: set[str] | None = None,
    optional: set[str] | None = None,
    arg_values: Mapping[str, set[str]] | None = None,
) -> Callable[[ActionRun], Action]:
    """Decorator turning ``async def run(call, args) -> ActionResult`` into an :class:`Action`."""

    def wrap(run: ActionRun) -> Action:
        spec = ActionSpec(
            name=name,
            outcomes=frozenset(outcomes),
            required_args=frozenset(required or ()),
            optional_args=frozenset(optional or ()),
            description=(run.__doc__ or "").strip().splitlines()[0],
            arg_values={arg: frozenset(values) for arg, values in (arg_values or {}).items()},
        )
        return Action(spec, run)

    return wrap
