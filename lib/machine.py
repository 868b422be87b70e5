"""lib/machine.py: reads the "machine" file that bench/bench.sh and soak/soak.sh write
(lib/netns.sh's machine_facts, then their own lines): one "key<TAB>value" a line.
Imported by bench/report.py and soak/report.py."""


def read_machine(path):
    """The file as a dict of strings; a later line with the same key wins."""
    machine = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("\t")
            machine[key] = value
    return machine
