"""The names the ACD bridge and ``dialplan/extensions.conf`` agree on.

Contexts: callers wait in ``[acd-wait]`` (an AGI session of ours), are redirected into
``[acd-connect]`` with the agent's extension as the extension (it records and Dials the agent,
and sends the caller back to ``[acd-wait]`` when nobody answers), and agents' phones are
originated into ``[acd-callback]`` with the customer's number as the extension to serve a
callback request.  Channel variables set by the dialplan or by us name the agent and the request.
"""

from __future__ import annotations

__all__ = [
    "AGENT_SUFFIX",
    "AGENT_TECH",
    "CALLBACK",
    "CALLBACK_AGENT",
    "CALLBACK_CONTEXT",
    "CALLER_CONTEXTS",
    "CONNECT_CONTEXT",
    "DIALLED_AGENT",
    "FINAL_DIAL_STATUSES",
    "OUTBOUND_AGENT_CONTEXT",
    "WAIT_CONTEXT",
    "WAIT_EXTEN",
    "WAIT_SCRIPT",
]

WAIT_CONTEXT = "acd-wait"
WAIT_EXTEN = "s"
CONNECT_CONTEXT = "acd-connect"
CALLBACK_CONTEXT = "acd-callback"
# an answered outbound call waiting for its agent (outbound/scripts/agent_connect.py)
OUTBOUND_AGENT_CONTEXT = "outbound-agent"
# where a caller's channel is while the ACD holds the call
CALLER_CONTEXTS = frozenset({WAIT_CONTEXT, CONNECT_CONTEXT, OUTBOUND_AGENT_CONTEXT})

# the FastAGI route the [acd-wait] context runs: AGI(${HOTLINE_AGI}/acd-wait)
WAIT_SCRIPT = "acd-wait"

# set by [acd-connect] on the caller's channel: the extension it Dials
DIALLED_AGENT = "HOTLINE_AGENT"
# set by our Originate on the agent's channel of a callback: the request id and the agent id
CALLBACK = "HOTLINE_CALLBACK"
CALLBACK_AGENT = "HOTLINE_CALLBACK_AGENT"

# globals: how an agent's phone is dialled, ${AGENT_TECH}/<extension>${AGENT_SUFFIX}
AGENT_TECH = "AGENT_TECH"
AGENT_SUFFIX = "AGENT_SUFFIX"

# DIALSTATUS values after which Dial() has given up on the agent (ANSWER is not one of them)
FINAL_DIAL_STATUSES = frozenset(
    {"NOANSWER", "BUSY", "CHANUNAVAIL", "CONGESTION", "CANCEL", "DONTCALL", "TORTURE"}
)
