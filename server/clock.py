"""The injectable "now": the real clock, or the frozen one of the configuration (the demo, evaluations)."""
from __future__ import annotations

from datetime import datetime, timezone

from server.config import Config

DEMO_NOW = datetime(2023, 11, 30, tzinfo=timezone.utc)  # the demo dataset's (WorkBench's) "now"


def now(config: Config) -> datetime:
    """What time it is for this process: `CLOCK_NOW` when set, else the real UTC time."""
    return config.clock_now or datetime.now(timezone.utc)
