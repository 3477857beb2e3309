"""Settings of workflow monitoring (``[workflow]``): how often the job runs, the policy, the
departments file.  The policy keys are those of :func:`workflow.policy.parse_policy`, checked at
start-up (a bad value names its key)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from workflow.errors import ConfigError
from workflow.policy import MonitoringPolicy, parse_policy

__all__ = ["WorkflowSettings"]


class WorkflowSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # the monitoring job runs this often (real seconds); each round reads the clock afresh
    interval_s: float = Field(30.0, gt=0)
    warn_before_min: int = 120  # warn the ticket's owner this long before its due time
    warn_before_min_by_kind: dict[str, int] = Field(default_factory=lambda: {"fault": 30})
    supervisor_after_min: int = 60  # escalate to the prefecture supervisor this long after it
    manager_after_min: int = 240  # then to the manager hotline (经理热线)
    chase_every_min: int = 30  # chase the department (追单); 0: never
    # the departments (None: workflow/departments.yaml), written into the table at start-up
    departments_file: Path | None = None
    # alerts another node raised are pushed to this node's WebSocket clients when they were raised
    # this recently (covers the job's interval and the nodes' clock differences)
    delivery_window_s: float = Field(300.0, gt=0)

    @model_validator(mode="after")
    def _policy_is_valid(self) -> WorkflowSettings:
        try:
            self.policy()
        except ConfigError as exc:
            raise ValueError("; ".join(exc.problems)) from None
        return self

    def policy(self) -> MonitoringPolicy:
        return parse_policy(
            {
                "warn_before_min": self.warn_before_min,
                "warn_before_min_by_kind": dict(self.warn_before_min_by_kind),
                "supervisor_after_min": self.supervisor_after_min,
                "manager_after_min": self.manager_after_min,
                "chase_every_min": self.chase_every_min,
            }
        )
