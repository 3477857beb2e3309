"""The contexts of ``dialplan/extensions.conf`` the dialer sends calls into, and the channel
variables it sets on them (the reports classify a call as outbound by ``HOTLINE_CAMPAIGN``)."""

from __future__ import annotations

from outbound.campaign import Campaign, CampaignKind
from outbound.errors import ModelError
from outbound.pacing import PacingMode

__all__ = [
    "AGENT_CONTEXT",
    "CAMPAIGN",
    "CONTACT",
    "NOTICE_CONTEXT",
    "REFERENCE",
    "REMINDER_CONTEXT",
    "SURVEY_CONTEXT",
    "context_for",
]

SURVEY_CONTEXT = "outbound-survey"  # the 回访 script, no agent
REMINDER_CONTEXT = "outbound-reminder"  # the arrears reminder script; key 1 goes on to an agent
NOTICE_CONTEXT = "outbound-notice"  # 自动回复: the closed-ticket notice, no agent
AGENT_CONTEXT = "outbound-agent"  # progressive and predictive: an agent within 2 s, or the message

CAMPAIGN = "HOTLINE_CAMPAIGN"
CONTACT = "HOTLINE_CONTACT"
REFERENCE = "HOTLINE_REFERENCE"

_SCRIPTS = {
    CampaignKind.SATISFACTION_SURVEY: SURVEY_CONTEXT,
    CampaignKind.ARREARS_REMINDER: REMINDER_CONTEXT,
    CampaignKind.TICKET_NOTICE: NOTICE_CONTEXT,
}


def context_for(campaign: Campaign) -> str:
    """Where an answered call of ``campaign`` goes; a generic list has no script, so needs agents."""
    if campaign.mode is not PacingMode.AUTOMATED:
        return AGENT_CONTEXT
    context = _SCRIPTS.get(campaign.kind)
    if context is None:
        raise ModelError("a generic campaign has no script: pace it progressive or predictive (agents)")
    return context
