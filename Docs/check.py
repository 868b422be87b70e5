#!/usr/bin/env python3
"""`make docs-check`: what the docs say that the tree itself can prove.

- README's speed sentence carries the range of the latest runs in Docs/performance.md
  ("Latest results": the table of full `make bench` runs), so the two cannot drift apart
  again when a new run is written down.
- README's `make deps` paragraph names every package of the Makefile's APT_PKGS.
- The usage block at the top of Docs/server.md and Docs/client.md names every option
  that `tunnel server --help` / `tunnel client --help` lists (with a binary to ask).

Usage: Docs/check.py [TUNNEL_BINARY]. Exit 1 with one line per mismatch, each saying
what the doc should read.
"""
import re
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent


def flat(text):
    """Markdown wraps lines anywhere; compare with runs of whitespace as one space."""
    return re.sub(r"\s+", " ", text)


def rounded(value, places):
    return str(Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def latest_runs(performance):
    """(date, tunnel TCP figures, wireguard-go TCP figures) of "## Latest results"."""
    section = performance.split("\n## Latest results", 1)[1].split("\n### ", 1)[0]
    date = re.search(r"Date: (\d{4}-\d{2}-\d{2})", section).group(1)
    figures = {"tunnel": {}, "wireguard-go": {}}
    # | 05:27 tunnel | 2.75 / 2.83 | 2.31 / 2.11 | 1.53 / 1.85 | 0.436 / 0.532 |
    # The first two columns are TCP point to point and through the NAT, both directions.
    rows = re.findall(r"^\| (\d\d:\d\d) (tunnel|wireguard-go) \| ([^|]+)\| ([^|]+)\|", section, re.M)
    for run, who, p2p, nat in rows:
        figures[who][run] = [Decimal(f.strip()) for f in (p2p + "/" + nat).split("/")]
    if not figures["tunnel"] or figures["tunnel"].keys() != figures["wireguard-go"].keys():
        raise SystemExit("docs-check: no table of runs, each with tunnel and wireguard-go rows, "
                         "under '## Latest results' in Docs/performance.md")
    # Ratios within a run only: runs on a shared machine differ more than the tunnels do.
    ratios = [t / w for run in figures["tunnel"] for t, w in zip(figures["tunnel"][run], figures["wireguard-go"][run])]
    flatten = lambda runs: [f for figures in runs.values() for f in figures]
    return date, flatten(figures["tunnel"]), flatten(figures["wireguard-go"]), ratios


def span(figures, places, separator="-"):
    values = sorted(figures)
    return f"{rounded(values[0], places)}{separator}{rounded(values[-1], places)}"


def check_speed(readme, problems):
    date, ours, theirs, ratios = latest_runs((TOP / "Docs/performance.md").read_text())
    want = [f"Measured with `sudo make bench` on {date}",
            f"TCP {span(ours, 1)} Gbit/s against wireguard-go's {span(theirs, 2)}",
            f"{span(ratios, 1, ' to ')} times as fast"]
    for phrase in want:
        if not re.search(re.escape(phrase) + r"(?![\d.])", flat(readme)):
            problems.append(f"README.md, section Speed, should say: {phrase} "
                            "(from the latest runs in Docs/performance.md)")


def check_deps(readme, problems):
    makefile = (TOP / "Makefile").read_text()
    block = re.search(r"^APT_PKGS\s*:=((?:.*\\\n)*.*)", makefile, re.M).group(1)
    packages = block.replace("\\\n", " ").split()
    paragraph = flat(readme.split("`make deps` installs only what is missing", 1)[1].split("\n\n")[0])
    listed = set(re.findall(r"[a-z0-9][a-z0-9.+-]*[a-z0-9]", paragraph))
    missing = [p for p in packages if p not in listed]
    if missing:
        problems.append(f"README.md's `make deps` list lacks: {', '.join(missing)} (the Makefile's APT_PKGS)")


def options(binary, command):
    """Every --option `tunnel COMMAND --help` shows, but --help and --version."""
    text = subprocess.run([binary, command, "--help"], check=True, capture_output=True, text=True).stdout
    found = re.findall(r"^\s+(?:-\w, )?(--[a-z0-9-]+)", text, re.M)
    return [o for o in dict.fromkeys(found) if o not in ("--help", "--version")]


def check_usage(binary, problems):
    for command, doc in (("server", "Docs/server.md"), ("client", "Docs/client.md")):
        usage = re.search(r"```\n(.*?)```", (TOP / doc).read_text(), re.S).group(1)
        missing = [o for o in options(binary, command) if o not in re.findall(r"--[a-z0-9-]+", usage)]
        if missing:
            problems.append(f"{doc}'s usage block lacks {', '.join(missing)} "
                            f"(from `tunnel {command} --help`)")


def main():
    problems = []
    readme = (TOP / "README.md").read_text()
    check_speed(readme, problems)
    check_deps(readme, problems)
    if len(sys.argv) > 1:
        check_usage(sys.argv[1], problems)
    for p in problems:
        print(f"docs-check: {p}", file=sys.stderr)
    if problems:
        return 1
    print("docs-check: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
