"""Start measured commands from a small process and report their time and peak memory.

    python -I -S benchmarks/spawn.py < SPEC.json > RESULT.json

SPEC is a list of commands, ``{"argv": [...], "stdout": PATH|null, "stderr":
PATH|null}``; all are started at once and waited for with ``os.wait4``.
RESULT is ``{"seconds": wall time from the first start to the last exit,
"children": [{"code": exit code, "maxrss_kib": peak}]}``.

Why a separate process: on Linux a child's ``ru_maxrss`` starts from the
resident size of the process that started it (``fork`` copies the memory
map, ``vfork``/``posix_spawn`` share it, and ``exec`` keeps the old map's
high-water mark). Measured from the benchmark itself, every child would
report at least the benchmark's own size. This process stays at about
10 MB (no site, only ``os``, ``sys``, ``json``, ``time``), and that is the
floor under every reported peak. It imports nothing from the benchmark.
"""

import json
import os
import sys
import time


def main() -> int:
    spec = json.load(sys.stdin)
    started = time.perf_counter()
    pids = []
    for command in spec:
        actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0)]
        for fd, key in ((1, "stdout"), (2, "stderr")):
            target = command.get(key) or os.devnull
            actions.append((os.POSIX_SPAWN_OPEN, fd, target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644))
        pids.append(os.posix_spawnp(command["argv"][0], command["argv"], os.environ, file_actions=actions))
    children = []
    for pid in pids:
        _, status, usage = os.wait4(pid, 0)
        children.append({"code": os.waitstatus_to_exitcode(status), "maxrss_kib": usage.ru_maxrss})
    json.dump({"seconds": time.perf_counter() - started, "children": children}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
