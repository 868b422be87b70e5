"""bench/report.py: turns what bench.sh collected into a table on stdout and a JSON
file in the output directory (timestamped, plus latest.json).

Usage: report.py MACHINE_FILE RESULTS_FILE OUT_DIR HALVES
  MACHINE_FILE  lines "key<TAB>value" describing the machine and the run
  RESULTS_FILE  lines "HALF KIND VALUE": KIND is iperf_fwd / iperf_rev (path to an
                iperf3 -J file), ping (path to ping output) or error (a message)
  HALVES        comma-separated halves in the order they ran
"""

import json
import os
import re
import statistics
import sys

HALF_ORDER = ("veth", "wireguard-go", "tunnel")
PING_TIME = re.compile(r"time=([0-9.]+) ms")
GBIT = 1e9


def read_machine(path):
    machine = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("\t")
            machine[key] = value
    return machine


def iperf_result(path):
    """Gbit/s received and sender retransmits, or an error message."""
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        return {"error": f"no iperf3 result ({e.__class__.__name__})"}
    if data.get("error"):
        return {"error": f"iperf3: {data['error']}"}
    try:
        end = data["end"]
        result = {"gbit_per_s": end["sum_received"]["bits_per_second"] / GBIT}
        retransmits = end.get("sum_sent", {}).get("retransmits")
        if retransmits is not None:
            result["retransmits"] = retransmits
        return result
    except (KeyError, TypeError):
        return {"error": "iperf3 JSON has no end.sum_received"}


def ping_result(path):
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        return {"error": f"no ping output ({e.__class__.__name__})"}
    times = [float(t) for t in PING_TIME.findall(text)]
    if not times:
        return {"error": "no ping replies"}
    return {
        "median_ms": statistics.median(times),
        "min_ms": min(times),
        "max_ms": max(times),
        "replies": len(times),
    }


def read_results(path, halves):
    runs = {h: {"errors": []} for h in halves}
    with open(path) as f:
        for line in f:
            half, kind, value = line.rstrip("\n").split(" ", 2)
            run = runs.setdefault(half, {"errors": []})
            if kind == "error":
                run["errors"].append(value)
            elif kind in ("iperf_fwd", "iperf_rev"):
                run["a_to_b" if kind == "iperf_fwd" else "b_to_a"] = iperf_result(value)
            elif kind == "ping":
                run["ping"] = ping_result(value)
    for run in runs.values():
        for key in ("a_to_b", "b_to_a", "ping"):
            if "error" in run.get(key, {}):
                run["errors"].append(f"{key}: {run[key]['error']}")
        run["ok"] = not run["errors"]
    return runs


def value(run, key, field):
    return run.get(key, {}).get(field)


def ratio(runs, field_of):
    """tunnel / wireguard-go for each column, where both were measured."""
    t, w = runs.get("tunnel"), runs.get("wireguard-go")
    if not t or not w:
        return None
    out = {}
    for name, (key, field) in field_of.items():
        a, b = value(t, key, field), value(w, key, field)
        out[name] = a / b if a is not None and b else None
    return out if any(v is not None for v in out.values()) else None


COLUMNS = {
    "a_to_b_gbit_per_s": ("a_to_b", "gbit_per_s"),
    "b_to_a_gbit_per_s": ("b_to_a", "gbit_per_s"),
    "ping_median_ms": ("ping", "median_ms"),
}


def cell(x, digits=2):
    return f"{x:.{digits}f}" if x is not None else "-"


def table(runs, ratios):
    lines = [f"{'':20} {'A->B Gbit/s':>12} {'B->A Gbit/s':>12} {'ping ms':>9}"]
    for half, run in runs.items():
        a = value(run, "a_to_b", "gbit_per_s")
        b = value(run, "b_to_a", "gbit_per_s")
        p = value(run, "ping", "median_ms")
        row = f"{half:20} {cell(a):>12} {cell(b):>12} {cell(p, 3):>9}"
        if run["errors"]:
            row += "   FAILED"
        lines.append(row)
    if ratios:
        lines.append(
            f"{'tunnel/wireguard-go':20} {cell(ratios['a_to_b_gbit_per_s']):>12} "
            f"{cell(ratios['b_to_a_gbit_per_s']):>12} {cell(ratios['ping_median_ms']):>9}"
        )
    return "\n".join(lines)


def main(argv):
    machine_path, results_path, out_dir, halves_arg = argv[1:5]
    machine = read_machine(machine_path)
    wanted = [h for h in HALF_ORDER if h in halves_arg.split(",")]
    runs = read_results(results_path, wanted)
    ratios = ratio(runs, COLUMNS)

    print(f"date:    {machine.get('date')}  (load average at start {machine.get('loadavg')})")
    print(f"kernel:  {machine.get('kernel')}")
    print(f"cpu:     {machine.get('cpu')}, {machine.get('cores')} cores")
    print(f"tools:   {machine.get('wireguard-go')}; tunnel {machine.get('tunnel')}; "
          f"{machine.get('iperf3')}")
    print(f"runs:    iperf3 TCP {machine.get('seconds')} s each direction, "
          f"{machine.get('pings')} pings")
    print()
    print(table(runs, ratios))
    for half, run in runs.items():
        for err in run["errors"]:
            print(f"{half}: FAILED: {err}")

    report = {"machine": machine, "runs": runs, "tunnel_over_wireguard_go": ratios}
    os.makedirs(out_dir, exist_ok=True)
    stamped = os.path.join(out_dir, f"bench-{machine.get('stamp', 'unknown')}.json")
    for path in (stamped, os.path.join(out_dir, "latest.json")):
        with open(path, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
    print(f"\nwritten: {stamped}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
