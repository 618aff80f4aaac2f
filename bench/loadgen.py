"""What the load benchmarks share: percentiles, and running N client loops at once for a fixed time."""
from __future__ import annotations

import threading
import time
from typing import Callable


def percentile(values: list[float], p: float) -> float:
    """The value at quantile `p` (nearest rank) of `values`."""
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))]


def run_clients(clients: int, seconds: float, client: Callable[[int, float], None]) -> float:
    """Run `client(seed, stop_at)` in `clients` threads (each loops until `time.monotonic()` passes `stop_at`);
    returns the wall time it took."""
    stop_at = time.monotonic() + seconds
    threads = [threading.Thread(target=client, args=(i, stop_at)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started
