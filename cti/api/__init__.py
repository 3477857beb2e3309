"""The HTTP API, the WebSocket feed and the web pages of a CTI node (aiohttp).

Wiring: :mod:`cti.api.app` (``build_app(ApiDeps)``, services under typed keys
:mod:`cti.api.keys`, background work in one cleanup context), :mod:`cti.api.server` (serving a
node's API: ``running_api``, ``serve_api``, the node extension), :mod:`cti.acd_bridge.link` (the
one place that knows how the ACD is attached to the node).

Rights: :mod:`cti.access.roles` (roles → permissions, prefecture scope), :mod:`cti.access.tokens`,
:mod:`cti.access.auth`, :mod:`cti.access.login_throttle`; every route and its permission in one table,
:mod:`cti.api.routes`; errors with stable ``error_id`` s, :mod:`cti.errors`.

Features (a service, and its ``http_*`` routes): the agent's desk (:mod:`cti.desk.agent_desk`),
call control through AMI (:mod:`cti.calls.call_control`, :mod:`cti.calls.live_calls`,
:mod:`cti.calls.call_watch`, :mod:`cti.calls.borrowed_agents`), screen pops
(:mod:`cti.calls.screen_pop`), tickets (:mod:`cti.desk.ticket_desk`), the supervisors' floor
(:mod:`cti.desk.floor`), the wallboard (:mod:`cti.desk.wallboard`), QA monitoring
(:mod:`cti.calls.monitoring`).  Outgoing events: :mod:`cti.desk.acd_feed` (ACD events → messages)
and :mod:`cti.notifier` (topics and fan-out), sent by :mod:`cti.api.websocket`.  The document:
:mod:`cti.api.openapi`.  Pages: ``cti/api/pages/`` (``/agent``, ``/wallboard``, ``/qa``).
"""
