"""``hotline bench dialer``: both modes on one list, the JSON the issue asks for, the target met."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main


def test_bench_dialer_writes_both_modes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "dialer.json"
    assert main(["bench", "dialer", "--json", str(out), "--contacts", "2000", "--agents", "20"]) == 0
    figures = json.loads(out.read_text())
    for mode in ("progressive", "predictive"):
        assert {"occupancy", "abandon_rate", "contacts_per_agent_hour"} <= set(figures[mode])
        assert figures[mode]["dialled"] == 2000
    assert figures["progressive"]["abandon_rate"] == 0.0  # one call per free agent never abandons
    assert figures["predictive"]["abandon_rate"] < 0.03
    assert figures["predictive"]["occupancy"] >= figures["progressive"]["occupancy"] + 0.10
    assert figures["target"]["met"] is True
    assert "predictive" in capsys.readouterr().err
