"""The tables of demos/benchmark.py: medians, ratios and notes, as Markdown and JSON.

Which systems take part in which workload is declared here too (SYSTEMS, PARTICIPANTS), so that
the harness in benchmark.py and the tables read one list.
"""
import datetime
import os
import platform
import statistics

import numpy as np

from benchmark_w2 import w2_shape

SYSTEMS = ("npgrad", "numpy", "torch", "sklearn", "micrograd")
TITLES = {"npgrad": "npgrad", "numpy": "hand-written numpy", "torch": "PyTorch",
          "sklearn": "scikit-learn MLPClassifier", "micrograd": "micrograd"}
WORKLOADS = ("W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8")
# Which systems each workload compares (others print "–").
PARTICIPANTS = {
    "W1": ("npgrad", "numpy", "torch", "sklearn", "micrograd"),
    "W2": ("npgrad", "torch", "micrograd"),
    "W3": ("npgrad", "numpy", "torch"),
    "W4": ("npgrad", "torch", "micrograd"),
    "W5": ("npgrad", "numpy", "torch"),
    "W6": ("npgrad", "numpy", "torch"),
    "W7": ("npgrad", "torch"),
    "W8": ("npgrad",),
}


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
    if row == "W7":
        return f"W7 backward alone of the W4 chain, {cfg['w7_nodes']:,} nodes: s"
    if row == "W7 scaling":
        return (f"W7 time per node, {cfg['w7_nodes']:,} nodes / {cfg['w7_short_nodes']:,} "
                f"nodes (flat is 1.0)")
    if row == "W8":
        return ("W8 NumPy functions on a (64,) Tensor, np.* / the Tensor method, the worst of "
                "seven (1.0 is free)")
    return row


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(harness, workloads):
    """Row key -> system -> {"median", "samples", "text"}; W4 gets a second row for memory, W7
    one for the growth of its time per node."""
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
        if row == "W7":
            scaling = table.setdefault("W7 scaling", {})
            for s, cell in per_system.items():
                samples = [e.get("per_node_growth") for e in cell["extra"]
                           if "per_node_growth" in e]
                scaling[s] = {"samples": samples, "median": _median(samples), "extra": [],
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
    if workload == "W5":
        text = f"{entry['median']:+.2f}"
    elif row in ("W7 scaling", "W8"):
        text = f"{entry['median']:.2f}×"
    else:
        text = fmt(entry["median"])
    if workload == "W1" and system == "micrograd":
        text = "≥ ~" + text + " (extrapolated)"
    return text


def ratio(table, row, a, b):
    workload = row.split()[0]
    if workload in ("W5", "W8") or row == "W7 scaling":
        return None  # growth near zero, or each system's own growth or ratio: a ratio says nothing
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
                 "in its own process; W1, W2 and W4 to W8 on one BLAS/OpenMP thread, W3 on all "
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
        spent = {s: (_median([e.get("gc_seconds") for e in entry["extra"]]),
                     _median([e.get("gc_full_collections") for e in entry["extra"]]),
                     entry["median"])
                 for s, entry in table.get("W4", {}).items() if entry["extra"]}
        spent = {s: v for s, v in spent.items() if v[0] is not None and v[2]}
        if spent:
            notes.append("W4: time inside Python's garbage collector during the chain: " +
                         ", ".join(f"{TITLES[s]} {gc_s:.2f} s of {total:.2f} s "
                                   f"({full:.0f} full collections)"
                                   for s, (gc_s, full, total) in spent.items()) +
                         "; the collector walks every live graph object, which npgrad's graph "
                         "is made of and PyTorch's is not.")
    if "W7" in rows:
        notes.append(f"W7: the W4 chain built at {cfg['w7_short_nodes']:,} and then "
                     f"{cfg['w7_nodes']:,} nodes, garbage collected, then `.backward()` alone "
                     "timed (the graph is freed as the pass goes, as each system does); the "
                     "scaling row is the time per node at the long chain over that at the short "
                     "one, in the same repetition.")
    w8 = table.get("W8", {}).get("npgrad")
    if "W8" in rows and w8 and w8["extra"]:
        names = w8["extra"][0].get("ratios", {})
        per_function = {name: _median([e["ratios"].get(name) for e in w8["extra"]
                                       if "ratios" in e]) for name in names}
        notes.append("W8: one call's time, np.* over the Tensor method it dispatches to, on a "
                     "(64,) float64 Tensor that requires grad (medians over the repetitions): " +
                     ", ".join(f"{name} {r:.2f}×" for name, r in per_function.items()) +
                     ". numpy's own override check runs before npgrad sees an np.* call.")
        floor = _median([e.get("floor") for e in w8["extra"] if e.get("floor") is not None])
        if floor is not None:
            notes.append(f"W8 floor: np.exp on a Tensor whose __array_ufunc__ does nothing but "
                         f"apply the op, over t.exp(), is {floor:.2f}×: numpy's override "
                         f"protocol alone costs that much, whatever the dispatch.")
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
