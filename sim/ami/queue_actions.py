"""app_queue's AMI actions, worded as Asterisk 22 words them (``manager_queues_status`` and friends).

``QueueStatus`` and ``QueueSummary`` answer with a list (``QueueParams``/``QueueMember``/
``QueueEntry``, ``QueueSummary``) in app_queue's container order; ``QueueAdd``, ``QueueRemove``,
``QueuePause`` and ``QueuePenalty`` change members through :mod:`sim.queue_module`, which publishes
the events.  :func:`register` adds them to an :class:`~sim.ami.actions.ActionRunner`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cti.ami.protocol import AmiMessage
from sim.ami.replies import error, reply, success
from sim.dialplan.ctext import atoi, scan_int
from sim.queue_config import ast_true
from sim.queue_module import queues_of
from sim.queues import INVALID, NOT_INUSE, UNAVAILABLE, UNKNOWN

if TYPE_CHECKING:
    from sim.ami.actions import ActionRunner
    from sim.ami.server import AmiSession
    from sim.queue_module import QueueModule


def register(runner: ActionRunner) -> None:
    actions = QueueActions(queues_of(runner.pbx))
    runner.handlers.update(
        {
            "queuestatus": (None, actions.status),
            "queuesummary": (None, actions.summary),
            "queueadd": ("agent", actions.add),
            "queueremove": ("agent", actions.remove),
            "queuepause": ("agent", actions.pause),
            "queuepenalty": ("agent", actions.penalty),
        }
    )


def _number(text: str | None) -> int:
    """``sscanf("%30d")`` where a missing, unreadable or negative number is 0."""
    value = scan_int(text or "")
    return value if value is not None and value >= 0 else 0


class QueueActions:
    def __init__(self, module: QueueModule) -> None:
        self.module = module

    def _list_item(
        self, session: AmiSession, message: AmiMessage, event: str, fields: list[tuple[str, str]]
    ) -> None:
        action_id = [("ActionID", message.action_id)] if message.action_id is not None else []
        session.write(AmiMessage((("Event", event), *fields, *action_id)))

    def _complete(self, session: AmiSession, message: AmiMessage, event: str, count: int) -> None:
        action_id = [("ActionID", message.action_id)] if message.action_id is not None else []
        tail = (("EventList", "Complete"), ("ListItems", str(count)))
        session.write(AmiMessage((("Event", event), *action_id, *tail)))

    async def status(self, session: AmiSession, message: AmiMessage) -> None:
        queue_filter, member_filter = message.get("Queue") or "", message.get("Member") or ""
        reply(session, message, "Success", ("EventList", "start"), ("Message", "Queue status will follow"))
        now, items = self.module.elapsed(), 0
        for q in self.module.queues:
            if queue_filter and q.name.lower() != queue_filter.lower():
                continue
            done = q.completed + q.abandoned
            perf2 = 100.0 * (q.abandoned_in_sl + q.completed_in_sl) / done if done else 0.0
            params = [("Queue", q.name), ("Max", str(q.config.maxlen)), ("Strategy", q.strategy)]
            params += [("Calls", str(q.count)), ("Holdtime", str(q.holdtime)), ("TalkTime", str(q.talktime))]
            params += [("Completed", str(q.completed)), ("Abandoned", str(q.abandoned))]
            params += [
                ("ServiceLevel", str(q.config.servicelevel)),
                ("ServicelevelPerf", f"{q.service_level_perf():.1f}"),
            ]
            params += [("ServicelevelPerf2", f"{perf2:.1f}"), ("Weight", str(q.config.weight))]
            self._list_item(session, message, "QueueParams", params)
            items += 1
            for m in q.members:
                if member_filter and member_filter not in (m.interface, m.name):
                    continue
                blob = dict(m.blob(q))
                fields = [("Queue", q.name), ("Name", m.name), ("Location", m.interface)]
                fields += [(k, blob[k]) for k in ("StateInterface", "Membership", "Penalty", "CallsTaken")]
                fields += [(k, blob[k]) for k in ("LastCall", "LastPause", "LoginTime", "InCall", "Status")]
                fields += [(k, blob[k]) for k in ("Paused", "PausedReason", "Wrapuptime")]
                self._list_item(session, message, "QueueMember", fields)
                items += 1
            for position, caller in enumerate(q.callers, 1):
                chan = caller.channel
                fields = [("Queue", q.name), ("Position", str(position)), ("Channel", chan.name)]
                fields += [("Uniqueid", chan.uniqueid), ("CallerIDNum", chan.caller_num or "unknown")]
                fields += [("CallerIDName", chan.caller_name or "unknown")]
                fields += [("ConnectedLineNum", chan.connected_num or "unknown")]
                fields += [("ConnectedLineName", chan.connected_name or "unknown")]
                fields += [("Wait", str(int(now - caller.start))), ("Priority", str(caller.prio))]
                self._list_item(session, message, "QueueEntry", fields)
                items += 1
        self._complete(session, message, "QueueStatusComplete", items)

    async def summary(self, session: AmiSession, message: AmiMessage) -> None:
        queue_filter = message.get("Queue") or ""
        reply(session, message, "Success", ("EventList", "start"), ("Message", "Queue summary will follow"))
        now, items = self.module.elapsed(), 0
        for q in self.module.queues:
            if queue_filter and q.name.lower() != queue_filter.lower():
                continue
            logged_in = [m for m in q.members if m.status not in (UNAVAILABLE, INVALID)]
            available = [m for m in logged_in if m.status in (NOT_INUSE, UNKNOWN) and not m.paused]
            longest = max((int(now - c.start) for c in q.callers), default=0)
            fields = [
                ("Queue", q.name),
                ("LoggedIn", str(len(logged_in))),
                ("Available", str(len(available))),
            ]
            fields += [
                ("Callers", str(q.count)),
                ("HoldTime", str(q.holdtime)),
                ("TalkTime", str(q.talktime)),
            ]
            fields += [("LongestHoldTime", str(longest))]
            self._list_item(session, message, "QueueSummary", fields)
            items += 1
        self._complete(session, message, "QueueSummaryComplete", items)

    async def add(self, session: AmiSession, message: AmiMessage) -> None:
        queue, interface = message.get("Queue"), message.get("Interface")
        if not queue:
            error(session, message, "'Queue' not specified.")
            return
        if not interface:
            error(session, message, "'Interface' not specified.")
            return
        result = self.module.add_member(
            queue,
            interface,
            name=message.get("MemberName") or "",
            penalty=_number(message.get("Penalty")),
            paused=ast_true(message.get("Paused") or ""),
            state_interface=message.get("StateInterface") or "",
            reason=message.get("Reason") or "",
            wrapuptime=_number(message.get("Wrapuptime")),
        )
        if result == "ok":
            success(session, message, "Added interface to queue")
        elif result == "exists":
            error(session, message, "Unable to add interface: Already there")
        else:
            error(session, message, "Unable to add interface to queue: No such queue")

    async def remove(self, session: AmiSession, message: AmiMessage) -> None:
        queue, interface = message.get("Queue"), message.get("Interface")
        if not queue or not interface:
            error(session, message, "Need 'Queue' and 'Interface' parameters.")
            return
        result = self.module.remove_member(queue, interface)
        if result == "ok":
            success(session, message, "Removed interface from queue")
        elif result == "notthere":
            error(session, message, "Unable to remove interface: Not there")
        elif result == "notdynamic":
            error(session, message, "Member not dynamic")
        else:
            error(session, message, "Unable to remove interface from queue: No such queue")

    async def pause(self, session: AmiSession, message: AmiMessage) -> None:
        interface, paused_text = message.get("Interface"), message.get("Paused")
        if not interface or not paused_text:
            error(session, message, "Need 'Interface' and 'Paused' parameters.")
            return
        paused = ast_true(paused_text)
        if not self.module.set_paused(
            message.get("Queue") or "", interface, message.get("Reason") or "", paused
        ):
            error(session, message, "Interface not found")
            return
        success(
            session, message, "Interface paused successfully" if paused else "Interface unpaused successfully"
        )

    async def penalty(self, session: AmiSession, message: AmiMessage) -> None:
        interface, penalty = message.get("Interface"), message.get("Penalty")
        if not interface or not penalty:
            error(session, message, "Need 'Interface' and 'Penalty' parameters.")
            return
        if not self.module.set_penalty(message.get("Queue") or "", interface, atoi(penalty)):
            error(session, message, "Invalid interface, queuename or penalty")
            return
        success(session, message, "Interface penalty set successfully")
