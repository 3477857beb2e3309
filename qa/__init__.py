"""Quality assurance (质检): scoring forms, scores and disputes, sampling, roll-ups, circulars (通报).

The cores (form, scoring, score, disputes, sampling, rollups, circulars) are pure: no I/O beyond
reading a form file, no asyncio, time passed in.  The desks (``score_desk``, ``score_rollups``,
``sample_desk``, ``circular_desk``) are the services the API calls: they find the calls, check the
user's scope and keep the rows (``storage.qa_scores``, ``storage.qa_samples``,
``storage.circulars``).  Retention and HTTP ranges, which serve the recordings, live in
:mod:`recordings.retention` and :mod:`recordings.byte_range`.
"""
