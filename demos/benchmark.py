#!/usr/bin/env python
"""npgrad's performance, side by side with hand-written NumPy, PyTorch, scikit-learn and micrograd.

    python demos/benchmark.py                 # all workloads (several minutes)
    python demos/benchmark.py --quick         # about a minute: fewer repetitions, epochs and ops
    python demos/benchmark.py --only W1,W3 --reps 9 --markdown out/b.md --json out/b.json

Workloads (the same data, initial weights, graph and batch order for every system):
  W1  digits MLP 64-128-10, Adam lr 1e-3, batch 64: ms per epoch, float64 and float32
  W2  a scalar expression graph of ~20,000 ops (mul, add, pow, relu, tanh): µs per op, fwd + bwd
  W3  a 784-1024-1024-10 MLP training step, batch 256, float32, SGD: ms per step, all cores
  W4  a 1,000,000-op elementwise chain on a (4,) tensor, forward + backward: s and peak RSS growth
  W5  RSS growth over 2,000 W1 steps with gc.disable(), after a warm-up: MB
  W6  one epoch of the digits CNN (conv32-conv64-pool-linear), Adam, batch 64, float32: ms
  W7  backward alone of the W4 chain at 800,000 nodes: s, and the time per node at 800,000
      over that at 100,000 (flat is 1.0)
  W8  NumPy functions called on a small Tensor (np.exp(t)) against the Tensor methods they
      dispatch to (t.exp()): the worst ratio of seven functions (1.0 is free)

Method: every system runs in its own worker process (`--worker SYSTEM`), because torch's and
NumPy's thread pools fight when they share one. The parent sends the workers one repetition at a
time, interleaved (A B C, B C A, ...) so that drift hits every system alike; each worker warms up
before its first timed repetition; figures are medians. W1, W2 and W4 to W8 run with one
BLAS/OpenMP thread, W3 with all cores. W4 and W5 measure memory, so each of their repetitions is
a fresh process. A system that is not installed, or whose import fails, is reported as such.

Layout: this file is the parent (workers, interleaving); benchmark_report.py makes the tables;
benchmark_systems.py is the worker; benchmark_w1.py ... benchmark_w8.py hold what each system
runs for each workload, on the data of benchmark_common.py.

npgrad is driven through its public API only (autograd.Tensor, nn, nn.functional, nn.optim).
"""
import argparse
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time

DEMOS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(DEMOS)
if DEMOS not in sys.path:
    sys.path.insert(0, DEMOS)

import cli  # noqa: E402
from benchmark_common import PROTOCOL_PREFIX, save_w1_data  # noqa: E402
from benchmark_systems import worker_main  # noqa: E402
from benchmark_report import (PARTICIPANTS, SYSTEMS, WORKLOADS, machine_info,  # noqa: E402
                              render_markdown, summarise, to_json)
from benchmark_w2 import w2_shape  # noqa: E402


FULL = dict(reps=7, w1_epochs=5, w1_micrograd_samples=16, w2_ops=20_000, w3_steps=10,
            w4_ops=1_000_000, w5_steps=2000, w5_warmup=300, w6_epochs=2,
            w7_nodes=800_000, w7_short_nodes=100_000, w8_calls=2000)
QUICK = dict(reps=3, w1_epochs=2, w1_micrograd_samples=1, w2_ops=4_000, w3_steps=3,
             w4_ops=100_000, w5_steps=400, w5_warmup=100, w6_epochs=1,
             w7_nodes=80_000, w7_short_nodes=10_000, w8_calls=500)


# ----------------------------------------------------------------------------------------------
# The parent: workers, interleaving, tables.

class WorkerError(RuntimeError):
    pass


