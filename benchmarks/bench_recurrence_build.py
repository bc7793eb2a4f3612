"""Graph build time of a 400-tick GRU Recurrence (bench_layer_build.py's `recurrence`: GRUCell inside a
Recurrence, construction and get_output) on two trees in one run: a baseline checkout (say, the commit a branch
started from, with its engine built) against this tree. Each tree runs in its own subprocess (its own
`python/` and `libagentnet.so`); the subprocesses alternate for --repeats rounds and the best time of each tree is
kept, so machine noise hits both alike. Prints both times, their ratio (this tree / baseline) and the tensor-ops
anchor of each run.

    swift build -c release -Xswiftc -static-stdlib --product agentnet     # in both trees
    python benchmarks/bench_recurrence_build.py --baseline /path/to/baseline [--ticks 400] [--repeats 5]
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent

CHILD = """
import json, sys
sys.path.insert(0, {bench!r})
import bench_layer_build as b
print(json.dumps({{"recurrence": b.best_ms(b.recurrence, {ticks}, {rounds}), "anchor": b.best_ms(b.anchor, {ticks}, {rounds})}}))
"""


def run(tree, ticks, rounds):
    env = dict(os.environ, PYTHONPATH=str(tree / "python"), AGENTNET_LIB=str(tree / ".build/release/libagentnet.so"),
               OPENBLAS_NUM_THREADS="1")
    code = CHILD.format(bench=str(HERE), ticks=ticks, rounds=rounds)
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True, cwd="/")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", required=True, type=pathlib.Path, help="a checkout with its engine built (release)")
    ap.add_argument("--ticks", type=int, default=400)
    ap.add_argument("--repeats", type=int, default=5, help="alternating subprocess rounds per tree")
    ap.add_argument("--rounds", type=int, default=3, help="builds per subprocess (best kept)")
    args = ap.parse_args()
    trees = {"baseline": args.baseline.resolve(), "this tree": HERE.parent}
    for name, tree in trees.items():
        if not (tree / ".build/release/libagentnet.so").exists():
            sys.exit(f"{name} ({tree}) has no .build/release/libagentnet.so; build it first (see the docstring)")
    sys.path.insert(0, str(HERE))
    from _common import header
    print(header())
    best = {name: {"recurrence": float("inf"), "anchor": float("inf")} for name in trees}
    for _ in range(args.repeats):
        for name, tree in trees.items():
            r = run(tree, args.ticks, args.rounds)
            for k in r:
                best[name][k] = min(best[name][k], r[k])
    for name in trees:
        print(f"{name:>9}: {args.ticks}-tick GRU Recurrence build {best[name]['recurrence']:.0f} ms "
              f"(tensor-ops anchor {best[name]['anchor']:.0f} ms)")
    print(f"ratio this tree / baseline: {best['this tree']['recurrence'] / best['baseline']['recurrence']:.2f}")


if __name__ == "__main__":
    main()
