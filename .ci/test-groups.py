#!/usr/bin/env python3
"""Splits the XCTest bundle's tests into WORKERS groups of about equal time, for
.ci/parallel-test. Tests are kept together by class (a class shares its fixtures'
names and its time is known as a whole); classes are dealt, heaviest first, to the
lightest group, with the weights of .ci/test-weights (seconds per class from a full
run; a class not listed weighs 1 s).

Usage: test-groups.py WORKERS WEIGHTS SKIP_REGEX < `BUNDLE --list-tests`
Prints one line per group: its tests as XCTest's comma-separated filter.
"""
import re
import sys

workers, weights_path, skip = int(sys.argv[1]), sys.argv[2], re.compile(sys.argv[3])
weights = {}
for line in open(weights_path):
    line = line.strip()
    if line and not line.startswith("#"):
        name, seconds = line.split()
        weights[name] = float(seconds)

classes = {}
for line in sys.stdin:
    test = line.strip()
    if not re.fullmatch(r"\w+\.\w+/\w+", test) or skip.search(test):
        continue
    cls = test.split("/")[0]
    classes.setdefault(cls, []).append(test)

groups = [[0.0, []] for _ in range(workers)]
for cls in sorted(classes, key=lambda c: (-weights.get(c.split(".")[1], 1.0), c)):
    lightest = min(groups, key=lambda g: g[0])
    lightest[0] += weights.get(cls.split(".")[1], 1.0)
    lightest[1].extend(classes[cls])
for seconds, tests in groups:
    if tests:
        print(",".join(tests))
