"""Request bodies of the QA routes (scores, disputes, sampling, circulars); unknown fields are errors."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from qa.scoring import Outcome

__all__ = [
    "AckBody",
    "AnswerBody",
    "CircularBody",
    "DecisionBody",
    "DisputeBody",
    "SamplingBody",
    "ScoreBody",
]

Text = Annotated[str, StringConstraints(max_length=2000)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=64)]
PrefectureCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,20}$")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AnswerBody(Body):
    criterion: Slug
    outcome: Outcome
    points: int | None = Field(default=None, ge=0, le=100, description="only with outcome 'partly'")
    remark: Text = ""


class ScoreBody(Body):
    recording_id: int | None = Field(default=None, description="score a recording …")
    monitoring_session_id: int | None = Field(default=None, description="… or a call I listened in on")
    form_id: Slug | None = Field(default=None, description="default: the current scoring form")
    form_version: int | None = Field(default=None, ge=1, description="default: its latest version")
    answers: list[AnswerBody] = Field(max_length=200)
    comment: Text = ""

    @model_validator(mode="after")
    def _one_call(self) -> ScoreBody:
        if (self.recording_id is None) == (self.monitoring_session_id is None):
            raise ValueError("give either recording_id or monitoring_session_id")
        return self


class DisputeBody(Body):
    reason: Reason


class DecisionBody(Body):
    decision: Literal["uphold", "revise"]
    note: Reason
    answers: list[AnswerBody] | None = Field(default=None, max_length=200, description="with revise")
    comment: Text = ""


class SamplingBody(Body):
    since: datetime = Field(description="first moment of the period (ISO 8601; UTC unless it says)")
    until: datetime = Field(description="end of the period, excluded")


class CircularBody(Body):
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    body: Annotated[str, StringConstraints(min_length=1, max_length=10000)]
    recipients: list[PrefectureCode] = Field(min_length=1, max_length=20)
    ack_due: datetime | None = None
    score_ids: list[Annotated[str, StringConstraints(max_length=32)]] = Field(default=[], max_length=20)
    publish: bool = Field(default=True, description="publish at once (else kept as a draft)")


class AckBody(Body):
    note: Text = ""
