"""soak/report.py: judges what soak.sh collected, prints a summary table and writes
the JSON result (timestamped, plus latest.json). Exits 1 when the soak failed.

Usage: report.py WORK_DIR OUT_DIR
  WORK_DIR holds:
    machine                  lines "key<TAB>value" describing the machine and the run
    results                  lines "KIND FIELDS...": start/end MS, rss/rss_start/rss_end
                             T KB, fds_start/fds_end N, restart CLIENT T0_MS T1_MS,
                             churn add|remove MS,
                             failure MESSAGE
    ping-CLIENT.log          `ping -D -O` through the tunnel to the internet host
    ping6-CLIENT.log         `ping -D -O` over IPv6 to the server's tunnel address
    traffic-KIND-CLIENT      lines "EPOCH_MS ok|fail|corrupt BYTES"
    status-end.json          the server's `tunnel status --json` at the end
    tun-end.json             `ip -s -j link show` of the server's TUN at the end
"""

import json
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in lib/ from a root run
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from machine import read_machine  # noqa: E402  (lib/machine.py, shared with the other report)

CLIENTS = ("client1", "client2")
TRAFFIC = ("http", "iperf", "udp")
REPLY = re.compile(r"^\[(\d+\.\d+)\] \d+ bytes from .*icmp_seq=(\d+).* time=([0-9.]+) ms")
SEQ = re.compile(r"icmp_seq=(\d+)")


def read_results(path):
    facts = []
    with open(path) as f:
        for line in f:
            kind, _, rest = line.rstrip("\n").partition(" ")
            if kind:
                facts.append((kind, rest))
    return facts


def first(facts, kind):
    return next((rest for k, rest in facts if k == kind), None)


def ping_log(path):
    """Reply times (seconds), the longest round trip (ms) and the number of echo
    requests sent."""
    replies, highest, rtt = [], 0, 0.0
    try:
        with open(path) as f:
            for line in f:
                m = REPLY.match(line)
                if m:
                    replies.append(float(m.group(1)))
                    rtt = max(rtt, float(m.group(3)))
                for seq in SEQ.findall(line):
                    highest = max(highest, int(seq))
    except OSError:
        pass
    return sorted(replies), highest, rtt


def downtime(replies, start, end, restarts):
    """The longest stretch in [start, end] without a reply, and each restart's
    recovery: from the SIGTERM to the first reply after it."""
    points = [start] + [r for r in replies if start < r < end] + [end]
    longest, at = 0.0, start
    for a, b in zip(points, points[1:]):
        if b - a > longest:
            longest, at = b - a, a
    recoveries = []
    for t0 in restarts:
        after = next((r for r in replies if r > t0), None)
        recoveries.append(None if after is None else round(after - t0, 2))
    return round(longest, 2), round(at - start, 1), recoveries


def traffic(path):
    counts = {"ok": 0, "fail": 0, "corrupt": 0, "bytes": 0}
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[1] in counts:
                    counts[parts[1]] += 1
                    if parts[1] == "ok":
                        counts["bytes"] += int(parts[2])
    except OSError:
        pass
    return counts


def add_counters(into, counters):
    for reason, n in (counters or {}).items():
        into[reason] = into.get(reason, 0) + n


def server_status(path):
    """Handshakes per client and drops (device, NAT, per peer) from the final status."""
    try:
        with open(path) as f:
            iface = json.load(f)["interfaces"][0]
    except (OSError, ValueError, KeyError, IndexError):
        return None
    handshakes, peer_drops = {}, {}
    for peer in iface.get("peers", []):
        name = (peer.get("name") or "").removeprefix("soak-")
        if name in CLIENTS:
            handshakes[name] = peer.get("handshakes")
        add_counters(peer_drops, peer.get("drops"))
    nat = iface.get("nat") or {}
    return {
        "handshakes": handshakes,
        "drops": {"device": iface.get("drops", {}), "nat": nat.get("drops", {}), "peers": peer_drops},
        "nat_mappings": nat.get("mappings", {}),
    }


