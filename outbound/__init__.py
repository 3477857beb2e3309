"""Outbound: campaigns that call customers — satisfaction callbacks (回访), arrears reminders
(欠费催缴), any list — and the dialer's rules.  Pure domain core: no I/O, no asyncio, no clock
(times are passed in); the AMI client, storage, FastAGI scripts and the API wire it in.

* :mod:`~outbound.campaign` — kinds, the draft → running ⇄ paused → finished table, priority,
  pacing and ring time; :mod:`~outbound.contact` — a contact and its status table.
* :mod:`~outbound.calendar` — calling windows, Chinese public holidays and makeup working days
  (调休): ``may_call`` / ``next_opening``.
* :mod:`~outbound.outcomes` — an attempt's outcome, read from Asterisk's ``OriginateResponse``
  reason, hang-up cause and dial status.
* :mod:`~outbound.retry` — retry rules per outcome, the next attempt time;
  :mod:`~outbound.eligibility` — the checks before every attempt (running, due, do-not-call,
  window, once a day across campaigns); :mod:`~outbound.dnc` and :mod:`~outbound.phone_number`.
* :mod:`~outbound.csv_import` — a contact file, accepted whole or rejected with every bad line.
* :mod:`~outbound.pacing`, :mod:`~outbound.predictive`, :mod:`~outbound.abandon` — how many
  calls to start now (automated, progressive, predictive), the 15 s minimum ring, the 2 s / 3 %
  abandon rules; :mod:`~outbound.simulation` — a discrete-event bench comparing the modes.
* :mod:`~outbound.errors` — every error, each with an ``error_id``.
"""
