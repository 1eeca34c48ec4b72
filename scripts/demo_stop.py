"""`make demo-stop`: stops the hubs `make demo` started."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

DEMO = Path(__file__).resolve().parent.parent / "demo"


def stop_hubs(demo: Path = DEMO) -> None:
    for pid_file in demo.glob("*/serve.pid"):
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text()), signal.SIGTERM)
            print(f"已停止 stopped {pid_file.parent.name}")
        pid_file.unlink()


if __name__ == "__main__":
    stop_hubs()
