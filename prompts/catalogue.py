"""The prompt catalogue: every sentence the hotline says, in Mandarin and in English.

A prompt's text may hold slots, ``{amount}``, ``{date}``, ... that the engine fills at run time
with spoken numbers, digits or other prompts (:mod:`prompts.speech`). The text between slots becomes
audio files of its own, named ``<id>`` for a prompt without slots and ``<id>-1``, ``<id>-2``, ...
for the pieces of one with slots (pieces that are only punctuation are silent and get no file).
The two languages may order slots differently; each language has its own pieces.

``hotline prompts build`` renders each piece to ``<prompts_dir>/<lang>/hotline/<file>.{wav,gsm,ulaw}``
and ``hotline ivr check`` reports the pieces that have no audio yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from prompts.language import Language
from prompts.self_service_texts import SELF_SERVICE_TEXTS

_SLOT = re.compile(r"\{([a-z_]+)\}")
_SILENT = re.compile(r"^[\s,.;:!?，。；：！？、]*$")


@dataclass(frozen=True, slots=True)
class Piece:
    """Audio to play: the file (under ``hotline/``) and the text it is rendered from."""

    file: str
    text: str


@dataclass(frozen=True, slots=True)
class Slot:
    name: str


@dataclass(frozen=True, slots=True)
class Prompt:
    id: str
    zh: str
    en: str
    # the voice's language when it differs from the folder's, e.g. "For English press 9" is
    # filed under zh/ (Chinese callers hear it) but spoken by the English voice
    voice_zh: Language = Language.ZH
    voice_en: Language = Language.EN

    def text(self, language: Language) -> str:
        return self.zh if language is Language.ZH else self.en

    def voice(self, language: Language) -> Language:
        return self.voice_zh if language is Language.ZH else self.voice_en

    def slots(self, language: Language) -> tuple[str, ...]:
        return tuple(_SLOT.findall(self.text(language)))

    def parts(self, language: Language) -> tuple[Piece | Slot, ...]:
        text = self.text(language)
        if not _SLOT.search(text):
            return (Piece(self.id, text),)
        out: list[Piece | Slot] = []
        n = 0
        for i, chunk in enumerate(_SLOT.split(text)):
            if i % 2:
                out.append(Slot(chunk))
            elif not _SILENT.match(chunk):
                n += 1
                out.append(Piece(f"{self.id}-{n}", chunk.strip()))
        return tuple(out)

    def pieces(self, language: Language) -> tuple[Piece, ...]:
        return tuple(p for p in self.parts(language) if isinstance(p, Piece))


def _p(id: str, zh: str, en: str, **kw: Language) -> Prompt:
    return Prompt(id, zh, en, **kw)


_PROMPTS: tuple[Prompt, ...] = (
    # -- everywhere
    _p("welcome", "您好，欢迎致电客户服务热线。", "Welcome to the customer service hotline."),
    _p("greeting_vip", "尊敬的大客户，您好，欢迎致电。", "Welcome back, valued VIP customer."),
    _p(
        "greeting_private_line",
        "尊敬的专线客户，您好，我们将优先为您服务。",
        "Welcome, private line customer. We will serve you first.",
    ),
    _p(
        "main_menu",
        "业务咨询请按1，话费查询请按2，投诉建议请按3，故障申告请按4，业务办理请按5，手机挂失请按6，"
        "工单进度查询请按7，人工服务请按0。",
        "For information press 1, bills 2, complaints and suggestions 3, fault reports 4, "
        "to order or cancel a service 5, to suspend a lost phone 6, the progress of your tickets 7, "
        "an agent 0.",
    ),
    _p(
        "language_offer",
        "For English, press 9.",
        "中文服务，请按9。",
        voice_zh=Language.EN,
        voice_en=Language.ZH,
    ),
    _p("nav_hint", "重听请按星号键，返回上一级请按井号键。", "To repeat press star, to go back press hash."),
    _p("invalid_choice", "对不起，您的输入有误。", "Sorry, that is not a valid choice."),
    _p("invalid_entry", "对不起，您输入的位数不对。", "Sorry, that entry has the wrong number of digits."),
    _p("no_input", "对不起，没有收到您的按键。", "Sorry, I did not hear a key."),
    _p("transfer_agent", "正在为您转接人工服务，请稍候。", "Connecting you to an agent, please hold."),
    _p(
        "fallback_agent",
        "对不起，没能帮到您，我们将为您转接人工服务。",
        "Sorry I could not help. Let me connect you to an agent.",
    ),
    _p("system_error", "对不起，系统繁忙，暂时无法办理。", "Sorry, the system cannot do this right now."),
    _p("goodbye", "感谢您的来电，再见。", "Thank you for calling. Goodbye."),
    _p("agent_or_back", "人工服务请按0，返回请按井号键。", "For an agent press 0, to go back press hash."),
    # -- consultation
    _p(
        "consult_menu",
        "资费套餐请按1，宽带请按2，移动业务请按3，固定电话请按4，专线和数据业务请按5，话费和缴费请按6，"
        "IP和长途请按7，增值业务请按8，人工咨询请按0。",
        "Tariffs and plans press 1, broadband 2, mobile 3, fixed line 4, private lines and data 5, "
        "bills and payment 6, IP and long distance 7, value-added services 8, an agent 0.",
    ),
    _p(
        "kb_intro",
        "按1听下一条，按星号重听，按0转人工。",
        "Press 1 for the next item, star to repeat, 0 for an agent.",
    ),
    _p("kb_end", "本类信息已播报完毕。", "That is all on this topic."),
    _p("kb_empty", "对不起，暂时没有这类业务的信息。", "Sorry, there is no information on this topic yet."),
    # -- bill query
    _p(
        "enter_number",
        "请输入您要查询的电话号码，以井号键结束。",
        "Please enter the phone number, then press hash.",
    ),
    _p("number_not_found", "对不起，没有找到这个号码的用户资料。", "Sorry, I cannot find that number."),
    _p("enter_pin", "请输入服务密码，以井号键结束。", "Please enter your service password, then press hash."),
    _p("pin_wrong", "密码错误。", "That password is not correct."),
    _p(
        "pin_locked",
        "由于密码多次输入错误，自助查询已暂时锁定。",
        "Too many wrong passwords. Self service is locked for now.",
    ),
    _p("pin_not_set", "您尚未设置服务密码。", "You have not set a service password."),
    _p("bill_balance", "您的账户余额为{amount}。", "Your balance is {amount}."),
    _p(
        "bill_arrears",
        "您的账户已欠费{amount}，请及时缴费。",
        "Your account is {amount} in arrears. Please pay soon.",
    ),
    _p("bill_due", "本月话费{amount}，请在{date}前缴清。", "This month's bill is {amount}, due by {date}."),
    _p("bill_services", "其中：", "By service:"),
    _p("bill_service_total", "{service}{amount}，", "{service}, {amount}."),
    _p("bill_none", "暂时没有本月账单。", "There is no bill for this month yet."),
    _p(
        "bill_menu",
        "收听近期消费明细请按1，重听请按星号，人工服务请按0，返回请按井号。",
        "For recent charges press 1, to hear it again press star, an agent 0, to go back press hash.",
    ),
    _p("charges_intro", "您最近的消费记录如下：", "Your latest charges:"),
    _p("charge_item", "{date}，{service}，{amount}。", "{date}, {service}, {amount}."),
    _p("charges_none", "最近没有消费记录。", "There are no recent charges."),
    _p(
        "charges_menu",
        "重听请按星号，人工服务请按0，返回请按井号。",
        "To hear them again press star, an agent 0, to go back press hash.",
    ),
    _p("svc_mobile", "移动通话费", "mobile calls"),
    _p("svc_ip", "IP电话费", "IP calls"),
    _p("svc_internet", "上网费", "internet"),
    _p("svc_long_distance", "长途费", "long distance"),
    _p("svc_local", "市话费", "local calls"),
    _p("svc_paging", "寻呼费", "paging"),
    # -- amounts, dates, durations
    _p("unit_yuan", "元", "yuan"),
    _p("unit_jiao", "角", "jiao"),
    _p("unit_fen", "分", "fen"),
    _p("unit_hour", "小时", "hour"),
    _p("unit_hours", "小时", "hours"),
    _p("date_md", "{month}月{day}日", "{month} {day}"),
    *(
        _p(f"month_{m}", f"{m}月", name)
        for m, name in enumerate(
            (
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ),
            start=1,
        )
    ),
    # -- complaints and suggestions
    _p(
        "complaint_menu",
        "话费争议请按1，服务态度请按2，网络质量请按3，业务办理请按4，其他投诉请按5，提建议请按6。",
        "Billing dispute press 1, service attitude 2, network quality 3, business handling 4, "
        "other complaints 5, to make a suggestion press 6.",
    ),
    _p(
        "billing_dispute_menu",
        "资费标准有疑问请按1，未使用的业务被收费请按2，使用情况与收费不符请按3，漫游费用请按4。",
        "A tariff question press 1, charged for a service you did not use 2, "
        "usage does not match the charge 3, roaming charges 4.",
    ),
    _p(
        "ticket_number",
        "您的工单号是{ticket}，重复一遍，{ticket}。",
        "Your ticket number is {ticket}. Again, {ticket}.",
    ),
    _p("complaint_registered", "您的投诉已受理。", "Your complaint is registered."),
    _p(
        "suggestion_thanks",
        "您的建议已记录，感谢您对我们工作的支持。",
        "Your suggestion is recorded. Thank you for helping us improve.",
    ),
    # -- fault reports
    _p(
        "fault_menu",
        "信号问题请按1，通话问题请按2，短信和上网问题请按3，漫游问题请按4。",
        "Signal problems press 1, calls 2, text messages and data 3, roaming 4.",
    ),
    _p(
        "fault_signal_menu",
        "没有信号或信号弱请按1，边界漫游请按2。",
        "No or weak signal press 1, signal from across a border 2.",
    ),
    _p(
        "fault_calls_menu",
        "通话无声、掉话或有回音请按1，与其他运营商互拨不通请按2，来电显示错误请按3，IP拨号不通请按4。",
        "Silence, dropped calls or echo press 1, cannot reach other operators 2, wrong caller ID 3, "
        "IP dialling 4.",
    ),
    _p("fault_data_menu", "短信问题请按1，手机上网问题请按2。", "Text messages press 1, mobile data 2."),
    _p(
        "fault_roaming_menu",
        "漫游时无法使用或漫游计费异常请按1，边界漫游请按2。",
        "Phone unusable or billed wrongly when roaming press 1, border roaming 2.",
    ),
    _p(
        "fault_registered",
        "您的故障申告已受理，我们将在{hours}内处理完毕并回复您。",
        "Your fault report is registered. We will fix it and call you back within {hours}.",
    ),
    _p("fault_open", "您的故障单{ticket}{status}。", "Your fault ticket {ticket} {status}."),
    _p("fault_open_due", "预计在{hours}内处理完毕。", "We expect to finish within {hours}."),
    _p(
        "fault_open_overdue",
        "处理已超时，我们深表歉意，正在加急处理。",
        "It is overdue. We apologise and are speeding it up.",
    ),
    _p("status_accepted", "已受理", "has been registered"),
    _p("status_dispatched", "已派发到处理部门", "is with the responsible department"),
    _p("status_in_progress", "正在处理中", "is being worked on"),
    _p("status_returned", "正在重新安排处理", "is being reassigned"),
    _p("status_overdue", "已超过处理时限", "is past its time limit"),
    # -- waiting for an agent ([acd-wait], cti/acd_bridge/wait.py)
    _p("acd_all_busy", "坐席正忙，请您稍候。", "All our agents are busy. Please hold."),
    _p("acd_no_agents", "对不起，目前没有坐席可以为您服务。", "Sorry, no agent can take your call now."),
    _p("acd_position", "您前面还有{count}位客户在等候。", "There are {count} callers ahead of you."),
    _p("acd_position_one", "您前面还有一位客户在等候。", "There is one caller ahead of you."),
    _p("acd_next", "您是下一位，马上为您接通。", "You are next in line."),
    _p("acd_wait_minutes", "预计还需等待约{minutes}分钟。", "Your expected wait is about {minutes} minutes."),
    _p("acd_wait_one_minute", "预计还需等待约一分钟。", "Your expected wait is about one minute."),
    _p(
        "acd_callback_offer",
        "如不想继续等候，请按1登记回电，我们将按您的排队顺序给您回电。",
        "To be called back instead of holding, press 1. You keep your place in line.",
    ),
    _p(
        "acd_callback_registered",
        "已为您登记回电，轮到您时我们会给您回电，再见。",
        "Your callback is registered. We will call you back when it is your turn. Goodbye.",
    ),
    _p("acd_escalated", "正在为您转接上级客服，请稍候。", "Transferring you to a senior colleague."),
    # -- outbound calls (outbound/scripts/): 回访, arrears reminders, the post-call rating
    _p("outbound_invalid", "您的按键无效。", "That key is not valid."),
    _p("outbound_no_input", "没有收到您的按键。", "We did not receive a key."),
    _p("outbound_goodbye", "感谢您的接听，再见。", "Thank you for your time. Goodbye."),
    _p(
        "outbound_abandon",
        "您好，这里是客户服务热线一万号，我们稍后会再与您联系，如有需要请拨打一万号，再见。",
        "Hello, this is the customer service hotline, 10000. We will call you again later; "
        "you can also call us on 10000. Goodbye.",
    ),
    _p(
        "survey_intro",
        "您好，这里是客户服务热线，现就您的工单{ticket}进行满意度回访。",
        "Hello, this is the customer service hotline, calling about your ticket {ticket}.",
    ),
    _p(
        "survey_q1",
        "您对问题的处理结果是否满意？请按1到5打分，5分非常满意，1分非常不满意。",
        "How satisfied are you with how your issue was resolved? Press 1 to 5: "
        "5 is very satisfied, 1 very dissatisfied.",
    ),
    _p(
        "survey_q2",
        "您对处理速度是否满意？请按1到5打分。",
        "How satisfied are you with how quickly it was handled? Press 1 to 5.",
    ),
    _p(
        "survey_q3",
        "您对客服人员的服务态度是否满意？请按1到5打分。",
        "How satisfied are you with our staff's attitude? Press 1 to 5.",
    ),
    _p(
        "survey_comment_offer",
        "如需留下意见，请按1，在提示音后讲话，讲完请挂机；不留言请按2。",
        "To leave a comment, press 1 and speak after the tone, then hang up. Otherwise press 2.",
    ),
    _p("survey_thanks", "感谢您的评价，再见。", "Thank you for your feedback. Goodbye."),
    _p(
        "survey_reopened",
        "非常抱歉给您带来不便，您的问题已转交经理热线重新处理。",
        "We are sorry. Your issue has been passed to our manager hotline to be handled again.",
    ),
    _p("survey_unknown", "对不起，打扰您了，再见。", "Sorry to have troubled you. Goodbye."),
    _p(
        "reminder_intro",
        "您好，这里是客户服务热线。您的号码{account}目前欠费{amount}，缴费截止日期为{date}。",
        "Hello, this is the customer service hotline. Your number {account} owes {amount}, due on {date}.",
    ),
    _p(
        "reminder_menu",
        "转人工服务请按1，承诺缴费日期请按2，重听请按3。",
        "For an agent press 1, to promise a payment date press 2, to hear this again press 3.",
    ),
    _p(
        "reminder_promise_ask",
        "请输入您承诺缴费的日期，月和日各两位，例如十二月五日请按1205。",
        "Key in the date you will pay by, two digits for the month and two for the day: "
        "1205 for December 5th.",
    ),
    _p(
        "reminder_promise_bad",
        "日期无效，请输入今天起三十天内的日期。",
        "That date is not valid. Key in a date within the next 30 days.",
    ),
    _p(
        "reminder_promise_ok",
        "已记录您承诺于{date}前缴费，感谢您的配合，再见。",
        "We have noted that you will pay by {date}. Thank you. Goodbye.",
    ),
    _p("reminder_agent", "正在为您转接人工服务，请稍候。", "Connecting you to an agent. Please hold."),
    _p(
        "rating_ask",
        "请对本次服务进行评价：满意请按1，基本满意请按2，不满意请按3。",
        "Please rate this call: satisfied press 1, fairly satisfied press 2, dissatisfied press 3.",
    ),
    _p("rating_thanks", "感谢您的评价，再见。", "Thank you for your rating. Goodbye."),
    *(_p(id, zh, en) for id, zh, en in SELF_SERVICE_TEXTS),
)

PROMPTS: dict[str, Prompt] = {p.id: p for p in _PROMPTS}


def prompt(prompt_id: str) -> Prompt:
    try:
        return PROMPTS[prompt_id]
    except KeyError:
        raise KeyError(f"unknown prompt {prompt_id!r}") from None


def _check_catalogue() -> None:
    for p in _PROMPTS:
        if set(p.slots(Language.ZH)) != set(p.slots(Language.EN)):
            raise ValueError(f"prompt {p.id}: the two languages have different slots")
    if len(PROMPTS) != len(_PROMPTS):
        raise ValueError("duplicate prompt ids in the catalogue")


_check_catalogue()
