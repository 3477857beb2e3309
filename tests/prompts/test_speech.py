from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from prompts.catalogue import PROMPTS, Piece, Slot, prompt
from prompts.digit_sounds import digit_sounds
from prompts.language import Language
from prompts.speech import Play, SayNumber, amount, day_of_month, hours, phrase

ZH, EN = Language.ZH, Language.EN


def spoken(speech: tuple[object, ...]) -> list[str]:
    out = []
    for s in speech:
        if isinstance(s, Play):
            out.append(s.file.removeprefix("hotline/"))
        elif isinstance(s, SayNumber):
            out.append(str(s.value))
        else:
            out.append(f"digits {s.value}")  # type: ignore[attr-defined]
    return out


def test_amounts_in_mandarin() -> None:
    assert spoken(amount(12345, ZH)) == ["123", "unit_yuan", "4", "unit_jiao", "5", "unit_fen"]
    assert spoken(amount(12305, ZH)) == ["123", "unit_yuan", "0", "5", "unit_fen"]  # 一百二十三元零五分
    assert spoken(amount(12340, ZH)) == ["123", "unit_yuan", "4", "unit_jiao"]
    assert spoken(amount(45, ZH)) == ["4", "unit_jiao", "5", "unit_fen"]
    assert spoken(amount(0, ZH)) == ["0", "unit_yuan"]
    assert spoken(amount(-4320, ZH)) == ["43", "unit_yuan", "2", "unit_jiao"]


def test_amounts_in_english() -> None:
    assert spoken(amount(12345, EN)) == ["123", "unit_yuan", "45", "unit_fen"]
    assert spoken(amount(12300, EN)) == ["123", "unit_yuan"]
    assert spoken(amount(7, EN)) == ["0", "unit_yuan", "7", "unit_fen"]


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from([ZH, EN]))
def test_amount_speech_adds_up(fen: int, language: Language) -> None:
    words = spoken(amount(fen, language))
    scale = {"unit_yuan": 100, "unit_jiao": 10, "unit_fen": 1}
    total, pending = 0, 0
    for word in words:
        if word in scale:
            total += pending * scale[word]
            pending = 0
        else:
            pending = int(word)
    assert total == fen


def test_dates_and_hours() -> None:
    assert spoken(day_of_month(date(2024, 7, 15), ZH)) == ["7", "date_md-1", "15", "date_md-2"]
    assert spoken(day_of_month(date(2024, 7, 15), EN)) == ["month_7", "15"]
    assert spoken(hours(timedelta(hours=25, minutes=20), ZH)) == ["26", "unit_hours"]
    assert spoken(hours(timedelta(minutes=20), EN)) == ["1", "unit_hour"]


def test_prompt_pieces_and_slots() -> None:
    p = prompt("bill_due")
    assert p.parts(ZH) == (
        Piece("bill_due-1", "本月话费"), Slot("amount"), Piece("bill_due-2", "，请在"), Slot("date"),
        Piece("bill_due-3", "前缴清。"),
    )  # fmt: skip
    assert p.parts(EN)[0] == Piece("bill_due-1", "This month's bill is")
    assert prompt("bill_service_total").pieces(ZH) == ()
    assert spoken(phrase("ticket_number", EN, ticket=(SayNumber(1),))) == [
        "ticket_number-1", "1", "ticket_number-2", "1",
    ]  # fmt: skip


def test_catalogue_is_complete_in_both_languages() -> None:
    for p in PROMPTS.values():
        assert p.zh.strip() and p.en.strip(), p.id
        assert set(p.slots(ZH)) == set(p.slots(EN)), p.id
    assert prompt("language_offer").voice(ZH) is EN  # "For English, press 9" in the English voice


def test_digit_sounds_cover_say_number() -> None:
    zh, en = digit_sounds(ZH), digit_sounds(EN)
    assert {"0", "9", "10", "90", "hundred", "thousand", "wan", "yi"} <= set(zh)
    assert zh["20"] == "二十"
    assert {str(i) for i in range(20)} | {"30", "hundred", "thousand", "million"} <= set(en)