class Worker:
    """A `--worker SYSTEM` child process with THREADS BLAS/OpenMP threads."""

    def __init__(self, system, threads):
        env = dict(os.environ)
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
            env[var] = str(threads)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, env.get("PYTHONPATH")) if p)
        self.system = system
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__),
             "--worker", system, "--threads", str(threads)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, text=True,
            env=env, cwd=ROOT)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.hello = None

    def wait_hello(self, timeout):
        """The worker's first message: {"status": "ok", "version"} or why it is unavailable."""
        self.hello = self._receive(timeout)
        return self.hello

    def _read(self):
        for line in self.proc.stdout:
            if line.startswith(PROTOCOL_PREFIX):
                self.lines.put(json.loads(line[len(PROTOCOL_PREFIX):]))
        self.lines.put(None)

    def _receive(self, timeout):
        try:
            msg = self.lines.get(timeout=timeout)
        except queue.Empty:
            self.close(kill=True)
            raise WorkerError(f"{self.system}: no answer within {timeout:.0f} s")
        if msg is None:
            self.proc.wait()
            raise WorkerError(f"{self.system}: worker exited ({self.proc.returncode}): "
                              f"{self.stderr_tail()}")
        return msg

    def stderr_tail(self, lines=3):
        self.stderr.seek(0)
        text = self.stderr.read().strip().splitlines()
        return " | ".join(text[-lines:])

    def request(self, req, timeout):
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        return self._receive(timeout)

    def send_quit(self):
        if self.proc.poll() is None and not self.proc.stdin.closed:
            try:
                self.proc.stdin.write(json.dumps({"quit": True}) + "\n")
                self.proc.stdin.close()
            except OSError:
                pass

    def close(self, kill=False):
        if kill and self.proc.poll() is None:
            self.proc.kill()
        self.send_quit()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.stderr.close()


class Harness:
    def __init__(self, cfg, verbose=False):
        self.cfg = cfg
        self.verbose = verbose
        self.status = {}    # system -> "ok" | "not installed" | "unavailable"
        self.detail = {}    # system -> version or failure text
        self.results = {}   # row key -> system -> {"samples": [...], ...}

    def log(self, msg):
        if self.verbose:
            print(msg, file=sys.stderr, flush=True)

    def _spawn(self, systems, threads, timeout=120):
        """Start a worker per available system at once (imports overlap), then wait for each to
        report; returns {system: Worker} for those that are ready."""
        started = {}
        for system in systems:
            if self.status.get(system, "ok") == "ok":
                started[system] = Worker(system, threads)
        ready = {}
        for system, worker in started.items():
            try:
                hello = worker.wait_hello(timeout)
            except WorkerError as exc:
                self.status[system], self.detail[system] = "unavailable", f"unavailable ({exc})"
                continue
            if hello["status"] != "ok":
                self.status[system], self.detail[system] = hello["status"], hello["detail"]
                worker.close()
                continue
            self.status[system], self.detail[system] = "ok", hello.get("version", "")
            ready[system] = worker
        return ready

    def run_workload(self, workload, requests, fresh, threads, timeout, pause=0.0):
        """`requests`: row key -> request dict. Every repetition sends each row's request to every
        participating system, in an order rotated each repetition."""
        systems = list(PARTICIPANTS[workload])
        workers = {} if fresh else self._spawn(systems, threads)
        for row in requests:
            self.results.setdefault(row, {})
        for rep in range(self.cfg["reps"]):
            order = systems[rep % len(systems):] + systems[:rep % len(systems)]
            for row, req in requests.items():
                for s in order:
                    if self.status.get(s, "ok") != "ok":
                        continue
                    if fresh:  # alone, so that no other process's start-up disturbs it
                        worker = self._spawn([s], threads).get(s)
                    else:
                        worker = workers.get(s)
                    if worker is None:
                        continue
                    self.log(f"{row} rep {rep + 1}/{self.cfg['reps']}: {s}")
                    try:
                        res = worker.request(req, timeout)
                    except WorkerError as exc:
                        res = {"value": None, "error": str(exc)}
                        workers.pop(s, None)
                        worker = None
                    if fresh and worker is not None:
                        worker.close()
                    cell = self.results[row].setdefault(s, {"samples": [], "extra": []})
                    if res.get("skip"):
                        cell["skip"] = res["skip"]
                        continue
                    if res.get("error"):
                        cell.setdefault("errors", []).append(res["error"])
                    cell["samples"].append(res.get("value"))
                    cell["extra"].append({k: v for k, v in res.items() if k != "value"})
                    if pause:
                        time.sleep(pause)
        for w in workers.values():
            w.send_quit()
        for w in workers.values():
            w.close()


