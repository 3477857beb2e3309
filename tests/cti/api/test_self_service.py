"""The self-service parts of the desk over the API: the customer view, orders, resuming a lost
line after an identity check, callback requests, knowledge search and editing, and the notice
sent when a ticket is closed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update

from storage.callback_requests import CustomerCallback
from storage.customer_notices import CustomerNotice, NoticeStatus
from storage.customers import Customer
from storage.lines import Line, LineStatus

from .conftest import ApiEnv


async def test_the_customer_view(api: ApiEnv) -> None:
    status, view = await api.call("GET", "/api/customers/13800000001", "agent1001")
    assert status == 200, view
    assert view["customer"]["name"] == "张伟" and view["customer"]["prefecture_name"]["zh"] == "兰州"
    assert view["customer"]["pin"] == "open" and view["customer"]["id_document_on_file"] is True
    assert [(line["number"], line["business"]) for line in view["lines"]] == [
        ("09311234567", "internet"),
        ("13800000001", "mobile"),
    ]
    mobile = view["lines"][1]
    assert [s["code"] for s in mobile["services"]] == ["caller_id"]
    assert mobile["services"][0]["name"] == {"zh": "来电显示", "en": "caller ID"}
    assert view["account"]["balance_fen"] == 12345 and len(view["account"]["charges"]) >= 6
    assert view["account"]["bill"]["period"] == "2024-06"
    assert view["orders"] == [] and view["calls"] == [] and view["callbacks"] == []
    # any of the customer's lines finds them
    status, again = await api.call("GET", "/api/customers/09311234567", "sup.lanzhou")
    assert status == 200 and again["customer"]["number"] == "13800000001"
    # another prefecture's customer: out of scope, unless provincial
    status, error = await api.call("GET", "/api/customers/13800000002", "agent1001")
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")
    status, _ = await api.call("GET", "/api/customers/13800000002", "admin")
    assert status == 200
    status, error = await api.call("GET", "/api/customers/19999999999", "agent1001")
    assert (status, error["error_id"]) == (404, "not-found")


async def test_an_agent_orders_what_only_an_agent_may(api: ApiEnv) -> None:
    status, catalogue = await api.call("GET", "/api/orders/catalogue", "agent1001")
    assert status == 200
    internet = {i["code"]: i for i in catalogue["business_lines"]["internet"]}
    assert internet["broadband_speed_up"]["order"] == "agent"
    body = {"line_number": "09311234567", "item": "broadband_speed_up", "note": "客户来电要求提速"}
    status, order = await api.call("POST", "/api/orders", "agent1001", body)
    assert status == 201, order
    assert (order["status"], order["channel"], order["effective_on"][-2:]) == ("done", "agent", "01")
    assert [h["to_status"] for h in order["history"]] == ["accepted", "provisioning", "done"]
    assert order["customer"]["number"] == "13800000001"
    status, fetched = await api.call("GET", f"/api/orders/{order['number']}", "sup.lanzhou")
    assert status == 200 and fetched["number"] == order["number"]
    _, view = await api.call("GET", "/api/customers/13800000001", "agent1001")
    assert view["orders"][0]["number"] == order["number"]
    assert "broadband_speed_up" in [s["code"] for s in view["lines"][0]["services"]]
    # refused: nobody cancels a SIM replacement; another prefecture's line; an unknown item
    status, error = await api.call(
        "POST",
        "/api/orders",
        "agent1001",
        {"line_number": "13800000001", "item": "sim_replacement", "action": "cancel"},
    )
    assert (status, error["details"]["reason"]) == (400, "not_allowed")
    status, error = await api.call(
        "POST", "/api/orders", "agent1001", {"line_number": "13800000002", "item": "caller_id"}
    )
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")
    status, error = await api.call(
        "POST", "/api/orders", "agent1001", {"line_number": "13800000001", "item": "x9"}
    )
    assert (status, error["details"]["reason"]) == (400, "unknown_item")


async def suspend(api: ApiEnv, number: str) -> None:
    async with api.sessions() as db:
        await db.execute(update(Line).where(Line.number == number).values(status=LineStatus.SUSPENDED_LOST))
        await db.commit()


async def test_only_an_agent_resumes_a_lost_line_and_only_after_the_identity_check(api: ApiEnv) -> None:
    await suspend(api, "13800000001")
    wrong = {"line_number": "13800000001", "method": "id_tail", "secret": "999999"}
    status, error = await api.call("POST", "/api/orders/resume", "agent1001", wrong)
    assert (status, error["error_id"]) == (403, "auth-forbidden")
    _, view = await api.call("GET", "/api/customers/13800000001", "agent1001")
    assert view["lines"][1]["status"] == "suspended_lost" and view["orders"] == []
    right = {"line_number": "13800000001", "method": "id_tail", "secret": "011234", "note": "本人来电"}
    status, order = await api.call("POST", "/api/orders/resume", "agent1001", right)
    assert status == 201, order
    assert (order["action"], order["status"]) == (
        "resume",
        "done",
    ) and "identity checked by id_tail" in order["note"]
    _, view = await api.call("GET", "/api/customers/13800000001", "agent1001")
    assert view["lines"][1]["status"] == "active"
    status, error = await api.call("POST", "/api/orders/resume", "agent1001", right)
    assert (status, error["error_id"]) == (409, "conflict")  # not suspended any more
    # three wrong answers lock identity checks (the same lock as the IVR's PIN)
    await suspend(api, "13800000001")
    for _ in range(3):
        status, _ = await api.call(
            "POST", "/api/orders/resume", "agent1001", {**wrong, "method": "pin", "secret": "000000"}
        )
    status, error = await api.call("POST", "/api/orders/resume", "agent1001", right)
    assert (status, error["error_id"]) == (409, "conflict") and "locked" in error["message"]


async def test_callback_requests_in_scope(api: ApiEnv) -> None:
    now = datetime.now(UTC)
    async with api.sessions() as db:
        customers = {c.number: c for c in (await db.execute(select(Customer))).scalars()}
        for number in ("13800000001", "13800000003"):
            c = customers[number]
            manager = c.account_manager or "senior"
            db.add(
                CustomerCallback(
                    customer_id=c.id,
                    number=number,
                    prefecture=c.prefecture,
                    for_whom=manager,
                    requested_via="ivr",
                    requested_at=now,
                )
            )
        await db.commit()
    _, mine = await api.call("GET", "/api/callbacks", "agent1001")
    assert [c["number"] for c in mine["callbacks"]] == ["13800000001"]
    _, everyone = await api.call("GET", "/api/callbacks", "admin")
    assert {c["number"] for c in everyone["callbacks"]} == {"13800000001", "13800000003"}
    jiuquan = next(c for c in everyone["callbacks"] if c["number"] == "13800000003")
    assert jiuquan["for_whom"] == "孙经理" and jiuquan["segment"] == "vip"
    status, error = await api.call("POST", f"/api/callbacks/{jiuquan['id']}/done", "agent1001", {})
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")
    mine_id = mine["callbacks"][0]["id"]
    status, done = await api.call("POST", f"/api/callbacks/{mine_id}/done", "agent1001", {"note": "已回电"})
    assert (status, done["status"], done["done_by"]) == (200, "done", "agent1001")
    status, _ = await api.call("POST", f"/api/callbacks/{mine_id}/done", "agent1001", {})
    assert status == 409


async def test_agents_search_and_records_staff_keep_the_knowledge(api: ApiEnv, tmp_path: Path) -> None:
    status, found = await api.call("GET", "/api/knowledge/search?q=挂失&language=zh", "agent1001")
    assert status == 200 and found["entries"][0]["key"] == "lost_phone_suspend"
    _, halls = await api.call("GET", "/api/knowledge/search?q=营业厅&language=zh", "agent1004")
    assert {e["prefecture"] for e in halls["entries"]} <= {"tianshui", None}
    body = {
        "key": "hall_lanzhou", "topic": "billing", "language": "zh", "title": "兰州营业厅",
        "text": "兰州中心营业厅迁至东岗西路，营业时间每天九点至十八点。", "category": "话费查询",
        "keywords": "营业厅 地址 搬迁 兰州", "prefecture": "lanzhou",
    }  # fmt: skip
    status, saved = await api.call("POST", "/api/knowledge", "records.lanzhou", body)
    assert status == 201, saved
    assert (saved["version"], saved["prompt_id"], saved["updated_by"][:5]) == (
        2,
        "kb_hall_lanzhou_v2",
        "user-",
    )
    assert saved["audio"]["rendered"] is True, saved["audio"]
    audio = tmp_path / "prompts" / "zh" / "hotline" / "kb_hall_lanzhou_v2.wav"
    assert audio.stat().st_size > 1000
    _, moved = await api.call("GET", "/api/knowledge/search?q=东岗西路", "agent1001")
    assert [e["key"] for e in moved["entries"]] == ["hall_lanzhou"]
    _, versions = await api.call("GET", "/api/knowledge/hall_lanzhou", "agent1001")
    zh = [v for v in versions["versions"] if v["language"] == "zh"]
    assert [(v["version"], v["current"]) for v in zh] == [(2, True), (1, False)]
    # a prefecture's records staff keep their prefecture's entries only
    other = {**body, "key": "hall_tianshui", "prefecture": "tianshui"}
    status, error = await api.call("POST", "/api/knowledge", "records.lanzhou", other)
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")
    status, error = await api.call(
        "POST", "/api/knowledge", "records.lanzhou", {**body, "key": "lost_phone_suspend", "prefecture": None}
    )
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")
    province_wide = {**body, "key": "lost_phone_suspend", "topic": "mobile", "prefecture": None}
    status, saved = await api.call("POST", "/api/knowledge", "records.province", province_wide)
    assert status == 201 and saved["version"] == 2
    backwards = {**body, "expires_at": "2020-01-01T00:00:00Z", "effective_from": "2021-01-01T00:00:00Z"}
    status, error = await api.call("POST", "/api/knowledge", "records.province", backwards)
    assert status == 400
    status, listed = await api.call(
        "GET", "/api/knowledge?topic=billing&language=zh&limit=5", "records.lanzhou"
    )
    assert status == 200 and len(listed["entries"]) == 5 and listed["total"] > 5


async def test_closing_a_ticket_tells_the_customer(api: ApiEnv) -> None:
    status, ticket = await api.call(
        "POST", "/api/tickets", "agent1001", {"kind": "complaint", "category": "service_attitude",
                                              "caller_number": "13800000005", "description": "态度差"}
    )  # fmt: skip
    assert status == 201
    status, closed = await api.call(
        "POST", f"/api/tickets/{ticket['number']}/close", "agent1001", {"resolution": "道歉并已处理"}
    )
    assert (status, closed["status"], closed["notice"]) == (200, "closed", "logged")
    async with api.sessions() as db:
        notice = (await db.execute(select(CustomerNotice))).scalar_one()
    assert (notice.ticket_number, notice.number, notice.status) == (
        ticket["number"],
        "13800000005",
        NoticeStatus.LOGGED,
    )
    assert notice.language == "en" and ticket["number"] in notice.text and "resolved" in notice.text


async def test_an_agent_suspends_a_lost_phone_at_once(api: ApiEnv) -> None:
    path = "/api/orders/suspend"
    status, error = await api.call(
        "POST", path, "agent1001", {"line_number": "13800000001", "method": "questions"}
    )
    assert (status, error["error_id"]) == (400, "request-invalid")  # the note says how
    status, error = await api.call(
        "POST", path, "agent1001", {"line_number": "13800000001", "method": "pin", "secret": "999999"}
    )
    assert (status, error["error_id"]) == (403, "auth-forbidden")
    body = {"line_number": "13800000001", "method": "questions", "note": "核对了姓名、地址和最近一笔充值"}
    status, order = await api.call("POST", path, "agent1001", body)
    assert status == 201, order
    assert (order["action"], order["status"], order["channel"]) == ("suspend_lost", "done", "agent")
    assert "identity checked by questions" in order["note"]
    _, view = await api.call("GET", "/api/customers/13800000001", "agent1001")
    assert view["lines"][1]["status"] == "suspended_lost"
    status, error = await api.call("POST", path, "agent1001", body)
    assert (status, error["error_id"]) == (409, "conflict")  # already suspended
