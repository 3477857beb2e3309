"""The languages the hotline speaks: every prompt has a text in each (:mod:`prompts.catalogue`)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Language"]


class Language(StrEnum):
    ZH = "zh"
    EN = "en"
