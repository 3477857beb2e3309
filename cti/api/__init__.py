"""The HTTP API, the WebSocket feed and the web pages of a CTI node (aiohttp).

Wiring: :mod:`cti.api.app` (``build_app(ApiDeps)``, services under typed keys
:mod:`cti.api.keys`, background work in one cleanup context), :mod:`cti.api.server` (serving a
node's API: ``running_api``, ``serve_api``, the node extension), :mod:`cti.api.acd_link` (the
one place that knows how the ACD is attached to the node).

Rights: :mod:`cti.api.roles` (roles → permissions, prefecture scope), :mod:`cti.api.tokens`,
:mod:`cti.api.auth`, :mod:`cti.api.login_throttle`; every route and its permission in one table,
:mod:`cti.api.routes`; errors with stable ``error_id`` s, :mod:`cti.api.errors`.

Features (a service, and its ``http_*`` routes): the agent's desk (:mod:`cti.api.agent_desk`),
call control through AMI (:mod:`cti.api.call_control`, :mod:`cti.api.live_calls`,
:mod:`cti.api.call_watch`, :mod:`cti.api.borrowed_agents`), screen pops
(:mod:`cti.api.screen_pop`), tickets (:mod:`cti.api.ticket_desk`), the supervisors' floor
(:mod:`cti.api.floor`), the wallboard (:mod:`cti.api.wallboard`), QA monitoring
(:mod:`cti.api.monitoring`).  Outgoing events: :mod:`cti.api.acd_feed` (ACD events → messages)
and :mod:`cti.api.notifier` (topics and fan-out), sent by :mod:`cti.api.websocket`.  The document:
:mod:`cti.api.openapi`.  Pages: ``cti/api/pages/`` (``/agent``, ``/wallboard``, ``/qa``).
"""
