"""Export speed against the floor: how close `trialfinder search` comes to the network's pace.

For each number of trials and each latency, the local fake API (``tests/fakeapi.py``) serves the
real records (cycled, with fresh NCT ids), each answer delayed by the latency, and this script
times, side by side in the same run, each in a fresh child process (interpreter start included):

- the floor: a plain client (requests + ``json.loads``) that pages through the very query the
  command sends, with the same ``fields`` and the same pause between requests
  (``--interval``, the tool's default of 1 s), and does nothing else;
- ``trialfinder search --setting any -o out.ndjson``, ``-o out.csv`` and the table (standard
  output to a file: every trial, one tab-separated line each), each with an empty cache (cold);
- the same again with the answers in the cache and the results of the cold run kept
  (warm: no request is sent, no record worked out again; ``trialfinder.resultstore``);
- the same with the answers in the cache but no results kept (warm answers: every record is
  worked out again, as after an upgrade of trialfinder).

It prints each run's wall time, its ratio to the floor (the table has its own floor: a table
asks for each site's details), CPU time per trial (user + system, worker processes included),
and peak memory: of the command's own process, and of all its processes together (sampled every
20 ms from /proc), both as resident sizes (a page two processes share counts twice) and as
proportional set sizes (each shared page divided between its processes: what they take
together). The command's requests are checked to be the floor's, page by page.

``--distinct`` adds the CPU per trial on distinct records, stage by stage, in one process: the
242 real records, each processed once (the fake API repeats them, and any memo keyed on record
text would look free there), then once more (repeated records, what large runs here measure).
The patterns are compiled first (as the first pages of a large export do) and what tagging
remembers is then forgotten (``clear_caches``), so that "distinct" is each record read cold.

    python benchmarks/export_speed.py                        # quick: 1,000 trials, 0 and 300 ms
    python benchmarks/export_speed.py --trials 10000 --latency 300
    python benchmarks/export_speed.py --trials 50000 --latency 300 --outputs ndjson,csv
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import FakeApi, real_records, search_fields_only, studies

OUTPUTS = ("ndjson", "csv", "table")
SEARCH = ["search", "--setting", "any"]  # every trial goes through tags, summary and record

FLOOR = r"""
import json, sys, time
import requests
url, first, interval = sys.argv[1], json.loads(sys.argv[2]), float(sys.argv[3])
session = requests.Session()
session.headers["Accept"] = "application/json"
params, last, trials = first, None, 0
while True:
    if last is not None:
        time.sleep(max(0.0, last + interval - time.monotonic()))
    last = time.monotonic()
    response = session.get(url + "/studies", params=params, timeout=120)
    response.raise_for_status()
    page = json.loads(response.content)
    trials += len(page["studies"])
    token = page.get("nextPageToken")
    if not token:
        break
    params = {k: v for k, v in first.items() if k != "countTotal"}
    params["pageToken"] = token
print(trials)
"""


@dataclass
class Run:
    name: str
    wall: float
    cpu: float
    peak_main_mb: float
    peak_all_mb: float
    peak_shared_mb: float = 0.0  # all processes, each shared page counted once (PSS)
    output: str = ""


class TreeMemory:
    """Samples the resident memory of a process and its descendants (Linux /proc): the
    resident size of each (a page two processes share counts in both) and their proportional
    set sizes (a shared page divided between the processes that share it), whose sum is the
    memory they take together."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_main = 0
        self.peak_all = 0
        self.peak_shared = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            tree = _tree(self.pid)
            sizes = {pid: _status_kb(pid, "VmRSS:") for pid in tree}
            self.peak_main = max(self.peak_main, sizes.get(self.pid, 0))
            self.peak_all = max(self.peak_all, sum(sizes.values()))
            shared = sum(_status_kb(pid, "Pss:", "smaps_rollup") for pid in tree)
            self.peak_shared = max(self.peak_shared, shared)


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo.extend(int(child) for child in children.read().split())
        except OSError:
            pass
    return found


