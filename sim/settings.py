"""Settings of the simulated Asterisk (``hotline sim``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from cti.ami.settings import DEMO_AMI_SECRET


class SimSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # where the AMI server listens: 0.0.0.0 in a container, so a published port reaches it
    ami_host: str = "127.0.0.1"
    ami_port: int = Field(5038, ge=0, le=65535)
    ami_user: str = "hotline"
    ami_secret: str = DEMO_AMI_SECRET
    dialplan: Path = Path("dialplan/extensions.conf")
    scenario: Path | None = None
    # 1.0 = real time; 10.0 = media, waits and phone timings run ten times faster
    speed: float = Field(1.0, gt=0)
    recordings_dir: Path = Path("var/recordings")
    sounds_dir: Path = Path("var/prompts")
    # Asterisk's spool: MixMonitor's relative file names land in <spool_dir>/monitor (a real
    # Asterisk's is /var/spool/asterisk); None: a "spool" folder beside recordings_dir
    spool_dir: Path | None = None