def judge(machine, facts, work):
    failures = [rest for kind, rest in facts if kind == "failure"]
    seconds = int(machine["seconds"])
    leak_kb = int(machine["leak_limit_mb"]) * 1024
    down_limit = float(machine["down_limit_s"])
    rekey = int(machine["rekey_s"])
    result = {"date": machine.get("date"), "machine": machine, "seconds": seconds}

    series = [tuple(map(int, rest.split())) for kind, rest in facts if kind == "rss" and len(rest.split()) == 2]
    rss_start, rss_end = first(facts, "rss_start"), first(facts, "rss_end")
    rss = {"series_kb": series, "peak_kb": max((kb for _, kb in series), default=None)}
    if rss_start and rss_end:
        rss["start_kb"] = int(rss_start.split()[1])
        rss["start_at_s"] = int(rss_start.split()[0])
        rss["end_kb"] = int(rss_end.split()[1])
        rss["growth_kb"] = rss["end_kb"] - rss["start_kb"]
        if rss["growth_kb"] > leak_kb:
            failures.append(f"server RSS grew {rss['growth_kb']} kB (limit {leak_kb} kB)")
    else:
        failures.append("no RSS reading at the start and the end: the run stopped early")
    result["rss"] = rss
    fds_start, fds_end = first(facts, "fds_start"), first(facts, "fds_end")
    result["open_fds"] = {"start": int(fds_start) if fds_start else None, "end": int(fds_end) if fds_end else None}

    start_ms, end_ms = first(facts, "start"), first(facts, "end")
    start = int(start_ms) / 1000 if start_ms else None
    end = int(end_ms) / 1000 if end_ms else None
    clients = {}
    for client in CLIENTS:
        restarts = [int(rest.split()[1]) / 1000 for kind, rest in facts
                    if kind == "restart" and rest.split()[0] == client]
        replies, sent, rtt = ping_log(os.path.join(work, f"ping-{client}.log"))
        replies6, sent6, _ = ping_log(os.path.join(work, f"ping6-{client}.log"))
        entry = {"pings": {"sent": sent, "replies": len(replies), "max_rtt_ms": rtt},
                 "pings6": {"sent": sent6, "replies": len(replies6)},
                 "restarts": len(restarts)}
        if start and end:
            longest, at, recoveries = downtime(replies, start, end, restarts)
            entry.update(max_down_s=longest, max_down_at_s=at, restart_recovery_s=recoveries)
            if longest > down_limit:
                failures.append(f"{client} had no ping reply for {longest} s from t={at}s (limit {down_limit:g} s)")
        for kind in TRAFFIC:
            entry[kind] = traffic(os.path.join(work, f"traffic-{kind}-{client}"))
            if entry[kind]["corrupt"]:
                failures.append(f"{client}: {entry[kind]['corrupt']} {kind} transfers arrived corrupt")
            if entry[kind]["ok"] == 0:
                failures.append(f"{client}: no {kind} transfer succeeded")
        clients[client] = entry
    result["clients"] = clients

    status = server_status(os.path.join(work, "status-end.json"))
    if status is None:
        if end:
            failures.append("no `tunnel status --json` from the server at the end")
    else:
        result.update(status)
        # Each client's session must have been renewed about every REKEY seconds;
        # half that many proves the hidden rekey option was in force.
        least = seconds // (2 * rekey)
        for client in CLIENTS:
            received = (status["handshakes"].get(client) or {}).get("received", 0)
            if received < least:
                failures.append(f"{client}: {received} handshakes in {seconds} s, expected at least {least} "
                                f"with a rekey every {rekey} s")

    try:
        with open(os.path.join(work, "tun-end.json")) as f:
            stats = json.load(f)[0]["stats64"]
        result["server_tun"] = {"tx_dropped": stats["tx"]["dropped"], "rx_dropped": stats["rx"]["dropped"]}
    except (OSError, ValueError, KeyError, IndexError):
        pass

    churn = {"add": [], "remove": []}
    for kind, rest in facts:
        if kind == "churn":
            what, ms = rest.split()
            churn[what].append(int(ms))
    result["peer_churn"] = {what: {"count": len(v), "max_ms": max(v, default=None)} for what, v in churn.items()}
    result["failures"] = failures
    result["passed"] = not failures
    return result


