"""Seeded random and adversarial calls across every function of include/agentnet.h (package fuzz_abi_gen), run in
subprocesses so a crash is caught: the test fails with the crashing call and the smallest replayed sequence that
still crashes, printed as a reproducer.

Run alone for more calls or another seed: ``python test_fuzz_abi.py CALLS SEED`` (prints every crash class).
"""
import atexit
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from fuzz_abi_calls import declared_functions, handle_refs, show_call

HERE = pathlib.Path(__file__).resolve().parent
SEED = 9
CALLS = 30_000
CHUNK = 600
# Claimed tensor sizes are small and true or beyond 2^48 bytes; a low limit keeps even valid graphs cheap.
# Files the calls write go to one scratch directory, removed at exit even when a subprocess crashed.
SCRATCH = tempfile.mkdtemp(prefix="agn-fuzz-")
atexit.register(shutil.rmtree, SCRATCH, True)
ENV = {**os.environ, "AGENTNET_MEMORY_LIMIT": str(64 << 20), "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(HERE),
       "AGN_FUZZ_TMP": SCRATCH}
GLOBAL_CALLS = {"agn_set_memory_limit", "agn_set_num_threads"}


def _text(b):
    return b.decode("utf-8", "replace") if isinstance(b, bytes) else (b or "")


def run_chunk(seed, calls, timeout=120):
    """Runs one generator chunk in a subprocess: (specs it made, per-function counts or None, crash description).
    A chunk normally takes well under a second; one that runs past `timeout` is reported as a hang."""
    try:
        p = subprocess.run([sys.executable, "-m", "fuzz_abi_gen", str(seed), str(calls)], capture_output=True,
                           text=True, env=ENV, timeout=timeout, cwd=HERE)
    except subprocess.TimeoutExpired as e:
        lines = _text(e.stdout).splitlines()
        return [json.loads(line) for line in lines if line.startswith("[")], None, f"hang: no answer after {timeout} s"
    lines = p.stdout.splitlines()
    done = lines and lines[-1].startswith("DONE ")
    specs = [json.loads(line) for line in (lines[:-1] if done else lines)]
    if done and p.returncode == 0:
        return specs, json.loads(lines[-1][5:]), None
    if "Traceback" in p.stderr:
        raise AssertionError(f"the fuzz generator itself failed (seed {seed}):\n{p.stderr[-2000:]}")
    how = f"signal {signal.Signals(-p.returncode).name}" if p.returncode < 0 else f"exit status {p.returncode}"
    return specs, None, f"{how}; stderr: {p.stderr.strip()[-600:]}"


def replay(indexed_specs, timeout=30):
    """Replays `[index, spec]` pairs in a fresh process; True if it crashed or hung."""
    script = ("import json, sys\nfrom fuzz_abi_calls import Runner\nr = Runner()\n"
              "for i, spec in json.load(sys.stdin):\n    r.call(i, spec)\n")
    try:
        p = subprocess.run([sys.executable, "-c", script], input=json.dumps(indexed_specs), capture_output=True,
                           text=True, env=ENV, timeout=timeout, cwd=HERE)
    except subprocess.TimeoutExpired:
        return True
    return p.returncode != 0


def minimal_sequence(specs, budget=200):
    """The crashing (last) call plus the earlier calls it depends on: the producers of the handles it uses, every
    call that used those handles before it (they may have changed the objects), recursively, and the calls that
    change engine-wide settings (the whole prefix if that subset does not crash on its own), then shrunk."""
    last = len(specs) - 1
    needed, producers = {last}, set(handle_refs(specs[last]))
    for i in range(last - 1, -1, -1):
        refs = handle_refs(specs[i])
        if i in producers or refs & producers or specs[i][0] in GLOBAL_CALLS:
            needed.add(i)
            producers |= refs
    subset = [[i, specs[i]] for i in sorted(needed)]
    if not replay(subset):
        subset = [[i, s] for i, s in enumerate(specs)]
        if not replay(subset):
            return subset  # crashes only in the generator's process (state outside the calls); report as is
    return shrink(subset, budget)


def shrink(sequence, budget=200):
    """Drops earlier calls while the replay still crashes: halves, then quarters, ... then single calls."""
    size = max(1, (len(sequence) - 1) // 2)
    while size >= 1 and budget > 0:
        i = 0
        while i < len(sequence) - 1 and budget > 0:
            trial = sequence[:i] + sequence[i + size:]
            budget -= 1
            if trial and trial[-1] is sequence[-1] and replay(trial):
                sequence = trial
            else:
                i += size
        size //= 2
    return sequence


def fuzz(calls=CALLS, seed=SEED, chunk=CHUNK, stop_at_first=True):
    """Runs `calls` calls in chunks; returns (calls made, per-function counts, [(crash, reproducer lines)])."""
    made, counts, crashes = 0, {}, []
    for k in range((calls + chunk - 1) // chunk):
        specs, chunk_counts, crash = run_chunk(seed * 100_003 + k, min(chunk, calls - k * chunk))
        made += len(specs)
        for name, c in (chunk_counts or {}).items():
            counts[name] = counts.get(name, 0) + c
        if crash:
            sequence = minimal_sequence(specs, 8 if crash.startswith("hang") else 200)
            lines = [show_call(i, s) for i, s in sequence]
            crashes.append((f"chunk {k} (seed {seed * 100_003 + k}), call {len(specs) - 1}: {crash}", lines))
            if stop_at_first:
                break
    return made, counts, crashes


def report(made, counts, crashes, seconds):
    print(f"fuzz: {made} C-ABI calls across {len(counts)} functions in {seconds:.1f} s; "
          f"fewest calls of one function: {min(counts.values()) if counts else 0}")
    for what, lines in crashes:
        print(f"CRASH at {what}\nreproducer (AGENTNET_MEMORY_LIMIT={64 << 20}):")
        for line in lines[-40:]:
            print("   ", line[:400])


def test_every_header_function_survives_random_and_adversarial_calls():
    start = time.perf_counter()
    made, counts, crashes = fuzz()
    report(made, counts, crashes, time.perf_counter() - start)
    assert not crashes, "the engine crashed; reproducer printed above"
    assert made >= 10_000
    missing = [name for name in declared_functions() if counts.get(name, 0) < 20]
    assert not missing, f"functions called fewer than 20 times: {missing}"


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else CALLS
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else SEED
    t = time.perf_counter()
    report(*fuzz(n, seed, stop_at_first=False), time.perf_counter() - t)
