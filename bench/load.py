"""Concurrent people driving whole SOP journeys through the JSON API, on the production
layout (gunicorn + PostgreSQL + ``alur worker``) and on the embedded default (``alur run``,
SQLite), against the engine bench measured in the same run.

    .venv/bin/python bench/load.py [--users 10] [--journeys 200] [--seconds 45]
                                   [--layout both|postgres|embedded]

``--users`` people (one in five staff, one in five approvers, at least one of each, the
rest requesters) act at once, each a thread with its own API token (``bench/load_people.py``).
Every ``--revise-every``-th journey is declined once by the approver and revised by its
requester. A layout's run ends after ``--journeys`` journeys or when ``--seconds`` have
passed (no journey starts after that; one not finished ``--grace`` seconds later is an
error). Everything is on loopback: Jitsi links (no network), mail to an SMTP server in this
process.

For each layout it prints journeys/s and task completions/s (a start with its form, and
each completion answered 200), count and p50/p95/p99 per route, the expected claim
conflicts (409) apart from errors, the outbox, and ``ratio http/engine``: task
completions/s over HTTP ÷ task completions/s of the engine facade in
``bench/engine_throughput.py`` (its instances/s × 7 user tasks; one thread, SQLite,
in-process), run just before each layout starts. Exits 1 when any error happened or any
journey did not finish.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from types import FrameType

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine_throughput import through_engine  # noqa: E402
from load_layouts import (  # noqa: E402
    Mailbox,
    Running,
    drain,
    embedded_layout,
    job_counts,
    postgres_layout,
    smtp_server,
)
from load_people import Api, Run, Tally, lane_worker, percentile, requester  # noqa: E402

from tests.support.journey import FPVC  # noqa: E402

USER_TASKS_PER_ENGINE_INSTANCE = 7  # bench/engine_throughput.py: one "not signed" pass


def split(users: int) -> dict[str, int]:
    staff = approvers = max(1, users // 5)
    return {"requesters": max(1, users - staff - approvers), "staff": staff,
            "approvers": approvers}


def drive(running: Running, args: argparse.Namespace) -> Tally:
    """Start every person's thread, wait for the requesters, then stop the others."""
    tally = Tally()
    now = time.monotonic()
    run = Run(args.journeys, now + args.seconds, now + args.seconds + args.grace, args.poll,
              args.revise_every)
    people = running.people

    def api(name: str) -> Api:
        return Api(running.url, name, people.tokens[name], tally)

    requesters = [threading.Thread(target=requester, args=(api(n), run, FPVC), daemon=True)
                  for n in people.names["requesters"]]
    workers = [(n, bpmn_id) for kind, bpmn_id in (("staff", "Task_Verifikasi"),
                                                  ("approvers", "Task_Persetujuan"))
               for n in people.names[kind]]
    lanes = [threading.Thread(target=lane_worker, daemon=True,  # each its own random choices
                              args=(api(n), run, bpmn_id, people.password, seed))
             for seed, (n, bpmn_id) in enumerate(workers)]
    for thread in lanes + requesters:
        thread.start()
    try:
        for thread in requesters:
            while thread.is_alive():  # a timeout lets Ctrl+C through
                thread.join(timeout=0.5)
    finally:
        run.stop.set()
        for thread in lanes:
            thread.join(timeout=70)
    return tally


