"""The agents' desk and the supervisors' floor: services over the stores and the ACD that the pages
and the API call (agent desk, tickets, floor, recordings library, wallboard feed, ACD feed)."""
