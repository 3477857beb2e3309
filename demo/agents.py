"""Demo agents for ``hotline seed`` (and ``hotline demo``): twenty agents, extensions 1001-1020.

The first six are the agents of the demo users (:mod:`storage.users`).  Juniors take
consultations, bills and fault reports; seniors also take complaints (all complaints of VIP,
important and private-line customers go to them); the two managers are the manager hotline
(经理热线), the last step of an escalation.  The provincial centre (``province``) takes callers
who are not customers; some agents also speak English.  Every agent also has the skill
``emergency`` (proficiency 3, not in the table): a lost phone the IVR could not suspend is
offered to any free agent (the shipped rules' ``emergency`` rule).

===========  ====  =========  =======  =========================================  =====
agent        ext   prefecture level    skills (proficiency)                       lang
===========  ====  =========  =======  =========================================  =====
agent-1001   1001  lanzhou    junior   consultation 4, billing 4, general 3       zh
agent-1002   1002  lanzhou    junior   billing 4, fault 3, general 3              zh en
agent-1003   1003  lanzhou    senior   complaint 5, billing 4, consultation 3 ... zh en
agent-1004   1004  tianshui   junior   consultation 3, billing 4, general 3       zh
agent-1005   1005  tianshui   senior   complaint 4, fault 4, billing 3, general   zh
agent-1006   1006  lanzhou    manager  complaint 5, billing 4, general 3          zh en
agent-1007   1007  lanzhou    junior   fault 4, consultation 3, general 3         zh
agent-1008   1008  tianshui   junior   fault 4, billing 3, general 3              zh
agent-1009   1009  jiuquan    junior   consultation, billing, fault, general      zh
agent-1010   1010  jiuquan    senior   complaint 4, billing 4, fault 3, general   zh
agent-1011   1011  zhangye    junior   billing, fault, consultation, general      zh
agent-1012   1012  zhangye    senior   complaint 4, fault 3, billing 3, general   zh
agent-1013   1013  baiyin     junior   billing, fault, consultation, general      zh
agent-1014   1014  baiyin     senior   complaint 4, billing 3, fault 3, general   zh
agent-1015   1015  province   junior   consultation 4, billing 3, general 4       zh en
agent-1016   1016  province   senior   complaint 4, billing 4, fault 3, general   zh en
agent-1017   1017  province   senior   complaint 4, consultation 3, general 3     zh en
agent-1018   1018  province   manager  complaint 5, billing 3, general 3          zh en
agent-1019   1019  lanzhou    junior   consultation 3, billing 3, general 3       en zh
agent-1020   1020  tianshui   junior   billing 3, consultation 3, fault 3, gen.   zh
===========  ====  =========  =======  =========================================  =====
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from acd.model import Agent, AgentLevel
from storage.agents import parse_skills, upsert_agent

__all__ = ["DEMO_AGENTS", "DemoAgent", "seed_demo_agents"]


@dataclass(frozen=True, slots=True)
class DemoAgent:
    extension: str
    name: str
    prefecture: str
    level: AgentLevel
    skills: str
    languages: tuple[str, ...] = ("zh",)

    @property
    def agent_id(self) -> str:
        return f"agent-{self.extension}"

    def to_agent(self) -> Agent:
        return Agent(
            self.agent_id,
            self.extension,
            self.prefecture,
            self.level,
            parse_skills(self.skills),
            self.languages,
        )


_J, _S, _M = AgentLevel.JUNIOR, AgentLevel.SENIOR, AgentLevel.MANAGER
_A = DemoAgent

DEMO_AGENTS: tuple[DemoAgent, ...] = (
    _A("1001", "王丽", "lanzhou", _J, "consultation:4,billing:4,general:3,emergency:3"),
    _A("1002", "张强", "lanzhou", _J, "billing:4,fault:3,general:3,emergency:3", ("zh", "en")),
    _A(
        "1003",
        "李敏",
        "lanzhou",
        _S,
        "complaint:5,billing:4,consultation:3,fault:3,general:3,emergency:3",
        ("zh", "en"),
    ),
    _A("1004", "赵静", "tianshui", _J, "consultation:3,billing:4,general:3,emergency:3"),
    _A("1005", "刘军", "tianshui", _S, "complaint:4,fault:4,billing:3,general:3,emergency:3"),
    _A("1006", "陈华 (经理热线)", "lanzhou", _M, "complaint:5,billing:4,general:3,emergency:3", ("zh", "en")),
    _A("1007", "杨帆", "lanzhou", _J, "fault:4,consultation:3,general:3,emergency:3"),
    _A("1008", "黄磊", "tianshui", _J, "fault:4,billing:3,general:3,emergency:3"),
    _A("1009", "周婷", "jiuquan", _J, "consultation:3,billing:3,fault:3,general:3,emergency:3"),
    _A("1010", "吴鹏", "jiuquan", _S, "complaint:4,billing:4,fault:3,general:3,emergency:3"),
    _A("1011", "徐颖", "zhangye", _J, "billing:3,fault:3,consultation:3,general:3,emergency:3"),
    _A("1012", "孙浩", "zhangye", _S, "complaint:4,fault:3,billing:3,general:3,emergency:3"),
    _A("1013", "马琳", "baiyin", _J, "billing:3,fault:3,consultation:3,general:3,emergency:3"),
    _A("1014", "朱斌", "baiyin", _S, "complaint:4,billing:3,fault:3,general:3,emergency:3"),
    _A("1015", "胡月", "province", _J, "consultation:4,billing:3,general:4,emergency:3", ("zh", "en")),
    _A("1016", "郭涛", "province", _S, "complaint:4,billing:4,fault:3,general:3,emergency:3", ("zh", "en")),
    _A("1017", "何佳", "province", _S, "complaint:4,consultation:3,general:3,emergency:3", ("zh", "en")),
    _A(
        "1018", "高翔 (经理热线)", "province", _M, "complaint:5,billing:3,general:3,emergency:3", ("zh", "en")
    ),
    _A("1019", "Lucy Lin", "lanzhou", _J, "consultation:3,billing:3,general:3,emergency:3", ("en", "zh")),
    _A("1020", "罗萍", "tianshui", _J, "billing:3,consultation:3,fault:3,general:3,emergency:3"),
)


async def seed_demo_agents(db: AsyncSession) -> int:
    """Add (or refresh) the demo agents in the directory; the caller commits.  Returns how many."""
    for demo in DEMO_AGENTS:
        await upsert_agent(db, demo.to_agent(), demo.name)
    return len(DEMO_AGENTS)