def fmt_counters(counters):
    items = sorted((k, v) for k, v in counters.items() if v)
    return ", ".join(f"{k} {v}" for k, v in items) or "none"


def print_table(r):
    m = r["machine"]
    print(f"\nsoak {r['date']}: {r['seconds']} s, {m.get('tunnel', '?')}, kernel {m.get('kernel')}, "
          f"{m.get('cores')} cores, load {m.get('loadavg')} (end {m.get('loadavg_end', '?')})")
    rss = r["rss"]
    if "start_kb" in rss:
        print(f"server RSS: {rss['start_kb']} kB at t={rss['start_at_s']}s -> {rss['end_kb']} kB at the end "
              f"({rss['growth_kb']:+d} kB; peak {rss['peak_kb']} kB; limit +{int(m['leak_limit_mb']) * 1024} kB); "
              f"open fds {r['open_fds']['start']} -> {r['open_fds']['end']}")
    print()
    header = ("client", "handshakes s/r/f", "pings sent/ok", "max rtt", "max down", "restart recovery",
              "http ok/fail", "iperf ok/fail", "udp ok/fail", "ping6 sent/ok")
    rows = []
    for client, c in r["clients"].items():
        hs = (r.get("handshakes") or {}).get(client) or {}
        rec = [x for x in c.get("restart_recovery_s", []) if x is not None]
        rows.append((client,
                     f"{hs.get('sent', '-')}/{hs.get('received', '-')}/{hs.get('failed', '-')}",
                     f"{c['pings']['sent']}/{c['pings']['replies']}",
                     f"{c['pings']['max_rtt_ms']:.0f} ms",
                     f"{c.get('max_down_s', '-')} s",
                     f"{c['restarts']}x, max {max(rec)} s" if rec else f"{c['restarts']}x",
                     f"{c['http']['ok']}/{c['http']['fail']}",
                     f"{c['iperf']['ok']}/{c['iperf']['fail']}",
                     f"{c['udp']['ok']}/{c['udp']['fail']}",
                     f"{c['pings6']['sent']}/{c['pings6']['replies']}"))
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    for row in (header, *rows):
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip())
    if "drops" in r:
        d = r["drops"]
        print(f"\ndrops: device: {fmt_counters(d['device'])}; NAT: {fmt_counters(d['nat'])}; "
              f"peers: {fmt_counters(d['peers'])}")
    if "server_tun" in r:
        print(f"server TUN (kernel): {r['server_tun']['tx_dropped']} packets dropped on the way to tunnel "
              f"(queue full), {r['server_tun']['rx_dropped']} from it")
    ch = r["peer_churn"]
    print(f"peer churn: {ch['add']['count']} added, {ch['remove']['count']} removed, seen by the server "
          f"within {max(ch['add']['max_ms'] or 0, ch['remove']['max_ms'] or 0)} ms")
    if r["failures"]:
        print("\nFAILED:")
        for f in r["failures"]:
            print(f"  - {f}")
    else:
        print("\nPASSED")


def main():
    work, out_dir = sys.argv[1], sys.argv[2]
    machine = read_machine(os.path.join(work, "machine"))
    facts = read_results(os.path.join(work, "results"))
    result = judge(machine, facts, work)
    print_table(result)
    os.makedirs(out_dir, exist_ok=True)
    text = json.dumps(result, indent=2) + "\n"
    for name in (f"soak-{machine.get('stamp', 'run')}.json", "latest.json"):
        with open(os.path.join(out_dir, name), "w") as f:
            f.write(text)
    print(f"\nresult: {os.path.join(out_dir, 'latest.json')}")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
