"""Settings of outbound (``[outbound]``): the dialer, the automatic 回访 and arrears lists, the
scripts, and the holiday file operators keep up to date.

``holidays_file`` names a YAML file of years the holiday library does not know yet (or gets
wrong): each year's public holidays and makeup working days (调休), as the State Council
announces them (:mod:`outbound.holidays_file`).  ``channel`` is how a customer's number is dialled:
``{number}`` is replaced, e.g. ``PJSIP/{number}@carrier`` through a SIP trunk, or
``Local/{number}@test-callee`` in tests.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["OutboundSettings"]


class OutboundSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    holidays_file: Path | None = None
    channel: str = "PJSIP/{number}"
    caller_id: str = "10000"
    # how often the dialer looks at its campaigns, seconds
    tick_s: float = Field(default=1.0, gt=0)
    # outbound channels this node may have at once, all campaigns together
    channel_cap: int = Field(default=30, ge=1)
    # inbound callers waiting for a skill are served before the dialer takes its agents
    inbound_first: bool = True
    # a contact claimed this long ago by a node that never finished it is taken back
    stale_claim_s: float = Field(default=3600.0, gt=0)
    # the automatic 回访 of a closed ticket: its campaign, and how long after closing it is called
    survey_campaign: str = "callback-survey"
    survey_delay_h: float = Field(default=24.0, ge=0)
    # a mean score at or below this reopens the ticket to the manager hotline (scores 1–5)
    survey_reopen_at_or_below: float = Field(default=2.0, ge=1, le=5)
    survey_questions: int = Field(default=3, ge=2, le=3)
    # seconds of voice comment a surveyed customer may leave (0: no comment offered)
    survey_comment_s: int = Field(default=30, ge=0, le=120)
    comments_dir: Path = Path("var/survey-comments")
    # the arrears reminders' campaign, and the smallest amount past due worth a call (fen)
    arrears_campaign: str = "arrears-reminders"
    arrears_min_fen: int = Field(default=100, ge=1)
    # the post-call rating after the agent hangs up first
    rating: bool = True

    @field_validator("holidays_file")
    @classmethod
    def _holidays_readable(cls, value: Path | None) -> Path | None:
        from outbound.holidays_file import load_holidays

        load_holidays(value)  # a broken file is refused at start-up, naming the entry
        return value

    @field_validator("channel")
    @classmethod
    def _has_number(cls, value: str) -> str:
        if "{number}" not in value or "/" not in value:
            raise ValueError("channel must look like TECH/{number}[@trunk]")
        return value
