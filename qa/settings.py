"""Settings of QA scoring: which forms, the sampling rules, disputes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from qa.errors import PolicyError
from qa.sampling import parse_rules

__all__ = ["DEFAULT_SAMPLING", "QaSettings"]

DEFAULT_SAMPLING: tuple[dict[str, Any], ...] = (
    {"rule": "complaint"},
    {"rule": "low-rating"},
    {"rule": "quota", "n": 5, "period": "week"},
)


class QaSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # extra form files (one version each, qa/form_file.py); the shipped hotline-call form is always there
    form_files: list[Path] = Field(default_factory=list)
    # the form new scores use (its highest version)
    default_form: str = "hotline-call"
    # sampling rules (qa/sampling.py): 5 calls per agent per week, every complaint, every low rating
    sampling: list[dict[str, Any]] = Field(default_factory=lambda: list(DEFAULT_SAMPLING))
    sampling_seed: str = "hotline"
    # how long after scoring the agent may dispute, and whether the scorer may decide the dispute
    dispute_window_days: float = 7.0
    decider_may_be_scorer: bool = False

    @field_validator("sampling")
    @classmethod
    def _rules_parse(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        try:
            parse_rules(value)
        except PolicyError as exc:
            raise ValueError(str(exc)) from None
        return value
