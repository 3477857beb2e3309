"""Suite-wide options.

``--pbx=sim,sim-container,asterisk`` (default all three) chooses what the conformance tests
(``-m conformance``) run against: ``sim`` is ``hotline sim`` started as its own process,
``sim-container`` the same in the application image (``docker/Dockerfile``, built by podman once
per session: ``tests/support/containers.py``; without podman those runs skip saying so, unless
``HOTLINE_REQUIRE_SERVICES=1``), ``asterisk`` the real Asterisk 22 from ``../shared/asterisk``
(or ``HOTLINE_ASTERISK_DIR``); without it those runs skip with a message saying how to point
them at one, unless ``HOTLINE_REQUIRE_ASTERISK=1``.
"""

from __future__ import annotations

import os

import pytest

from tests.support.redis_servers import redis_client  # noqa: F401  (a fixture for every test)

# A node built from default settings plays the prompts it finds in [ivr] prompts_dir (default
# var/prompts, which `./hotline demo` fills in a checkout) by absolute path; tests that expect
# sounds by name must not depend on what that folder holds, so by default they play by name.
# The tests of the production layout set prompts_by_path themselves (tests/e2e/ivr/
# test_prompts_by_path.py; the compose tests' containers do not inherit this).
os.environ.setdefault("HOTLINE_IVR__PROMPTS_BY_PATH", "false")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--pbx",
        default="sim,sim-container,asterisk",
        help="comma-separated PBX kinds the conformance tests run against: sim, sim-container, asterisk "
        "(default: all three)",
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop the seeded demo templates of this session (``tests/support/demo_databases.py``)."""
    from tests.support.demo_databases import drop_demo_templates

    drop_demo_templates()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Build the container images the selected tests need before any test starts, so a cold
    build (a few minutes) is not charged to one test's time limit."""
    from tests.support.containers import prepare_images

    prepare_images(session.items)


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: unknown under -p no:xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """``--dist loadgroup``: the groups of ``tests/support/parallel.py`` (decided from the test
    ids, so no test needs an ``xdist_group`` mark)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from tests.support.parallel import GroupScheduling

    return GroupScheduling(config, log)