def build_requests(cfg, workload, data_path):
    base = {k: cfg[k] for k in ("w1_epochs", "w1_micrograd_samples", "w3_steps", "w4_ops",
                                "w5_steps", "w5_warmup", "w6_epochs", "w7_nodes",
                                "w7_short_nodes", "w8_calls")}
    base["data"] = data_path
    if workload == "W1":
        return {f"W1 {dt}": dict(base, workload="W1", dtype=dt) for dt in ("float64", "float32")}
    if workload == "W2":
        layers, n_ops = w2_shape(cfg["w2_ops"])
        return {"W2": dict(base, workload="W2", w2_layers=layers, w2_ops=n_ops)}
    return {workload: dict(base, workload=workload)}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    p = cli.Parser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="about a minute: fewer reps, epochs and ops")
    p.add_argument("--only", default=",".join(WORKLOADS), help="workloads to run, e.g. W1,W3")
    p.add_argument("--reps", type=int, help="repetitions per system (default 7, quick 3)")
    p.add_argument("--markdown", default=os.path.join(ROOT, "out", "benchmark.md"),
                   help="where to write the Markdown table (default out/benchmark.md)")
    p.add_argument("--json", default=os.path.join(ROOT, "out", "benchmark.json"),
                   help="where to write the JSON results (default out/benchmark.json)")
    p.add_argument("--systems", default=",".join(SYSTEMS), help=argparse.SUPPRESS)
    p.add_argument("-v", "--verbose", action="store_true", help="log each repetition to stderr")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.worker:
        worker_main(args.worker, args.threads)
        return 0

    workloads = [w.strip().upper() for w in args.only.split(",") if w.strip()]
    unknown = [w for w in workloads if w not in WORKLOADS]
    if unknown:
        p.error(f"unknown workload(s) {unknown}; choose from {','.join(WORKLOADS)}")
    cfg = dict(QUICK if args.quick else FULL)
    if args.reps is not None:
        if args.reps < 1:
            p.error("--reps must be at least 1")
        cfg["reps"] = args.reps
    chosen = [s.strip() for s in args.systems.split(",") if s.strip()]
    harness = Harness(cfg, verbose=args.verbose)
    for s in SYSTEMS:
        if s not in chosen:
            harness.status[s], harness.detail[s] = "not run", "not run"

    cores = os.cpu_count() or 1
    try:
        load_before = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load_before = None
    rows = []
    with tempfile.TemporaryDirectory(prefix="npgrad-bench-") as tmp:
        data_path = None
        if {"W1", "W5", "W6"} & set(workloads):
            data_path = os.path.join(tmp, "digits.npz")
            save_w1_data(data_path)
        for w in WORKLOADS:
            if w not in workloads:
                continue
            requests = build_requests(cfg, w, data_path)
            if w == "W3":
                # all cores; a pause lets the previous system's spinning thread pool go idle
                harness.run_workload(w, requests, fresh=False, threads=cores, timeout=600,
                                     pause=0.3)
            elif w in ("W4", "W5"):
                harness.run_workload(w, requests, fresh=True, threads=1, timeout=900)
            else:
                harness.run_workload(w, requests, fresh=False, threads=1, timeout=900)
            rows += list(requests)
            if w == "W4":
                rows.append("W4 memory")
            if w == "W7":
                rows.append("W7 scaling")

    table = summarise(harness, workloads)
    info = machine_info()
    info["load_average_before"] = load_before
    markdown = render_markdown(harness, table, info, rows, argv)
    print(markdown)
    results = json.dumps(to_json(harness, table, info, rows, argv), indent=1)
    for path, text in ((args.markdown, markdown), (args.json, results)):
        if path:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
    print(f"written: {args.markdown}, {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    cli.run_main(main)

