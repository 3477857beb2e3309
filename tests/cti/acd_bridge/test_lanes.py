"""``CallLanes``: one call's jobs in the order put, different calls' side by side; every job run
once, a failing one logged and the next run."""

from __future__ import annotations

import asyncio

import pytest

from cti.acd_bridge.lanes import CallLanes


async def test_one_calls_jobs_run_in_order_and_other_calls_do_not_wait_for_them() -> None:
    lanes = CallLanes("test")
    held, b_done = asyncio.Event(), asyncio.Event()
    done: list[str] = []

    async def job(name: str, wait: asyncio.Event | None = None) -> None:
        if wait is not None:
            await wait.wait()
        done.append(name)
        if name == "b1":
            b_done.set()

    lanes.put("a", lambda: job("a1", held))
    lanes.put("a", lambda: job("a2"))
    lanes.put("b", lambda: job("b1"))
    async with asyncio.timeout(2):
        await b_done.wait()
    assert done == ["b1"] and lanes.busy == 1  # a2 waits for a1; b did not wait for a
    held.set()
    await lanes.idle()
    assert done == ["b1", "a1", "a2"] and lanes.busy == 0


async def test_a_failing_job_is_logged_and_the_next_one_runs() -> None:
    lanes = CallLanes("test")
    done: list[str] = []

    async def fails() -> None:
        raise RuntimeError("a bug")

    async def runs() -> None:
        done.append("next")

    lanes.put("a", fails)
    lanes.put("a", runs)
    await lanes.idle()
    assert done == ["next"]


async def test_run_waits_behind_the_calls_earlier_jobs_and_returns_the_result() -> None:
    lanes = CallLanes("test")
    held = asyncio.Event()
    order: list[str] = []

    async def earlier() -> None:
        await held.wait()
        order.append("earlier")

    async def compare() -> int:
        order.append("compare")
        return 7

    async def broken() -> int:
        raise ValueError("no")

    lanes.put("a", earlier)
    result = asyncio.create_task(lanes.run("a", compare))
    await asyncio.sleep(0.01)
    assert not result.done()
    held.set()
    assert await result == 7 and order == ["earlier", "compare"]
    with pytest.raises(ValueError):
        await lanes.run("a", broken)


async def test_a_job_put_by_a_job_of_the_same_call_runs_too() -> None:
    lanes = CallLanes("test")
    done: list[str] = []

    async def second() -> None:
        done.append("second")

    async def first() -> None:
        done.append("first")
        lanes.put("a", second)

    lanes.put("a", first)
    await lanes.idle()
    assert done == ["first", "second"]


async def test_closing_cancels_what_is_left() -> None:
    lanes = CallLanes("test")
    never = asyncio.Event()
    lanes.put("a", never.wait)  # type: ignore[arg-type]
    lanes.put("a", never.wait)  # type: ignore[arg-type]
    await asyncio.sleep(0)
    await lanes.aclose()
    assert lanes.busy == 0
    with pytest.raises(RuntimeError):
        lanes.put("a", never.wait)  # type: ignore[arg-type]
