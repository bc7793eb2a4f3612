"""CartPole stepping speed: AgentNet's native vector env against the tools users would otherwise pick.

Every contender steps CartPole-v1 with random actions (drawn beforehand, the same pool for all) and resets finished
episodes as it goes (autoreset for vector envs, ``reset()`` in the single-env loop). Everything runs on one thread
in this process, measured in the same run; the printed numbers are steps per second (sub-env steps) and ratios.

Targets: native 1024 sub-envs >= 100x Gymnasium's single-env Python loop and >= 3x Gymnasium's numpy
``CartPoleVectorEnv`` with 1024 sub-envs.

Run from a checkout: ``PYTHONPATH=python python3 benchmarks/bench_envs.py`` (``AGENTNET_LIB`` picks the library).
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402
from gymnasium.envs.classic_control.cartpole import CartPoleVectorEnv  # noqa: E402

import agentnet  # noqa: E402,F401  (registers agentnet/CartPole-v1)

from _common import header, rate  # noqa: E402

POOL = 64  # distinct random action batches, cycled


def action_pool(num_envs, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 2, size=num_envs, dtype=np.int64) for _ in range(POOL)]


def vector_env(env, num_envs, budget):
    actions = action_pool(num_envs)
    env.reset(seed=0)
    step = env.step

    def chunk():
        for a in actions:
            step(a)

    return num_envs * rate(chunk, POOL, budget)


def single_env_loop(budget):
    env = gym.make("CartPole-v1")
    actions = [int(a) for a in action_pool(1)[0].tolist() * 4]
    env.reset(seed=0)
    step, reset = env.step, env.reset

    def chunk():
        for a in actions:
            _, _, terminated, truncated, _ = step(a)
            if terminated or truncated:
                reset()

    return rate(chunk, len(actions), budget)


def envpool_env(num_envs, budget):
    try:
        import envpool
    except ImportError:
        return None
    env = envpool.make("CartPole-v1", env_type="gymnasium", num_envs=num_envs, batch_size=num_envs, num_threads=1,
                       thread_affinity_offset=-1, seed=0)
    return vector_env(env, num_envs, budget)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=1.0, help="seconds per measurement")
    parser.add_argument("--repeats", type=int, default=3, help="measurements per contender (best is kept)")
    args = parser.parse_args()

    contenders = {
        "agentnet native, 1 sub-env": lambda: vector_env(gym.make_vec("agentnet/CartPole-v1", num_envs=1), 1, args.budget),
        "agentnet native, 64 sub-envs": lambda: vector_env(gym.make_vec("agentnet/CartPole-v1", num_envs=64), 64,
                                                           args.budget),
        "agentnet native, 1024 sub-envs": lambda: vector_env(gym.make_vec("agentnet/CartPole-v1", num_envs=1024),
                                                             1024, args.budget),
        "gymnasium single env, Python loop": lambda: single_env_loop(args.budget),
        "gymnasium SyncVectorEnv, 64": lambda: vector_env(
            gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1") for _ in range(64)]), 64, args.budget),
        "gymnasium numpy CartPoleVectorEnv, 1024": lambda: vector_env(CartPoleVectorEnv(num_envs=1024), 1024,
                                                                      args.budget),
        "envpool, 1024, 1 thread": lambda: envpool_env(1024, args.budget),
    }
    # Interleave the repeats so that background load hits every contender alike; keep each one's best.
    best = {name: None for name in contenders}
    for _ in range(args.repeats):
        for name, run in contenders.items():
            steps_per_s = run()
            if steps_per_s is not None:
                best[name] = max(steps_per_s, best[name] or 0.0)

    print(header())
    print(f"CartPole-v1, random actions with resets, one thread, best of {args.repeats} x {args.budget:.1f} s")
    print(f"{'contender':42s} {'steps/s':>14s}")
    for name, steps_per_s in best.items():
        print(f"{name:42s} {'not installed' if steps_per_s is None else f'{steps_per_s:14,.0f}':>14s}")

    native = best["agentnet native, 1024 sub-envs"]
    print()
    print("ratios (native 1024 sub-envs vs ...)")
    targets = {"gymnasium single env, Python loop": 100.0, "gymnasium numpy CartPoleVectorEnv, 1024": 3.0}
    for name, steps_per_s in best.items():
        if steps_per_s is None or name == "agentnet native, 1024 sub-envs":
            continue
        target = targets.get(name)
        verdict = "" if target is None else f"  (target >= {target:.0f}x: {'met' if native / steps_per_s >= target else 'MISSED'})"
        print(f"  vs {name:40s} {native / steps_per_s:8.1f}x{verdict}")


if __name__ == "__main__":
    main()
