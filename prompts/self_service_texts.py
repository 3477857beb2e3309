"""What the self-service menus say (issue 14): service orders (业务受理), the lost-phone suspension
(挂失停机), ticket progress, the VIP menu (大客户服务) and the automatic notice of a closed ticket
(自动回复), as (id, Mandarin, English). :mod:`prompts.catalogue` makes prompts of them; slots as
there. The names of the catalogue's items are not here: they are data (``orders/catalogue.yaml``,
audio ``hotline/order_item_<code>``)."""

from __future__ import annotations

__all__ = ["SELF_SERVICE_TEXTS"]

SELF_SERVICE_TEXTS: tuple[tuple[str, str, str], ...] = (
    # -- service orders (业务受理)
    ("order_menu", "开通业务请按1，取消业务请按2。", "To order a service press 1, to cancel one press 2."),
    ("order_offer_order", "可以办理的业务有：", "You can order:"),
    ("order_offer_cancel", "可以取消的业务有：", "You can cancel:"),
    ("order_offer_item", "{item}请按{key}，", "{item}, press {key}."),
    (
        "order_none",
        "对不起，这里没有您可以自助办理的业务。",
        "Sorry, there is nothing you can do yourself here.",
    ),
    ("order_readback_order", "您要开通{item}，", "You are ordering {item}."),
    ("order_readback_cancel", "您要取消{item}，", "You are cancelling {item}."),
    ("order_fee_monthly", "月费{amount}，", "It costs {amount} a month."),
    ("order_fee_once", "一次性收费{amount}，", "There is a one-off fee of {amount}."),
    ("order_free", "不收取费用，", "There is no charge."),
    ("order_effective_now", "立即生效。", "It takes effect at once."),
    ("order_effective_on", "从{date}起生效。", "It takes effect on {date}."),
    ("order_confirm", "确认办理请按1，放弃请按2。", "To confirm press 1, to drop it press 2."),
    (
        "order_done",
        "业务已办理，受理单号是{order}，重复一遍，{order}。",
        "Done. Your order number is {order}. Again, {order}.",
    ),
    (
        "order_failed",
        "对不起，业务未能办理成功，您的账户没有任何变化。受理单号是{order}。",
        "Sorry, the order could not be carried out and nothing has changed. Its number is {order}.",
    ),
    ("order_dropped", "业务未办理。", "Nothing was ordered."),
    ("order_item_unknown", "该项业务", "that service"),
    # -- lost phone (挂失停机, 紧急服务)
    (
        "lost_enter_number",
        "请输入丢失手机的号码，以井号键结束。",
        "Please enter the number of the lost phone, then press hash.",
    ),
    ("lost_number_unknown", "对不起，没有找到这个号码。", "Sorry, I cannot find that number."),
    ("lost_already", "这个号码已经挂失停机。", "That number is already suspended as lost."),
    (
        "lost_how",
        "用服务密码验证请按1，用证件号码后六位验证请按2。",
        "To prove it is yours with the service password press 1, "
        "with the last six digits of your ID press 2.",
    ),
    (
        "lost_enter_id",
        "请输入证件号码后六位，字母X请按0。",
        "Please enter the last six digits of your ID document. For an X, press 0.",
    ),
    ("id_wrong", "证件号码不正确。", "That ID number is not correct."),
    ("id_not_set", "我们没有您的证件资料。", "We have no ID document on file for you."),
    (
        "lost_suspended",
        "号码{number}已挂失停机，受理单号是{order}，重复一遍，{order}。复机请联系人工客服核实身份后办理。",
        "Number {number} is suspended. Your order number is {order}. Again, {order}. "
        "To resume it, an agent will check your identity.",
    ),
    (
        "lost_failed",
        "对不起，暂时未能为您停机。",
        "Sorry, the line could not be suspended just now.",
    ),
    (
        "emergency_transfer",
        "正在为您优先转接人工服务，请稍候。",
        "An agent will take your call first. Please hold.",
    ),
    # -- ticket progress
    ("progress_none", "您没有处理中的工单。", "You have no open tickets."),
    ("progress_ticket", "您的{kind}工单{ticket}{status}。", "Your {kind} ticket {ticket} {status}."),
    ("progress_order", "您的业务受理单{order}{status}。", "Your order {order} {status}."),
    (
        "progress_ask",
        "查询其他工单请输入工单号，以井号键结束；人工服务请按0。",
        "To ask about another ticket, enter its number then hash. For an agent press 0.",
    ),
    ("progress_not_found", "对不起，没有找到这张工单。", "Sorry, I cannot find that ticket."),
    ("status_replied", "已答复您", "has been answered"),
    ("status_closed", "已处理完毕", "is resolved and closed"),
    ("status_archived", "已处理完毕并归档", "is resolved and archived"),
    ("status_abandoned_in_ivr", "尚未登记完成", "was not finished"),
    ("kind_complaint", "投诉", "complaint"),
    ("kind_fault", "故障", "fault"),
    ("kind_suggestion", "建议", "suggestion"),
    ("order_status_accepted", "已受理", "has been accepted"),
    ("order_status_provisioning", "正在办理", "is being carried out"),
    ("order_status_done", "已办理完成", "is done"),
    ("order_status_failed", "未能办理", "could not be carried out"),
    # -- VIP service (大客户服务)
    (
        "vip_menu",
        "业务咨询请按1，费用查询请按2，投诉建议请按3，故障申告请按4，业务办理请按5，手机挂失请按6，"
        "资料和工单查询请按7，客户经理和预约回电请按8，高级客服请按0。",
        "Information press 1, charges 2, complaints 3, fault reports 4, orders 5, a lost phone 6, "
        "your lines, services and tickets 7, your account manager or a callback 8, a senior agent 0.",
    ),
    (
        "vip_manager_menu",
        "接通您的客户经理请按1，预约回电请按2。",
        "To talk to your account manager now press 1, to be called back press 2.",
    ),
    ("vip_lines", "您名下共有{count}条线路。", "You have {count} lines."),
    ("vip_services", "已开通的业务有：", "Your services are:"),
    ("vip_no_services", "暂无已开通的业务。", "You have no services yet."),
    (
        "vip_open_items",
        "您有{tickets}张处理中的工单，{orders}笔办理中的业务。",
        "You have {tickets} open tickets and {orders} orders under way.",
    ),
    (
        "vip_callback_manager",
        "已为您预约回电，您的客户经理将尽快与您联系。",
        "Your callback is booked. Your account manager will call you soon.",
    ),
    (
        "vip_callback_senior",
        "已为您预约回电，高级客服将尽快与您联系。",
        "Your callback is booked. A senior agent will call you soon.",
    ),
    (
        "vip_manager_connect",
        "正在为您接通客户经理，如无人接听将为您转接高级客服。",
        "Connecting you to your account manager. If they do not answer, a senior agent will.",
    ),
    ("vip_no_manager", "您暂未指定客户经理。", "You have no account manager yet."),
    # -- automatic notice (自动回复): a call to the customer
    (
        "notice_ticket_closed",
        "您好，这里是客户服务热线。您的工单{ticket}已处理完毕，感谢您的耐心。",
        "Hello, this is the customer service hotline. Your ticket {ticket} has been resolved. "
        "Thank you for your patience.",
    ),
)
