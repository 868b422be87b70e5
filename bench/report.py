"""bench/report.py: turns what bench.sh collected into a table on stdout and a JSON
file in the output directory (timestamped, plus latest.json).

Usage: report.py MACHINE_FILE RESULTS_FILE OUT_DIR PARTS
  MACHINE_FILE  lines "key<TAB>value" describing the machine and the run
  RESULTS_FILE  lines "RUN KIND VALUE...". RUN is a point-to-point half (veth,
                wireguard-go, tunnel), PATH/IMPL (udp/, nat/, two-clients/ and
                wireguard-go or tunnel) or flood. KIND is iperf_fwd / iperf_rev (paths
                to iperf3 -J files, several for clients run at once), ping (ping
                output), udp_SIZE (an iperf3 -u -J file), cpu_fwd / cpu_rev (the
                server's CPU clock ticks before and after that iperf3 run, or one
                number: the ticks during it), cpu_ends_fwd / cpu_ends_rev (the same
                for all the run's tunnel processes together: both ends point to
                point, server and clients through the NAT; "gone" where one had
                exited), output (the FloodMeasurement output), note or error (a
                message)
  PARTS         comma-separated parts that were asked for
"""

import json
import os
import re
import statistics
import sys

sys.dont_write_bytecode = True  # no __pycache__ in lib/ from a root run
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from machine import read_machine  # noqa: E402  (lib/machine.py, shared with the other report)

HALF_ORDER = ("veth", "wireguard-go", "tunnel")
IMPLS = ("wireguard-go", "tunnel")
PING_TIME = re.compile(r"time=([0-9.]+) ms")
FLOOD_LOSS = re.compile(r"([0-9.]+)% packet loss")
FLOOD_RTT = re.compile(r"= ([0-9.]+)/([0-9.]+)/([0-9.]+)/([0-9.]+) ms")
GBIT = 1e9
GB = 1e9


def load_iperf(path):
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        return None, f"no iperf3 result ({e.__class__.__name__})"
    if data.get("error"):
        return None, f"iperf3: {data['error']}"
    return data, None


def iperf_result(path):
    """Gbit/s received, bytes received and sender retransmits, or an error message."""
    data, error = load_iperf(path)
    if error:
        return {"error": error}
    try:
        end = data["end"]
        received = end["sum_received"]
        result = {"gbit_per_s": received["bits_per_second"] / GBIT, "bytes": received["bytes"]}
        retransmits = end.get("sum_sent", {}).get("retransmits")
        if retransmits is not None:
            result["retransmits"] = retransmits
        return result
    except (KeyError, TypeError):
        return {"error": "iperf3 JSON has no end.sum_received"}


def iperf_sum(paths):
    """Clients run at once: the sum of what their receivers got."""
    results = [iperf_result(p) for p in paths]
    errors = [r["error"] for r in results if "error" in r]
    if errors:
        return {"error": "; ".join(errors)}
    return {
        "gbit_per_s": sum(r["gbit_per_s"] for r in results),
        "bytes": sum(r["bytes"] for r in results),
        "per_client_gbit_per_s": [r["gbit_per_s"] for r in results],
    }


def udp_result(path):
    """Packets per second the receiver got, and the loss it counted."""
    data, error = load_iperf(path)
    if error:
        return {"error": error}
    try:
        r = data["end"]["sum_received"]
        received = r["packets"] - r["lost_packets"]
        return {
            "received_pps": received / r["seconds"],
            "loss_percent": r["lost_percent"],
            "sent_packets": r["packets"],
            "received_packets": received,
            "seconds": r["seconds"],
        }
    except (KeyError, TypeError, ZeroDivisionError):
        return {"error": "iperf3 JSON has no end.sum_received packet counts"}


# The tunnel MTU of the bench's interfaces (TUNNEL_MTU in bench.sh).
TUNNEL_MTU = 1420
# IPv4 and UDP headers of an iperf3 datagram inside the tunnel.
INNER_HEADERS = 28
# A transport message's header (type, receiver index, counter) and Poly1305 tag.
MESSAGE_OVERHEAD = 32


