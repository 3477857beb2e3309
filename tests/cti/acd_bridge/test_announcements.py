"""What a waiting caller is told (pure)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cti.acd_bridge.announcements import WaitInfo, callback_registered, waiting_speech
from prompts.catalogue import PROMPTS
from prompts.language import Language
from prompts.speech import Play, SayNumber, files_of


def files(info: WaitInfo, language: Language = Language.ZH) -> list[str]:
    return [f.removeprefix("hotline/") for f in files_of(waiting_speech(info, language))]


def test_on_arrival_busy_then_place_then_expected_wait_then_the_callback_offer() -> None:
    info = WaitInfo(ahead=3, expected_wait_s=200.0, staffed=True, first=True, callback=True)
    speech = waiting_speech(info, Language.EN)
    assert [s.file.removeprefix("hotline/") if isinstance(s, Play) else s for s in speech] == [
        "acd_all_busy",
        "acd_position-1",
        SayNumber(3),
        "acd_position-2",
        "acd_wait_minutes-1",
        SayNumber(4),  # 200 s: rounded up to whole minutes
        "acd_wait_minutes-2",
        "acd_callback_offer",
    ]


def test_next_in_line_and_one_ahead() -> None:
    assert files(WaitInfo(0, 30.0, True, False, False)) == ["acd_next"]
    assert files(WaitInfo(1, 30.0, True, False, False)) == ["acd_position_one", "acd_wait_one_minute"]


def test_no_expected_wait_before_handle_times_are_known_and_no_offer_without_a_number() -> None:
    assert files(WaitInfo(2, None, True, False, False)) == ["acd_position-1", "acd_position-2"]


def test_nobody_to_serve_the_call() -> None:
    assert files(WaitInfo(0, None, False, True, True)) == ["acd_no_agents", "acd_callback_offer"]


def test_back_from_an_escalation() -> None:
    assert files(WaitInfo(0, None, True, True, False, escalated=True)) == ["acd_escalated", "acd_next"]


@given(
    ahead=st.none() | st.integers(0, 10_000),
    ewt=st.none() | st.floats(0, 1e6),
    staffed=st.booleans(),
    first=st.booleans(),
    callback=st.booleans(),
    escalated=st.booleans(),
    language=st.sampled_from(list(Language)),
)
def test_every_file_is_in_the_prompt_catalogue(
    ahead: int | None,
    ewt: float | None,
    staffed: bool,
    first: bool,
    callback: bool,
    escalated: bool,
    language: Language,
) -> None:
    speech = waiting_speech(WaitInfo(ahead, ewt, staffed, first, callback, escalated), language)
    pieces = {piece.file for p in PROMPTS.values() for piece in p.pieces(language)}
    for file in files_of(speech) + files_of(callback_registered(language)):
        assert file.removeprefix("hotline/") in pieces
    for sound in speech:
        if isinstance(sound, SayNumber):
            assert sound.value >= 1