def _status_kb(pid: int, field: str, file: str = "status") -> int:
    """The figure in kB of ``field`` in /proc/PID/``file`` (0 once the process is gone)."""
    try:
        with open(f"/proc/{pid}/{file}") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def timed(name: str, argv: list[str], env: dict[str, str], stdout: Path | None = None) -> Run:
    """Runs ``argv`` in a child process; its wall time, CPU (children included) and memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = stdout.open("wb") if stdout else subprocess.PIPE
    started = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.PIPE)
    memory = TreeMemory(child.pid)
    printed, errors = child.communicate()
    wall = time.perf_counter() - started
    memory.stop()
    if stdout:
        out.close()
    if child.returncode:
        sys.exit(f"{name} failed (exit {child.returncode}): {errors.decode()[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(
        name,
        wall,
        cpu,
        memory.peak_main / 1024,
        memory.peak_all / 1024,
        memory.peak_shared / 1024,
        (printed or b"").decode(),
    )


def command(output: str, folder: Path) -> tuple[list[str], Path | None]:
    """The command line of ``output``, and the file its standard output goes to (a table)."""
    base = [sys.executable, "-m", "trialfinder", *SEARCH]
    if output == "table":
        return base, folder / "table.txt"
    return [*base, "-o", str(folder / f"out.{output}")], None


def written(output: str, folder: Path) -> int:
    """Trials in the file an output wrote."""
    if output == "table":
        # To a file the table is tab-separated, a header line then one line a trial.
        header, *lines = (folder / "table.txt").read_text(encoding="utf-8").splitlines()
        return sum(1 for line in lines if line.startswith("NCT"))
    text = (folder / f"out.{output}").read_bytes()
    if output == "ndjson":
        return text.count(b"\n")
    return text.count(b'\r\n"NCT')


def environment(url: str, interval: float, cache_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "TRIALFINDER_API_URL": url,
        "TRIALFINDER_MIN_INTERVAL": str(interval),
        "TRIALFINDER_CACHE_DIR": str(cache_dir),
        "COLUMNS": "160",
    }


def first_params(output: str, folder: Path) -> dict[str, str]:
    """The parameters of the first page the command asks for (probed on a one-trial server)."""
    with FakeApi(studies(1)) as api:
        argv, stdout = command(output, folder)
        env = environment(api.url, 0, folder / f"probe-{output}")
        out = stdout.open("wb") if stdout else subprocess.DEVNULL
        subprocess.run(argv, env=env, check=True, stdout=out, stderr=subprocess.DEVNULL)
        return api.studies_requests()[0].params


def measure(
    trials: int, latency_ms: float, outputs: list[str], interval: float, repeat: int
) -> list[Run]:
    """The runs of one server; each the fastest of ``repeat`` (the least disturbed)."""
    runs: list[Run] = []
    records = studies(trials)
    with tempfile.TemporaryDirectory() as tmp, FakeApi(records, reuse_pages=True) as api:
        folder = Path(tmp)
        floors: dict[str, tuple[str, list[Any]]] = {}  # fields -> floor name, its requests
        for output in outputs:
            params = first_params(output, folder)
            argv = [sys.executable, "-c", FLOOR, api.url, json.dumps(params), str(interval)]
            if params["fields"] not in floors:
                # Once untimed, so that the server has each page ready (its own work is left
                # out), then timed, at the set latency.
                subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
                api.latency = latency_ms / 1000
                name = "floor" if not floors else "floor (site details)"
                best = None
                for _ in range(repeat):
                    api.requests.clear()
                    run = timed(name, argv, os.environ.copy())
                    if int(run.output) != trials:
                        sys.exit(f"the floor fetched {run.output.strip()} trials, not {trials}")
                    best = run if best is None or run.wall < best.wall else best
                floors[params["fields"]] = (name, [r.params for r in api.studies_requests()])
                runs.append(best)
                api.latency = 0
            floor_name, floor_requests = floors[params["fields"]]
            api.latency = latency_ms / 1000
            for state in ("cold", "warm", "warm answers"):
                best = None
                for attempt in range(repeat):
                    cache = folder / f"cache-{output}-{attempt if state == 'cold' else 0}"
                    if state == "warm answers":
                        (cache / "results.sqlite").unlink(missing_ok=True)
                    api.requests.clear()
                    argv, stdout = command(output, folder)
                    env = environment(api.url, interval, cache)
                    run = timed(f"{output} {state}", argv, env, stdout)
                    run.output = floor_name
                    count = written(output, folder)
                    if count != trials:
                        sys.exit(f"{run.name} wrote {count} trials, not {trials}")
                    sent = [r.params for r in api.studies_requests()]
                    if state == "cold" and sent != floor_requests:
                        sys.exit(f"{run.name} asked for other pages than its floor")
                    if state != "cold" and sent:
                        sys.exit(f"{run.name} sent {len(sent)} requests; the cache should answer")
                    best = run if best is None or run.wall < best.wall else best
                runs.append(best)
            api.latency = 0
    return runs


def report(trials: int, latency_ms: float, runs: list[Run]) -> None:
    floors = {run.name: run.wall for run in runs if run.name.startswith("floor")}
    load = os.getloadavg()[0]
    print(f"\n{trials:,} trials, latency {latency_ms:g} ms (load average {load:.1f} after)")
    print(
        f"  {'run':<22}{'wall':>9}{'x floor':>9}{'CPU/trial':>11}{'peak main':>11}{'peak all':>10}"
        f"{'all, PSS':>10}"
    )
    for run in runs:
        floor = floors.get(run.output) or floors.get(run.name)
        ratio = f"{run.wall / floor:8.2f}x" if floor else ""
        print(
            f"  {run.name:<22}{run.wall:8.2f}s{ratio:>9}{run.cpu / trials * 1000:8.2f} ms"
            f"{run.peak_main_mb:8.0f} MB{run.peak_all_mb:7.0f} MB{run.peak_shared_mb:7.0f} MB",
            flush=True,
        )


DISTINCT = r"""
import json, sys, time
from trialfinder.model import parse_study
from trialfinder.pipeline import TrialResult, to_record
from trialfinder.tagging import tag_trial
from trialfinder.tagging.lexicon import knowledge
from trialfinder.summary import summarize
from trialfinder.templating import check
from trialfinder.tagging import clear_caches
records = json.loads(sys.stdin.read())
knowledge(); check(["summary.txt.j2"])  # the data and the template, compiled once per process
# Every pattern is compiled on its first use: one pass compiles them all, as the first pages of
# a large export do; then what the pass remembered of these records is forgotten.
for trial in [parse_study(r, lazy_sites=True) for r in records]:
    summarize(trial, tags=tag_trial(trial))
