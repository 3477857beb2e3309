"""Workflow monitoring (工作流监控) of tickets: alerts before and after due times, chases (追单) of
dispatched work, departments and their side of a dispatched ticket, the reply to the customer (回复).

Pure cores: no I/O beyond reading the departments file, no asyncio, time passed in.  A scheduled
job, storage, the API and the supervisor's page wire these in.
"""
