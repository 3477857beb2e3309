"""The KPI formulas, one module per report; each computes from rolled-up counters, never from rates.

The formulas, their Chinese names and the seeds' wording are in docs/reports.md.
"""
