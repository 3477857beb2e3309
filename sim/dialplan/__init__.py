"""The dialplan language of Asterisk 22, as pure functions, for the simulated Asterisk.

- :mod:`~sim.dialplan.config`: extensions.conf into a frozen ``Dialplan`` and its look-ups
  (read by :mod:`~sim.dialplan.conffile`; extension order and matching in :mod:`~sim.dialplan.patterns`).
- :mod:`~sim.dialplan.expressions`: ``${...}`` substitution and ``$[...]`` expressions
  (:mod:`~sim.dialplan.expr_tokens`, :mod:`~sim.dialplan.expr_eval`, :mod:`~sim.dialplan.extended`).
- :mod:`~sim.dialplan.functions`: the dialplan functions that need no channel.
- :mod:`~sim.dialplan.args`: application arguments, ``Goto``/``GotoIf`` targets, truth.
"""