def report(running: Running, tally: Tally, mailbox: Mailbox, mail_before: int,
           engine_completions: float, args: argparse.Namespace) -> int:
    """Print the layout's figures; the number of errors (unfinished journeys included)."""
    names = running.people.names
    seconds = tally.seconds or float("nan")
    unfinished = tally.started - tally.finished
    errors = tally.error_count()
    completions_s = tally.completions / seconds
    print(f"== {running.label} ==")
    print(f"database: {running.database_url}")
    print(f"people: {len(names['requesters'])} requesters, {len(names['staff'])} staff, "
          f"{len(names['approvers'])} approvers; poll {args.poll} s")
    print(f"journeys: {tally.finished} of {tally.started} finished ({tally.declined} declined "
          f"once and revised) in {tally.seconds:.1f} s")
    print(f"throughput: {tally.finished / seconds:.2f} journeys/s, {completions_s:.2f} task "
          f"completions/s ({tally.completions} completions)")
    print(f"{'route':<34}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for route in sorted(tally.times):
        values = tally.times[route]
        print(f"{route:<34}{len(values):>7}" + "".join(
            f"{1000 * percentile(values, p):>9.1f}" for p in (50, 95, 99)))
    conflicts = ", ".join(f"{r} {n}" for r, n in sorted(tally.conflicts.items())) or "none"
    print(f"claim conflicts (409, expected): {conflicts}")
    drained = drain(running.database_url, args.grace)
    jobs, due = job_counts(running.database_url)
    caught_up = (f"caught up {drained:.1f} s after the run" if drained is not None
                 else f"{due} jobs still due {args.grace:.0f} s after the run")
    print(f"outbox: {', '.join(f'{k} {v}' for k, v in sorted(jobs.items()))} jobs, "
          f"{caught_up}; mail received over SMTP: {mailbox.received - mail_before}")
    tracebacks = running.processes.tracebacks()
    print(f"tracebacks in the servers' logs: {len(tracebacks)}")
    errors += jobs.get("failed", 0) + (drained is None) + len(tracebacks)
    print(f"errors: {errors}")
    for line in tally.errors[:10]:
        print(f"  {line}")
    if unfinished and not tally.errors:
        print(f"  {unfinished} journeys did not finish")
    if not tally.finished:
        print("  no journey finished")
    for traceback in tracebacks[:3]:
        print(traceback)
    print(f"ratio http/engine: {completions_s / engine_completions:.2f} "
          f"(task completions/s, {running.label.split(' (')[0]})")
    return errors


def layouts(args: argparse.Namespace, folder: Path, smtp_port: int
            ) -> Iterator[tuple[str, AbstractContextManager[Running]]]:
    counts = split(args.users)
    if args.layout in ("both", "postgres"):
        (folder / "postgres").mkdir()
        yield "postgres", postgres_layout(folder / "postgres", counts, smtp_port, args.poll,
                                          args.web_processes, args.job_workers)
    if args.layout in ("both", "embedded"):
        (folder / "embedded").mkdir()
        yield "embedded", embedded_layout(folder / "embedded", counts, smtp_port, args.poll)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10, help="people acting at once")
    parser.add_argument("--journeys", type=int, default=200, help="journeys per layout (cap)")
    parser.add_argument("--seconds", type=float, default=45,
                        help="no journey starts after this many seconds (per layout)")
    parser.add_argument("--grace", type=float, default=60,
                        help="seconds after --seconds for started journeys to finish")
    parser.add_argument("--layout", choices=("both", "postgres", "embedded"), default="both")
    parser.add_argument("--revise-every", type=int, default=5,
                        help="every n-th journey is declined once and revised (0: none)")
    parser.add_argument("--poll", type=float, default=0.2,
                        help="seconds a person waits before looking again (and the "
                             "worker's poll interval)")
    parser.add_argument("--web-processes", type=int, default=2)
    parser.add_argument("--job-workers", type=int, default=1, help="alur worker processes")
    parser.add_argument("--engine-n", type=int, default=30,
                        help="instances of the engine bench run for the ratio")
    args = parser.parse_args()
    if args.users < 3 or args.journeys < 1 or args.seconds <= 0:
        parser.error("--users must be at least 3, --journeys at least 1, --seconds > 0")
    return args


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the run like Ctrl+C: everything is shut down


def engine_bench(n: int, folder: Path) -> float:
    """Task completions/s of the engine facade, measured just before a layout starts (on a
    shared machine the two figures of a ratio should be taken close together)."""
    (folder / "engine").mkdir()
    rate = through_engine(n, folder / "engine").rate
    completions = rate * USER_TASKS_PER_ENGINE_INSTANCE
    print(f"\nengine bench (facade, SQLite, one thread, in-process): {rate:.2f} instances/s "
          f"= {completions:.1f} task completions/s")
    return completions


def main() -> int:
    args = parse()
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    errors = 0
    with tempfile.TemporaryDirectory(prefix="alur-load-") as tmp, smtp_server() as (port, box):
        print(f"run folder: {tmp} (removed at the end)")
        for name, layout in layouts(args, Path(tmp), port):
            engine_completions = engine_bench(args.engine_n, Path(tmp) / name)
            try:
                with layout as running:
                    mail_before = box.received
                    tally = drive(running, args)
                    errors += report(running, tally, box, mail_before, engine_completions,
                                     args)
            except RuntimeError as err:
                print(f"\n== {name}: could not run ==\n{err}")
                errors += 1
    print(f"\ntotal errors: {errors}")
    return 1 if errors else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the servers and the cluster were stopped on the way out
        print("\ninterrupted: every process and the cluster stopped", file=sys.stderr)
        sys.exit(130)
