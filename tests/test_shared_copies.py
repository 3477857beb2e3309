"""Files copied from ``../shared/asterisk`` into the tests stay equal to the originals."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.shared import require_shared

HERE = Path(__file__).parent
COPIES = {
    HERE / "data" / "sample_asterisk" / "extensions.sample.conf": ("conf", "extensions.sample.conf"),
    HERE / "data" / "sample_asterisk" / "queues.conf": ("conf", "queues.conf"),
}


@pytest.mark.parametrize("copy", sorted(COPIES), ids=lambda p: p.name)
def test_copy_equals_the_shared_original(copy: Path) -> None:
    original = require_shared("the originals of tests/data/sample_asterisk").joinpath(*COPIES[copy])
    assert copy.read_bytes() == original.read_bytes()