clear_caches()
for name in ("distinct", "repeated"):
    clock = time.process_time
    t0 = clock(); trials = [parse_study(r, lazy_sites=True) for r in records]  # no place: as assess
    t1 = clock(); tags = [tag_trial(t) for t in trials]
    t2 = clock(); texts = [summarize(t, tags=g) for t, g in zip(trials, tags)]
    t3 = clock()
    out = [to_record(TrialResult(t, None, g, s)) for t, g, s in zip(trials, tags, texts)]
    t4 = clock()
    n = len(records) / 1000  # ms per trial
    print(name, *(f"{(b - a) / n:.4f}" for a, b in ((t0, t1), (t1, t2), (t2, t3), (t3, t4))))
"""


def distinct(runs: int = 5) -> None:
    """CPU per trial, stage by stage, on each real record once, then on the same again; the
    least of ``runs`` fresh processes for each figure."""
    records = json.dumps([search_fields_only(r) for r in real_records()])
    best: dict[str, list[float]] = {}
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", DISTINCT], input=records, capture_output=True, text=True
        )
        if done.returncode:
            sys.exit(done.stderr)
        for line in filter(None, done.stdout.split("\n")):
            name, *figures = line.split()
            least = best.get(name, [float("inf")] * len(figures))
            best[name] = [min(pair) for pair in zip(least, map(float, figures), strict=True)]
    count = len(json.loads(records))
    print(f"\nCPU per trial in one process, {count} real records (ms per trial, least of {runs})")
    print(f"  {'records':<10}{'parse':>8}{'tags':>8}{'summary':>9}{'record':>8}{'all':>8}")
    for name, (parse, tag, summary, record) in best.items():
        total = parse + tag + summary + record
        print(f"  {name:<10}{parse:8.3f}{tag:8.3f}{summary:9.3f}{record:8.3f}{total:8.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, nargs="+", default=[1000])
    parser.add_argument("--latency", type=float, nargs="+", default=[0, 300], help="ms")
    parser.add_argument("--outputs", default=",".join(OUTPUTS))
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between requests")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the fastest counts")
    parser.add_argument("--distinct", action="store_true", help="CPU on distinct records too")
    args = parser.parse_args()
    outputs = [o for o in args.outputs.split(",") if o]
    if unknown := set(outputs) - set(OUTPUTS):
        parser.error(f"unknown outputs: {', '.join(sorted(unknown))}")
    workers = os.environ.get("TRIALFINDER_WORKERS", "default")
    print(
        f"export speed: {os.cpu_count()} CPUs, TRIALFINDER_WORKERS={workers}, "
        f"{args.interval:g} s between requests, {' '.join(SEARCH)}; "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    for trials in args.trials:
        for latency in args.latency:
            runs = measure(trials, latency, outputs, args.interval, args.repeat)
            report(trials, latency, runs)
    if args.distinct:
        distinct()


if __name__ == "__main__":
    main()
