"""An ExifTool never outlives the packager: killed with it, and not killed early when a worker thread ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .conftest import ROOT

#: Starts a session from a worker thread that then ends, proves the ExifTool survived that,
#: prints its process id, and dies as a killed packager would: with no chance to clean up.
SCRIPT = """
import os, signal, time
from concurrent.futures import ThreadPoolExecutor
from packager.files.exiftool import ExifToolSession
session = ExifToolSession()
with ThreadPoolExecutor(max_workers=1) as pool:
    pool.submit(session.start).result()
time.sleep(0.5)  # the worker thread that asked for it has ended
popen = session._process._process
print(popen.pid, popen.poll() is None, session.read({image!r}).get("File:FileType"), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def gone(pid: int) -> bool:
    """True when ``pid`` has ended (a zombie waiting for its new parent to reap it counts)."""
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in state or "\nState:\tX" in state


def test_an_exiftool_ends_when_the_packager_is_killed(tmp_path: Path) -> None:
    image = ROOT / "collection" / "images" / "Surv - 001.jpg"
    proc = subprocess.run([sys.executable, "-c", SCRIPT.format(image=str(image))], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    pid_text, alive, file_type = proc.stdout.split()
    assert alive == "True" and file_type == "JPEG"  # it outlived the thread that started it, and worked
    pid = int(pid_text)
    deadline = time.monotonic() + 30
    while not gone(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        assert gone(pid), "the ExifTool of a killed packager is still running"
    finally:
        if not gone(pid):
            os.kill(pid, signal.SIGKILL)
