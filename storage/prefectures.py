"""The organisation's tenants: the provincial centre and its 14 prefecture centres (seed 000).

Every customer, ticket and IVR record carries one of these codes in its ``prefecture`` column, so
each report can be produced per prefecture and rolled up for the province.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Prefecture:
    code: str
    name_zh: str
    name_en: str


PROVINCE = Prefecture("province", "省客服中心", "Provincial centre")

PREFECTURES: tuple[Prefecture, ...] = (
    Prefecture("lanzhou", "兰州", "Lanzhou"),
    Prefecture("jiayuguan", "嘉峪关", "Jiayuguan"),
    Prefecture("jinchang", "金昌", "Jinchang"),
    Prefecture("baiyin", "白银", "Baiyin"),
    Prefecture("tianshui", "天水", "Tianshui"),
    Prefecture("wuwei", "武威", "Wuwei"),
    Prefecture("zhangye", "张掖", "Zhangye"),
    Prefecture("pingliang", "平凉", "Pingliang"),
    Prefecture("jiuquan", "酒泉", "Jiuquan"),
    Prefecture("qingyang", "庆阳", "Qingyang"),
    Prefecture("dingxi", "定西", "Dingxi"),
    Prefecture("longnan", "陇南", "Longnan"),
    Prefecture("linxia", "临夏州", "Linxia"),
    Prefecture("gannan", "甘南州", "Gannan"),
)

BY_CODE: dict[str, Prefecture] = {p.code: p for p in (PROVINCE, *PREFECTURES)}


def is_prefecture_code(code: str) -> bool:
    """True for the province and the 14 prefecture codes."""
    return code in BY_CODE
