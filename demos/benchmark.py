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

Method: every system runs in its own worker process (`--worker SYSTEM`), because torch's and
NumPy's thread pools fight when they share one. The parent sends the workers one repetition at a
time, interleaved (A B C, B C A, ...) so that drift hits every system alike; each worker warms up
before its first timed repetition; figures are medians. W1, W2, W4, W5 and W6 run with one
BLAS/OpenMP thread, W3 with all cores. W4 and W5 measure memory, so each of their repetitions is a fresh
process. A system that is not installed, or whose import fails, is reported as such.

npgrad is driven through its public API only (autograd.Tensor, nn, nn.functional, nn.optim).
"""
import argparse
import datetime
import json
import os
import platform
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

DEMOS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(DEMOS)
if DEMOS not in sys.path:
    sys.path.insert(0, DEMOS)

from benchmark_common import PROTOCOL_PREFIX, save_w1_data  # noqa: E402
from benchmark_systems import worker_main  # noqa: E402
from benchmark_w2 import w2_shape  # noqa: E402

SYSTEMS = ("npgrad", "numpy", "torch", "sklearn", "micrograd")
TITLES = {"npgrad": "npgrad", "numpy": "hand-written numpy", "torch": "PyTorch",
          "sklearn": "scikit-learn MLPClassifier", "micrograd": "micrograd"}
WORKLOADS = ("W1", "W2", "W3", "W4", "W5", "W6")
# Which systems each workload compares (others print "–").
PARTICIPANTS = {
    "W1": ("npgrad", "numpy", "torch", "sklearn", "micrograd"),
    "W2": ("npgrad", "torch", "micrograd"),
    "W3": ("npgrad", "numpy", "torch"),
    "W4": ("npgrad", "torch", "micrograd"),
    "W5": ("npgrad", "numpy", "torch"),
    "W6": ("npgrad", "numpy", "torch"),
}

FULL = dict(reps=7, w1_epochs=5, w1_micrograd_samples=16, w2_ops=20_000, w3_steps=10,
            w4_ops=1_000_000, w5_steps=2000, w5_warmup=300, w6_epochs=2)
QUICK = dict(reps=3, w1_epochs=2, w1_micrograd_samples=1, w2_ops=4_000, w3_steps=3,
             w4_ops=100_000, w5_steps=400, w5_warmup=100, w6_epochs=1)


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
                                "w5_steps", "w5_warmup", "w6_epochs")}
    base["data"] = data_path
    if workload == "W1":
        return {f"W1 {dt}": dict(base, workload="W1", dtype=dt) for dt in ("float64", "float32")}
    if workload == "W2":
        layers, n_ops = w2_shape(cfg["w2_ops"])
        return {"W2": dict(base, workload="W2", w2_layers=layers, w2_ops=n_ops)}
    return {workload: dict(base, workload=workload)}


def row_label(row, cfg):
    if row == "W1 float64":
        return "W1 digits MLP 64-128-10, Adam, batch 64: ms/epoch, float64"
    if row == "W1 float32":
        return "W1 digits MLP 64-128-10, Adam, batch 64: ms/epoch, float32"
    if row == "W2":
        n_ops = w2_shape(cfg["w2_ops"])[1]
        return f"W2 scalar graph, {n_ops:,} ops (mul add pow relu tanh): µs/op, fwd+bwd"
    if row == "W3":
        return "W3 784-1024-1024-10 SGD step, batch 256, float32, all cores: ms/step"
    if row == "W4":
        return f"W4 {cfg['w4_ops']:,}-op elementwise chain on a (4,) tensor, fwd+bwd: s"
    if row == "W4 memory":
        return f"W4 peak RSS growth of the {cfg['w4_ops']:,}-op chain: MB"
    if row == "W5":
        return f"W5 RSS growth over {cfg['w5_steps']:,} W1 steps, gc.disable(): MB"
    if row == "W6":
        return "W6 digits CNN conv32-conv64-pool-linear, Adam, batch 64, float32: ms/epoch"
    return row


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(harness, workloads):
    """Row key -> system -> {"median", "samples", "text"}; W4 gets a second row for memory."""
    table = {}
    for row, per_system in harness.results.items():
        out = table.setdefault(row, {})
        for s, cell in per_system.items():
            out[s] = {"samples": cell["samples"], "median": _median(cell["samples"]),
                      "extra": cell["extra"], "errors": cell.get("errors"),
                      "skip": cell.get("skip")}
        if row == "W4":
            mem = table.setdefault("W4 memory", {})
            for s, cell in per_system.items():
                samples = [e.get("peak_growth_mb") for e in cell["extra"] if "peak_growth_mb" in e]
                mem[s] = {"samples": samples, "median": _median(samples), "extra": [],
                          "errors": cell.get("errors"), "skip": cell.get("skip")}
    return table


def fmt(x):
    if x is None:
        return "–"
    ax = abs(x)
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 100:
        return f"{x:.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    if ax >= 1:
        return f"{x:.2f}"
    return f"{x:.2g}" if ax >= 0.01 else f"{x:.1g}"


def cell_text(harness, row, system, entry):
    workload = row.split()[0]
    if system not in PARTICIPANTS[workload]:
        return "–"
    status = harness.status.get(system)
    if status in ("not installed", "unavailable", "not run"):
        return status
    if entry is None:
        return "–"
    if entry.get("skip"):
        return "–"
    if system == "micrograd" and workload == "W4":
        extra = next((e for e in entry["extra"] if "recursion_error_at" in e), None) \
            if row == "W4" else None
        if row == "W4 memory":
            return "–"
        if extra:
            return f"RecursionError at {extra['recursion_error_at']:,} ops"
        return "RecursionError"
    if entry["median"] is None:
        return "error"
    text = f"{entry['median']:+.2f}" if workload == "W5" else fmt(entry["median"])
    if workload == "W1" and system == "micrograd":
        text = "≥ ~" + text + " (extrapolated)"
    return text


def ratio(table, row, a, b):
    workload = row.split()[0]
    if workload == "W5":
        return None  # growth near zero: a ratio says nothing
    ea, eb = table.get(row, {}).get(a), table.get(row, {}).get(b)
    if not ea or not eb or ea["median"] is None or eb["median"] is None or eb["median"] == 0:
        return None
    # Repetition i of every system ran side by side in time: the median of the paired ratios
    # cancels the machine's drift better than the ratio of the medians.
    pairs = [x / y for x, y in zip(ea["samples"], eb["samples"]) if x is not None and y]
    if len(pairs) == len(ea["samples"]) == len(eb["samples"]):
        return statistics.median(pairs)
    return ea["median"] / eb["median"]


def machine_info():
    info = {"date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "python": platform.python_version(), "numpy": np.__version__,
            "cores": os.cpu_count(), "cpu": platform.processor() or platform.machine()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info["blas"] = blas_info()
    return info


def blas_info():
    try:
        from threadpoolctl import threadpool_info
        # numpy's own BLAS: scipy (loaded by scikit-learn) may bring a second one
        blas = [p for p in threadpool_info() if p.get("user_api") == "blas"
                and "numpy" in os.path.basename(os.path.dirname(p.get("filepath", "")))]
        if blas:
            p = blas[0]
            return (f"{p.get('internal_api')} {p.get('version')} "
                    f"({p.get('architecture')}, {p.get('threading_layer')})")
    except Exception:
        pass
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')}"
    except Exception:
        return "unknown"


def render_markdown(harness, table, info, rows, argv):
    cfg = harness.cfg
    lines = ["# npgrad benchmark", ""]
    lines.append(f"{info['date']} · {info['cpu']}, {info['cores']} cores · "
                 f"Python {info['python']} · numpy {info['numpy']} with {info['blas']}")
    if info.get("load_average_before"):
        lines.append("")
        load = ", ".join(f"{x:.2f}" for x in info["load_average_before"])
        busy = info["load_average_before"][0] > 0.5
        warning = " — other work shared the machine: figures are noisier." if busy else "."
        lines.append(f"Load average before the run (1, 5, 15 min): {load}{warning}")
    lines.append("")
    versions = []
    for s in SYSTEMS:
        status = harness.status.get(s)
        if status is None:
            continue
        versions.append(f"{TITLES[s]}: {harness.detail.get(s) or status}")
    lines.append("Systems: " + "; ".join(versions) + ".")
    lines.append("")
    lines.append(f"Command: `{' '.join(['python demos/benchmark.py'] + list(argv))}`")
    lines.append("")
    lines.append(f"Medians of {cfg['reps']} interleaved repetitions after a warm-up, each system "
                 "in its own process; W1, W2, W4, W5 and W6 on one BLAS/OpenMP thread, W3 on all "
                 f"{info['cores']} cores. Ratios are npgrad / other, the median of the ratios of "
                 "repetitions run side by side: below 1 means npgrad is faster or smaller.")
    lines.append("")
    header = ["workload"] + [TITLES[s] for s in SYSTEMS] + \
        ["npgrad / numpy", "npgrad / PyTorch", "npgrad / micrograd"]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    for row in rows:
        entries = table.get(row, {})
        cells = [row_label(row, cfg)]
        cells += [cell_text(harness, row, s, entries.get(s)) for s in SYSTEMS]
        for other in ("numpy", "torch", "micrograd"):
            r = ratio(table, row, "npgrad", other)
            cells.append("–" if r is None else f"{r:.2f}×" if r >= 0.01 else f"{r:.1e}×")
        lines.append("| " + " | ".join(cells) + " |")
    notes = render_notes(harness, table, rows)
    if notes:
        lines += ["", "Notes:", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def render_notes(harness, table, rows):
    cfg = harness.cfg
    notes = []
    for s in SYSTEMS:
        if harness.status.get(s) == "unavailable":
            notes.append(f"{TITLES[s]}: {harness.detail[s]}")
    spreads = []
    for row in rows:
        for s, entry in table.get(row, {}).items():
            samples = [v for v in entry["samples"] if v is not None and v > 0]
            if len(samples) > 1 and max(samples) > 1.5 * min(samples) and row.split()[0] != "W5":
                spreads.append(f"{row} {TITLES[s]} {fmt(min(samples))}–{fmt(max(samples))}")
    if spreads:
        notes.append("Noisy (repetitions spread over more than 1.5×): " + "; ".join(spreads) + ".")
    for row in rows:
        for s, entry in table.get(row, {}).items():
            for err in dict.fromkeys(entry.get("errors") or []):
                notes.append(f"{row}, {TITLES[s]}: {err}")
    for row in ("W1 float64", "W1 float32", "W3", "W6"):
        if row not in rows:
            continue
        losses = {s: e["extra"][-1].get("loss") for s, e in table.get(row, {}).items()
                  if e["extra"] and s in ("numpy", "npgrad", "torch")}
        losses = {s: v for s, v in losses.items() if v is not None}
        if len(losses) > 1:
            text = ", ".join(f"{TITLES[s]} {v:.7f}" for s, v in losses.items())
            if row == "W3":
                notes.append(f"W3 check: loss of the last step (same weights, same batch, same "
                             f"SGD) — {text}.")
            else:
                epochs = next(e["extra"][-1].get("epochs_seen") for s, e in table[row].items()
                              if s in losses)
                notes.append(f"{row} check: training loss of epoch {epochs} (same weights, same "
                             f"batches, same Adam) — {text}.")
        source = next((e["extra"][-1].get("data") for e in table.get(row, {}).values()
                       if e["extra"] and e["extra"][-1].get("data")), None)
        if source and source != "sklearn.datasets.load_digits":
            notes.append(f"{row.split()[0]} data: {source}.")
    if "W1 float64" in rows and harness.status.get("micrograd") == "ok":
        notes.append(f"W1 micrograd: forward+backward of {cfg['w1_micrograd_samples']} sample(s) "
                     "and one Adam step, scaled to an epoch, with the garbage collector paused "
                     "(with it on, micrograd's per-sample cost grows with the live graph: a lower "
                     "bound). "
                     "Its pip release lacks tanh, exp and log; they are added to its Value in its "
                     "own closure style (also for W2).")
    if "W1 float64" in rows and harness.status.get("sklearn") == "ok":
        notes.append(f"W1 scikit-learn: fit(max_iter={cfg['w1_epochs']}) on the rows in the "
                     "shared batch order, shuffle=False, alpha=0, time / epochs (its per-call "
                     "input validation amortised as in a real fit; partial_fit would add it "
                     "per epoch). "
                     "Its Adam differs in detail, so its loss is not compared.")
    if "W2" in rows:
        outs = {s: e["extra"][-1].get("output") for s, e in table.get("W2", {}).items()
                if e["extra"] and e["extra"][-1].get("output") is not None}
        if len(outs) > 1:
            vals = list(outs.values())
            agree = max(abs(v - vals[0]) for v in vals) <= 1e-9 * max(1.0, abs(vals[0]))
            notes.append("W2 check: the graph's output " + ("agrees" if agree else "DIFFERS") +
                         " across systems (" +
                         ", ".join(f"{TITLES[s]} {v:.12g}" for s, v in outs.items()) + ").")
        paused = {s: _median([e.get("gc_paused_us_per_op") for e in entry["extra"]])
                  for s, entry in table.get("W2", {}).items() if entry["extra"]}
        paused = {s: v for s, v in paused.items() if v is not None}
        text = ", ".join(f"{TITLES[s]} {fmt(v)}" for s, v in paused.items())
        notes.append("W2: graph construction + backward + release timed together, with Python's "
                     "garbage collector on; with it paused, µs/op: " + text + ".")
    if "W3" in rows:
        e = table.get("W3", {}).get("numpy")
        if e and e["median"]:
            mm = _median([x.get("matmul_ms") for x in e["extra"]])
            if mm:
                notes.append(f"W3: the step's eight matmuls alone take {mm:.1f} ms: hand-written "
                             f"numpy's step runs at {mm / e['median']:.0%} of that bound.")
    if "W6" in rows:
        notes.append("W6: the CNN of `train_digits.py --model cnn` without dropout or shifts (each "
                     "system would draw its own), on the W1 training rows as 1x8x8 images; the "
                     "numpy network is demos/numpy_cnn.py (im2col, one matmul per layer).")
    if "W4" in rows:
        notes.append("W4: forward + backward of the chain, `x * 1.0000001` and `x + 1e-7` "
                     "alternating, then `.sum().backward()`; memory is the peak RSS (VmHWM) above "
                     "the RSS before the chain, in a fresh process per repetition. micrograd is "
                     "probed with growing chains at Python's default recursion limit.")
    return notes


def to_json(harness, table, info, rows, argv):
    out = {"machine": info, "command": "python demos/benchmark.py " + " ".join(argv),
           "config": harness.cfg,
           "systems": {s: {"status": harness.status.get(s), "detail": harness.detail.get(s)}
                       for s in SYSTEMS},
           "rows": {}}
    for row in rows:
        out["rows"][row] = {
            "label": row_label(row, harness.cfg),
            "results": {s: {"text": cell_text(harness, row, s, table.get(row, {}).get(s)),
                            "median": (table.get(row, {}).get(s) or {}).get("median"),
                            "samples": (table.get(row, {}).get(s) or {}).get("samples"),
                            "extra": (table.get(row, {}).get(s) or {}).get("extra")}
                        for s in SYSTEMS},
            "ratios": {f"npgrad/{o}": ratio(table, row, "npgrad", o)
                       for o in ("numpy", "torch", "micrograd")},
        }
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
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
    sys.exit(main())
