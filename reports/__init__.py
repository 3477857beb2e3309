"""Reports: the figures the centres are judged by, per prefecture and rolled up for the province.

The pure core, no I/O:

* :mod:`reports.records` — the call record (one row per call, one leg per offer to an agent);
  :mod:`reports.tickets` — ticket facts; :mod:`reports.agent_time` — agent states and QA scores;
* pre-aggregation: :mod:`reports.cube` (exact, associative roll-ups), :mod:`reports.intervals`
  (inbound calls per 15 min), :mod:`reports.ivr_nodes`, :mod:`reports.dialling` (outbound),
  :mod:`reports.tickets` (per day), :mod:`reports.repeats` (重复投诉 classifier);
* :mod:`reports.periods` (day … year, 环比 / 同比), :mod:`reports.comparison` (changes);
* :mod:`reports.kpis` — one module per report: ``traffic_report``, ``agents_report``,
  ``complaints_report``, ``ivr_report``, ``outbound_report``; :mod:`reports.catalogue` by name;
* :mod:`reports.report` (the typed table) and :mod:`reports.export` (CSV, XLSX).

Formulas and conventions: docs/reports.md.
"""
