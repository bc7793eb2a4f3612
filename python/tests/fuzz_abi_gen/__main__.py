"""``python -m fuzz_abi_gen SEED CALLS``: makes CALLS calls from SEED, printing each spec (one JSON line) before it
runs, then ``DONE`` and the calls made per function, so a crash leaves the calls up to the crashing one on stdout."""
import json
import sys

from . import Generator


def main():
    seed, calls = int(sys.argv[1]), int(sys.argv[2])
    g = Generator(seed)

    def before(index, spec):
        sys.stdout.write(json.dumps(spec) + "\n")
        sys.stdout.flush()
    g.before = before
    while g.index < calls:
        g.step()
    sys.stdout.write("DONE " + json.dumps(g.counts) + "\n")


if __name__ == "__main__":
    main()
