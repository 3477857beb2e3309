"""``docker/Dockerfile``: it copies every package the project installs, and the image the tests
build from it is what users get -- non-root, with its health check, the simulator listening where
a published port reaches it, and within its size budget."""

from __future__ import annotations

import json
import tomllib

import pytest

from tests.support.containers import (
    APP_REPOSITORY,
    DOCKERFILE,
    REPO,
    app_image,
    cached_image,
    copied_paths,
    podman,
)
from tests.support.sim_container import healthcheck, sim_container

# measured 2026-12-06 on Debian 12: 793 MB (base 130, espeak-ng + ffmpeg 549, Python packages 108);
# without the media tools 245 MB
SIZE_BUDGET_MB = 900
SLIM_BUDGET_MB = 300


def test_the_dockerfile_copies_every_package_and_the_dialplan() -> None:
    include = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    packages = {pattern.rstrip("*") for pattern in include["include"]}
    copied = set(copied_paths(DOCKERFILE))
    assert packages - copied == set(), "docker/Dockerfile does not COPY these packages"
    assert {"pyproject.toml", "README.md", "LICENSE", "dialplan"} <= copied


def test_the_base_image_is_an_argument_defaulting_to_the_official_python_image() -> None:
    lines = DOCKERFILE.read_text().splitlines()
    assert "ARG BASE=python:3.11-slim-bookworm" in lines
    assert "FROM ${BASE}" in lines


@pytest.mark.containers
def test_the_image_runs_as_hotline_with_its_health_check_and_within_its_budget() -> None:
    engine = podman()
    image = json.loads(engine.run("image", "inspect", app_image()).stdout)[0]
    config = image["Config"]
    assert config["User"] == "hotline"
    assert image["Healthcheck"]["Test"] == ["CMD", "hotline", "health"]  # podman: beside Config
    assert config["Entrypoint"] == ["hotline"]
    env = dict(e.split("=", 1) for e in config["Env"])
    assert (env["HOTLINE_SIM__AMI_HOST"], env["HOTLINE_SIM__SPOOL_DIR"]) == ("0.0.0.0", "/var/spool/asterisk")
    size_mb = image["Size"] / 1e6
    assert size_mb < SIZE_BUDGET_MB, f"the image weighs {size_mb:.0f} MB"
    uid = engine.run("run", "--rm", "--entrypoint", "id", app_image(), "-u")
    assert uid.stdout.strip() == "10001"


@pytest.mark.containers
def test_without_the_media_tools_the_image_is_small_runs_the_simulator_and_says_what_prompts_need() -> None:
    engine = podman()
    inputs = [REPO / ".dockerignore", *(REPO / name for name in copied_paths(DOCKERFILE))]
    slim = cached_image(
        f"{APP_REPOSITORY}-slim",
        DOCKERFILE,
        inputs=inputs,
        build_args=["MEDIA_TOOLS="],
        what=" without media tools",
    )
    size_mb = json.loads(engine.run("image", "inspect", slim).stdout)[0]["Size"] / 1e6
    assert size_mb < SLIM_BUDGET_MB, f"the image without media tools weighs {size_mb:.0f} MB"
    with sim_container(image=slim) as sim:
        assert healthcheck(sim.container).returncode == 0
        said = engine.run("exec", sim.container, "hotline", "health").stdout
        assert said == f"ok   AMI on 127.0.0.1:{sim.ami_port}\n"
    refused = engine.run("run", "--rm", slim, "prompts", "build", check=False)
    assert refused.returncode == 1
    assert "espeak-ng not found: install it" in refused.stdout
