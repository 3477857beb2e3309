"""Consistency rules between records and indexes, checked the same way for both stores.

"No agent or call is ever left stuck" in concrete terms: a reserved agent has an offered call
pointing back at it and vice versa, an agent on a call has its connected call, an available
agent sits in exactly its index sets with its idle time, a waiting call sits in exactly one
queue set of its skill and in its skill's line, and every running timer matches a record.
:func:`audit` lists every violation (an empty list: consistent).

A connected call may outlive its agent's session (a supervisor logged the agent out during the
call); it ends with the hang-up, so it is not checked against the agent's state.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from acd.agent_state import AgentState, AgentStatus
from acd.indexes import agent_keys, skill_queue_key
from acd.model import Agent
from acd.store import CallPhase, QueuedCall

__all__ = ["audit"]


def audit(
    agents: Mapping[str, Agent],
    statuses: Mapping[str, AgentStatus],
    calls: Mapping[str, QueuedCall],
    indexes: Mapping[str, Mapping[str, float]],
    deadlines: Mapping[str, float],
    dead_nodes: Collection[str] = (),
) -> list[str]:
    """``indexes``: every index set by key (members → scores); ``deadlines``: timer name → time."""
    problems: list[str] = []
    expected: dict[str, dict[str, float]] = {}

    for agent_id, status in statuses.items():
        agent = agents.get(agent_id)
        if agent is None:
            problems.append(f"status without profile: agent {agent_id}")
            continue
        where = f"agent {agent_id} ({status.state.value})"
        # an available agent of a dead node may already be out of the indexes (reaped lazily)
        if status.state is AgentState.AVAILABLE and status.node not in dead_nodes:
            for key in agent_keys(agent):
                expected.setdefault(key, {})[agent_id] = status.idle_since or 0.0
        if status.state in (AgentState.RESERVED, AgentState.ON_CALL):
            phase = CallPhase.OFFERED if status.state is AgentState.RESERVED else CallPhase.CONNECTED
            held = calls.get(status.entry_id or "")
            if held is None or held.phase is not phase or held.agent_id != agent_id:
                problems.append(f"{where}: its call {status.entry_id} is not {phase.value} to it")
        has_timer = status.state in (AgentState.RESERVED, AgentState.WRAP_UP)
        if has_timer != (status.deadline is not None):
            problems.append(f"{where}: deadline {status.deadline} does not fit the state")
        if deadlines.get(f"a:{agent_id}") != status.deadline:
            problems.append(f"{where}: timer {deadlines.get(f'a:{agent_id}')} != deadline {status.deadline}")

    queue_sets: dict[str, list[str]] = {}
    for key, members in indexes.items():
        if key.startswith("iq:"):
            for member in members:
                queue_sets.setdefault(member, []).append(key)

    for entry_id, call in calls.items():
        where = f"call {entry_id} ({call.phase.value})"
        in_sets = queue_sets.pop(entry_id, [])
        if call.phase is CallPhase.WAITING:
            skill = call.entry.requirement.skill
            expected.setdefault(skill_queue_key(skill), {})[entry_id] = call.score
            if len(in_sets) != 1 or not in_sets[0].startswith(f"iq:{skill}:"):
                problems.append(f"{where}: in queue sets {in_sets}, expected exactly one of skill {skill}")
            elif indexes[in_sets[0]][entry_id] != call.score:
                problems.append(
                    f"{where}: score {indexes[in_sets[0]][entry_id]} in {in_sets[0]} != {call.score}"
                )
        else:
            if in_sets:
                problems.append(f"{where}: still in queue sets {in_sets}")
            if call.phase is CallPhase.OFFERED:
                agent_status = statuses.get(call.agent_id or "")
                if (
                    agent_status is None
                    or agent_status.state is not AgentState.RESERVED
                    or agent_status.entry_id != entry_id
                ):
                    state = agent_status.state.value if agent_status else None
                    problems.append(f"{where}: its agent {call.agent_id} is {state}, not reserved for it")
        if deadlines.get(f"c:{entry_id}") != call.deadline:
            problems.append(f"{where}: timer {deadlines.get(f'c:{entry_id}')} != next step {call.deadline}")
    problems.extend(f"queue sets {keys} hold unknown call {member}" for member, keys in queue_sets.items())

    for key, members in indexes.items():
        if key.startswith("iq:"):
            continue
        want = expected.get(key, {})
        for member, score in members.items():
            if member not in want:
                problems.append(f"index {key}: stray member {member}")
            elif want[member] != score:
                problems.append(f"index {key}: {member} has score {score}, expected {want[member]}")
    for key, want in expected.items():
        have = indexes.get(key, {})
        problems.extend(f"index {key}: {member} is missing" for member in want if member not in have)

    known = {f"a:{a}" for a in statuses} | {f"c:{c}" for c in calls}
    problems.extend(f"timer {name} has no record" for name in deadlines if name not in known)
    return problems