def message_bytes(payload):
    """Bytes a tunnel counts as received for one iperf3 datagram of PAYLOAD bytes: the
    inner packet padded to a multiple of 16 (not past the MTU), plus header and tag, as
    both wireguard-go and tunnel count a peer's rx_bytes."""
    inner = payload + INNER_HEADERS
    return min((inner + 15) // 16 * 16, TUNNEL_MTU) + MESSAGE_OVERHEAD


def ping_result(path):
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        return {"error": f"no ping output ({e.__class__.__name__})"}
    times = [float(t) for t in PING_TIME.findall(text)]
    if not times:
        return {"error": "no ping replies"}
    ordered = sorted(times)
    return {
        "median_ms": statistics.median(times),
        # The nearest-rank 99th percentile: with 500 pings, the 5th worst.
        "p99_ms": ordered[max(0, -(-99 * len(ordered) // 100) - 1)],
        "min_ms": min(times),
        "max_ms": max(times),
        "replies": len(times),
    }


def flood_result(path):
    """FloodMeasurement's rows: 'SERVER | FLOOD | N sent | ping summary; rtt ...'."""
    rows = {}
    try:
        with open(path) as f:
            lines = f.read().split("\n")
    except OSError as e:
        return {"error": f"no flood output ({e.__class__.__name__})"}
    start = lines.index("FLOODS") + 1 if "FLOODS" in lines else len(lines)
    for line in lines[start:]:
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 4 or parts[0] not in IMPLS:
            break
        server, flood, sent, summary = parts
        count = sent.split()[0]
        row = {"sent": int(count), "sent_thousands": int(count) / 1000} if count.isdigit() else {}
        loss = FLOOD_LOSS.search(summary)
        rtt = FLOOD_RTT.search(summary)
        row["loss_percent"] = float(loss.group(1)) if loss else None
        if rtt:
            row["rtt_avg_ms"], row["rtt_max_ms"] = float(rtt.group(2)), float(rtt.group(3))
        rows.setdefault(flood.replace(" ", "_"), {})[server] = row
    return rows if rows else {"error": "no FLOODS rows in the output"}


def cpu_ticks(values):
    """Clock ticks spent during a run: AFTER - BEFORE, or the one number given; None
    when a process had gone (the sum would be wrong) or the numbers do not parse."""
    try:
        ticks = [int(v) for v in values]
    except ValueError:
        return None
    if len(ticks) == 2:
        return ticks[1] - ticks[0]
    return ticks[0] if len(ticks) == 1 else None


def new_run():
    return {"errors": [], "notes": []}


def read_results(path, parts, clk_tck):
    halves = [h for h in HALF_ORDER if h in parts]
    runs = {h: new_run() for h in halves}
    paths = {}
    cpu = []
    rx = []
    for p in ("udp", "nat", "two-clients"):
        if p in parts:
            for impl in IMPLS:
                paths.setdefault(p, {})[impl] = new_run()
    if "flood" in parts:
        paths["flood"] = new_run()
    with open(path) as f:
        for line in f:
            fields = line.rstrip("\n").split(" ")
            if len(fields) < 3:
                continue
            run_name, kind, *values = fields
            text = " ".join(values)
            if "/" in run_name:
                p, impl = run_name.split("/", 1)
                run = paths.setdefault(p, {}).setdefault(impl, new_run())
            elif run_name == "flood":
                run = paths.setdefault("flood", new_run())
            else:
                run = runs.setdefault(run_name, new_run())
            if kind == "error":
                run["errors"].append(text)
            elif kind == "note":
                run["notes"].append(text)
            elif kind in ("iperf_fwd", "iperf_rev"):
                key = "a_to_b" if kind == "iperf_fwd" else "b_to_a"
                run[key] = iperf_result(values[0]) if len(values) == 1 else iperf_sum(values)
            elif kind in ("ping", "ping_load"):
                run[kind] = ping_result(text)
            elif kind.startswith("udp_rx_"):
                rx.append((run, "udp_" + kind[7:] + "_bytes", int(kind[7:]), cpu_ticks(values)))
            elif kind.startswith("udp_"):
                run["udp_" + kind[4:] + "_bytes"] = udp_result(text)
            elif kind in ("cpu_fwd", "cpu_rev", "cpu_ends_fwd", "cpu_ends_rev"):
                cpu.append((run, kind, cpu_ticks(values)))
            elif kind == "output":
                result = flood_result(text)
                if "error" in result:
                    run["errors"].append(result["error"])
                else:
                    run.update(result)
    # CPU seconds per GB that the iperf3 run moved: the server's (server_cpu_*), and
    # all the run's tunnel processes together (cpu_*).
    for run, kind, ticks in cpu:
        key = "a_to_b" if kind.endswith("_fwd") else "b_to_a"
        prefix = "cpu" if kind.startswith("cpu_ends_") else "server_cpu"
        moved = run.get(key, {}).get("bytes")
        # A process that exited mid-run gives no figure.
        if moved and ticks is not None and ticks >= 0:
            run[key][f"{prefix}_s"] = ticks / clk_tck
            run[key][f"{prefix}_s_per_gb"] = ticks / clk_tck / (moved / GB)
    # Packets the receiving tunnel took in per second, over the seconds iperf3's receiver
    # counted (the rx bytes grow only while packets arrive).
    for run, key, payload, received in rx:
        seconds = run.get(key, {}).get("seconds")
        if seconds and received is not None and received >= 0:
            run[key]["tunnel_received_kpps"] = received / message_bytes(payload) / seconds / 1000
    for run in list(runs.values()) + [r for p in paths.values() for r in
                                      (p.values() if "errors" not in p else [p])]:
        finish(run)
    return runs, paths


def finish(run):
    for key, sub in run.items():
        if isinstance(sub, dict) and "error" in sub:
            run["errors"].append(f"{key}: {sub['error']}")
    run["ok"] = not run["errors"]


def value(run, key, field):
    return (run or {}).get(key, {}).get(field)


# The two directions of a TCP run, as the rows name them.
A_B = ("A->B", "B->A")
UP_DOWN = ("up", "down")


def both_ways(template, group, name, ways):
    """A row per direction (a_to_b, then b_to_a): TEMPLATE with the direction's name."""
    return [(template.format(way), group, key, name, 2) for way, key in zip(ways, ("a_to_b", "b_to_a"))]


# Rows of the table: label, the path's runs, and (key, field) in each run. Lower is
# better for ping, CPU, loss and RTT; the doc says so.
def rows(runs, paths):
    p2p = {impl: runs.get(impl) for impl in ("veth",) + IMPLS if impl in runs}
    out = []
    if p2p:
        out += both_ways("p2p TCP {} Gbit/s", p2p, "gbit_per_s", A_B)
        out += [("p2p ping median ms", p2p, "ping", "median_ms", 3),
                ("p2p ping p99 ms", p2p, "ping", "p99_ms", 3),
                ("p2p ping under load median ms", p2p, "ping_load", "median_ms", 3),
                ("p2p ping under load p99 ms", p2p, "ping_load", "p99_ms", 3)]
        out += both_ways("p2p CPU s/GB {}, 2 ends", p2p, "cpu_s_per_gb", A_B)
    udp = paths.get("udp")
    if udp:
        for size in sorted({k for r in udp.values() for k in r if k.startswith("udp_")},
                           key=lambda k: int(k.split("_")[1])):
            n = size.split("_")[1]
            out += [
                (f"p2p UDP {n} B kpkt/s rcvd", udp, size, "received_kpps", 1),
                (f"p2p UDP {n} B kpkt/s tunnel", udp, size, "tunnel_received_kpps", 1),
                (f"p2p UDP {n} B loss %", udp, size, "loss_percent", 1),
            ]
            for r in udp.values():
                if "received_pps" in r.get(size, {}):
                    r[size]["received_kpps"] = r[size]["received_pps"] / 1000
    nat = paths.get("nat")
    if nat:
        out += both_ways("NAT TCP {} Gbit/s", nat, "gbit_per_s", UP_DOWN)
        out += [("NAT ping median ms", nat, "ping", "median_ms", 3),
                ("NAT ping p99 ms", nat, "ping", "p99_ms", 3),
                ("NAT ping under load median ms", nat, "ping_load", "median_ms", 3),
                ("NAT ping under load p99 ms", nat, "ping_load", "p99_ms", 3)]
        out += both_ways("NAT server CPU s/GB {}", nat, "server_cpu_s_per_gb", UP_DOWN)
        out += both_ways("NAT CPU s/GB {}, all ends", nat, "cpu_s_per_gb", UP_DOWN)
    two = paths.get("two-clients")
    if two:
        out += both_ways("2 clients {}, sum Gbit/s", two, "gbit_per_s", UP_DOWN)
        out += both_ways("2 clients srv CPU s/GB {}", two, "server_cpu_s_per_gb", UP_DOWN)
        out += both_ways("2 clients CPU s/GB {}, all", two, "cpu_s_per_gb", UP_DOWN)
    flood = paths.get("flood")
    # No rows for floods that were not measured at all; the FAILED line says why.
    if flood and any(k in flood for k in ("cookie_holder", "spoofed_sources")):
        for kind, label in (("cookie_holder", "cookie"), ("spoofed_sources", "spoofed")):
            rows_by_impl = flood.get(kind, {})
            out += [
                (f"flood {label}: ping loss %", rows_by_impl, "_", "loss_percent", 0),
                (f"flood {label}: RTT avg ms", rows_by_impl, "_", "rtt_avg_ms", 2),
                (f"flood {label}: RTT max ms", rows_by_impl, "_", "rtt_max_ms", 1),
                (f"flood {label}: sent, 1000s", rows_by_impl, "_", "sent_thousands", 0),
            ]
    return out


def field(run, key, name):
    if key == "_":
        return (run or {}).get(name)
    return value(run, key, name)


def cell(x, digits=2):
    return f"{x:.{digits}f}" if x is not None else "-"


def table(runs, paths):
    lines = [f"{'':28} {'veth':>8} {'wireguard-go':>13} {'tunnel':>9} {'tunnel/wg-go':>13}"]
    ratios = {}
    for label, group, key, name, digits in rows(runs, paths):
        v = field(group.get("veth"), key, name)
        w = field(group.get("wireguard-go"), key, name)
        t = field(group.get("tunnel"), key, name)
        r = t / w if t is not None and w else None
        ratios[label] = r
        lines.append(f"{label:28} {cell(v, digits):>8} {cell(w, digits):>13} {cell(t, digits):>9} "
                     f"{cell(r):>13}")
    return "\n".join(lines), ratios


def all_runs(runs, paths):
    for half, run in runs.items():
        yield half, run
    for p, group in paths.items():
        if "errors" in group:
            yield p, group
        else:
            for impl, run in group.items():
                yield f"{p}/{impl}", run


def main(argv):
    machine_path, results_path, out_dir, parts_arg = argv[1:5]
    machine = read_machine(machine_path)
    parts = parts_arg.split(",")
    clk_tck = int(machine.get("clk_tck") or 100)
    runs, paths = read_results(results_path, parts, clk_tck)
    text, ratios = table(runs, paths)

    print(f"date:    {machine.get('date')}  (load average at start {machine.get('loadavg')})")
    print(f"kernel:  {machine.get('kernel')}")
    print(f"cpu:     {machine.get('cpu')}, {machine.get('cores')} cores")
    print(f"tools:   {machine.get('wireguard-go')}; tunnel {machine.get('tunnel')}; "
          f"{machine.get('iperf3')}")
    print(f"runs:    iperf3 TCP {machine.get('seconds')} s each, UDP {machine.get('udp_seconds')} s "
          f"each, {machine.get('pings')} pings")
    print()
    print(text)
    for name, run in all_runs(runs, paths):
        for note in run["notes"]:
            print(f"{name}: note: {note}")
        for err in run["errors"]:
            print(f"{name}: FAILED: {err}")

    report = {"machine": machine, "runs": runs, "paths": paths, "tunnel_over_wireguard_go": ratios}
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
