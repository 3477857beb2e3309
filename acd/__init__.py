"""Automatic call distribution: who answers which call, independent of Asterisk.

Values: :mod:`acd.model` (agents, requirements, waiting entries), :mod:`acd.agent_state` (agent
states and their transition table), :mod:`acd.priority` (place in line, starvation bound),
:mod:`acd.overflow` (overflow rules, ``acd/rules.yaml``), :mod:`acd.routing` (eligibility and
choice), :mod:`acd.indexes` (index keys that make a decision read only eligible candidates).

State: :mod:`acd.store` (the interface, ``open_store``), :mod:`acd.store_memory`,
:mod:`acd.store_redis` (+ ``acd/lua``); every change goes through :mod:`acd.retry` (the
compare-and-set loop).  Behaviour: :mod:`acd.service` (``AcdService``, which holds a
:mod:`acd.call_flow` ``CallFlow``, an :mod:`acd.upkeep` ``Upkeep`` and this node's
:mod:`acd.presence`), acting through the :mod:`acd.telephony` port.  Reporting: :mod:`acd.events`
(heard through :mod:`acd.listeners`), :mod:`acd.stats`.

Wiring (the composition root does this)::

    store = await open_store(settings.acd, settings.redis)
    service = AcdService(store=store, telephony=ami_port, routing=load_routing(settings.acd.rules_file),
                         settings=settings.acd)
    await service.start()       # then run service.run() in the top-level task group
"""
