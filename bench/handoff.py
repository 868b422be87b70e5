# bench/handoff.py: where a ping's time goes inside one tunnel process (Docs/performance.md,
# "Latency"). Reads `perf script` output of syscall tracepoints recorded during spaced
# pings:
#   perf record -e 'syscalls:sys_exit_epoll_wait,syscalls:sys_enter_recvmmsg,syscalls:sys_enter_read,
#                   syscalls:sys_enter_writev,syscalls:sys_enter_write,syscalls:sys_enter_sendmmsg,
#                   syscalls:sys_enter_sendmsg' -p PID -- sleep 2.5
#   perf script > trace.txt; python3 bench/handoff.py trace.txt
# For each epoll_wait that returns on libdispatch's event thread and is followed by the
# handler's first read on a worker thread, it prints the delay between the two (the
# handoff), and the handler's time from that read to its write out.
import re, sys, statistics
events = []
for line in open(sys.argv[1]):
    m = re.match(r'\s*(\S+)\s+(\d+)\s+\[\d+\]\s+([\d.]+):\s+syscalls:(sys_\w+)', line)
    if not m: continue
    comm, tid, ts, ev = m.group(1), int(m.group(2)), float(m.group(3)), m.group(4)
    events.append((ts, tid, ev))
events.sort()
handoffs, handler = [], []
last_epoll = None
for i, (ts, tid, ev) in enumerate(events):
    if ev == 'sys_exit_epoll_wait':
        last_epoll = (ts, tid)
    elif ev in ('sys_enter_recvmmsg', 'sys_enter_read') and last_epoll:
        if tid != last_epoll[1]:
            handoffs.append((ts - last_epoll[0]) * 1e6)
        else:
            handoffs.append(-1)
        start = ts
        # time from the first read of the handler to its write out
        for ts2, tid2, ev2 in events[i+1:i+40]:
            if tid2 == tid and ev2 in ('sys_enter_writev', 'sys_enter_sendmmsg', 'sys_enter_sendmsg', 'sys_enter_write'):
                handler.append((ts2 - start) * 1e6)
                break
        last_epoll = None
cross = [h for h in handoffs if h >= 0]
same = len([h for h in handoffs if h < 0])
if cross:
    print(f"readiness seen by epoll on one thread, handled on another: {len(cross)} times, median {statistics.median(cross):.1f} us, p90 {sorted(cross)[int(len(cross)*0.9)]:.1f} us; same thread {same} times")
if handler:
    print(f"handler: first read to write out: median {statistics.median(handler):.1f} us over {len(handler)}")
