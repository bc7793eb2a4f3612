"""Agents at work: a rollout of an epsilon-greedy MLP agent in 1024 CartPole sub-envs, the engine against PyTorch +
Gymnasium measured in the same run, with the compute ceiling the MLP alone sets.

    python benchmarks/bench_agents.py             # needs torch and gymnasium beside agentnet
    python benchmarks/bench_agents.py --ticks 32  # ticks per engine call

Rollout: the agent is 4-64-64-2 (ReLU) with an EpsilonGreedyResolver (epsilon 0.1).
- engine: native ``CartPoleVectorEnv(num_envs=1024)``; one compiled call plays ``--ticks`` ticks (env-step nodes chained
  through the agent's one-tick graph), NEXT_STEP autoreset inside the call;
- anchor: Gymnasium's numpy ``CartPoleVectorEnv`` (``make_vec(..., vectorization_mode="vector_entry_point")``) stepped
  with actions from the same network in PyTorch (``torch.no_grad``, epsilon-greedy in torch), one step per tick.
The ceiling is the MLP's FLOPs per env step at the sgemm rate measured in the same run (1024 x 64 x 64 products):
no implementation steps faster than its network evaluates.

DQN: the demo's agent (``agentnet.demo.DQN``) and ``stable_baselines3.DQN`` at the rl-baselines3-zoo settings for
CartPole-v1, trained for 50k steps per seed, then 20 greedy Gymnasium episodes each; wall time includes building.

Every figure is at steady state (after a warm-up), 1 thread, with the CPU model, BLAS core and float mode printed.
"""
import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import gymnasium
import numpy as np

import agentnet
import agentnet.tensor as T
from agentnet import layers
from agentnet.envs import CartPoleVectorEnv, observations, step_node
from agentnet.resolver import EpsilonGreedyResolver

from _common import header, rate, torch_mlp

SIZES = (4, 64, 64, 2)
NUM_ENVS = 1024
EPSILON = 0.1
WARMUP_SECONDS = 0.5  # of calls before each figure is timed (steady state)


def sgemm_gflops(seconds):
    """The engine's single-thread sgemm rate on the MLP's hidden product shape (1024 x 64 x 64)."""
    x, w = T.matrix("x"), T.matrix("w")
    f = agentnet.function([x, w], T.dot(x, w))
    a = np.random.rand(NUM_ENVS, 64).astype(np.float32)
    b = np.random.rand(64, 64).astype(np.float32)
    return rate(lambda: f(a, b), 2 * NUM_ENVS * 64 * 64, seconds, WARMUP_SECONDS) / 1e9


def mlp_flops_per_step():
    return sum(2 * a * b for a, b in zip(SIZES, SIZES[1:]))


def engine_rollout(ticks, seed=0):
    """A compiled function playing ``ticks`` ticks of 1024 native CartPoles; returns (call, env steps per call)."""
    env = CartPoleVectorEnv(num_envs=NUM_ENVS)
    env.reset(seed=seed)
    obs = layers.InputLayer((None, SIZES[0]))
    h = obs
    for units in SIZES[1:-1]:
        h = layers.DenseLayer(h, units)
    q = layers.DenseLayer(h, SIZES[-1], nonlinearity=None)
    act = EpsilonGreedyResolver(q, epsilon=EPSILON, seed=seed)
    seen, rewards, step = observations(env), [], None
    for _ in range(ticks):
        a = layers.get_output(act, {obs: seen})
        step = step_node(env, a, after=step)
        seen = step.observations
        rewards.append(step.rewards)
    total = agentnet.function([], T.sum(T.stack(rewards)))
    return total, ticks * NUM_ENVS, env


def torch_rollout(seed=0):
    """One tick of the anchor: torch MLP epsilon-greedy actions stepping Gymnasium's numpy vector CartPole."""
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    net = torch_mlp(SIZES)
    env = gymnasium.make_vec("CartPole-v1", num_envs=NUM_ENVS, vectorization_mode="vector_entry_point")
    state = {"obs": env.reset(seed=seed)[0]}
    generator = torch.Generator().manual_seed(seed)

    def tick():
        with torch.no_grad():
            q = net(torch.from_numpy(state["obs"]).float())
            greedy = q.argmax(dim=1)
            random = torch.randint(0, SIZES[-1], (NUM_ENVS,), generator=generator)
            explore = torch.rand(NUM_ENVS, generator=generator) < EPSILON
            actions = torch.where(explore, random, greedy).numpy()
        state["obs"], *_ = env.step(actions)
    return tick, env


#: Stable-Baselines3 zoo hyperparameters for DQN on CartPole-v1 (rl-baselines3-zoo, hyperparams/dqn.yml).
ZOO_DQN = dict(total_timesteps=50_000, learning_rate=2.3e-3, batch_size=64, buffer_size=100_000, learning_starts=1000,
               gamma=0.99, target_update_interval=10, train_freq=256, gradient_steps=128, exploration_fraction=0.16,
               exploration_final_eps=0.04, net_arch=[256, 256])
EVAL_EPISODES = 20


def greedy_return(act, seed, episodes=EVAL_EPISODES):
    """Mean return of ``act(observation) -> action`` over ``episodes`` Gymnasium CartPole-v1 episodes."""
    env = gymnasium.make("CartPole-v1")
    total = 0.0
    for k in range(episodes):
        obs, _ = env.reset(seed=10_000 + seed * 100 + k)
        done = False
        while not done:
            obs, reward, terminated, truncated, _ = env.step(act(obs))
            total += reward
            done = terminated or truncated
    env.close()
    return total / episodes


def sb3_dqn(seed):
    """Trains stable_baselines3.DQN at the zoo settings; returns (wall seconds, greedy mean return)."""
    import torch
    from stable_baselines3 import DQN
    torch.set_num_threads(1)
    z = ZOO_DQN
    start = time.perf_counter()
    model = DQN("MlpPolicy", gymnasium.make("CartPole-v1"), learning_rate=z["learning_rate"], batch_size=z["batch_size"],
                buffer_size=z["buffer_size"], learning_starts=z["learning_starts"], gamma=z["gamma"],
                target_update_interval=z["target_update_interval"], train_freq=z["train_freq"],
                gradient_steps=z["gradient_steps"], exploration_fraction=z["exploration_fraction"],
                exploration_final_eps=z["exploration_final_eps"], policy_kwargs=dict(net_arch=z["net_arch"]),
                seed=seed, device="cpu", verbose=0)
    model.learn(total_timesteps=z["total_timesteps"])
    wall = time.perf_counter() - start
    return wall, greedy_return(lambda o: int(model.predict(o, deterministic=True)[0]), seed)


def engine_dqn(seed):
    """The demo's DQN (agentnet.demo.DQN: the seed's pieces at the zoo settings) for the zoo's 50k steps; returns
    (wall seconds, greedy mean return over the same Gymnasium episodes as SB3's)."""
    from agentnet.demo import DQN
    start = time.perf_counter()
    dqn = DQN(seed=seed)
    dqn.learn(ZOO_DQN["total_timesteps"])
    wall = time.perf_counter() - start
    dqn.epsilon.set_value(np.float32(0))
    return wall, greedy_return(lambda o: int(np.asarray(dqn.react(np.asarray(o, np.float32)[None])).reshape(-1)[0]), seed)


def dqn_table(seeds):
    rows = []
    for name, run in (("AgentNet (engine)", engine_dqn), ("Stable-Baselines3 DQN", sb3_dqn)):
        results = [run(s) for s in seeds]
        rows.append((name, results))
    print(f"| DQN CartPole-v1, zoo settings, 50k steps, 1 thread | wall s per seed | greedy return (20 episodes) | solved (>= 475) |")
    print("|---|---|---|---|")
    for name, results in rows:
        walls = ", ".join(f"{w:.1f}" for w, _ in results)
        returns = ", ".join(f"{r:.0f}" for _, r in results)
        solved = sum(r >= 475 for _, r in results)
        print(f"| {name} | {walls} | {returns} | {solved}/{len(results)} |")
    engine, sb3 = (np.mean([w for w, _ in r]) for _, r in rows)
    print(f"wall-time ratio SB3 / engine: {sb3 / engine:.2f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ticks", type=int, default=16, help="ticks per engine call (default 16)")
    parser.add_argument("--seconds", type=float, default=2.0, help="measuring time per figure (default 2)")
    parser.add_argument("--dqn-seeds", type=int, default=3, help="seeds of the DQN comparison (0 skips it)")
    args = parser.parse_args()
    print(header())
    gflops = sgemm_gflops(args.seconds)
    ceiling = gflops * 1e9 / mlp_flops_per_step()
    call, steps, env = engine_rollout(args.ticks)
    engine = rate(call, steps, args.seconds, WARMUP_SECONDS)
    env.close()
    tick, genv = torch_rollout()
    anchor = rate(tick, NUM_ENVS, args.seconds, WARMUP_SECONDS)
    genv.close()
    print(f"sgemm 1024x64x64: {gflops:.1f} GFLOP/s -> MLP ceiling {ceiling / 1e6:.2f} M env steps/s")
    print(f"| rollout, 1024 envs, 4-64-64-2 eps-greedy | env steps/s | of ceiling | vs PyTorch+Gymnasium |")
    print(f"|---|---|---|---|")
    print(f"| engine, {args.ticks} ticks per call | {engine / 1e6:.2f} M | {engine / ceiling:.0%} | {engine / anchor:.2f}x |")
    print(f"| PyTorch + Gymnasium numpy vector env | {anchor / 1e6:.2f} M | {anchor / ceiling:.0%} | 1.00x |")
    if args.dqn_seeds:
        dqn_table(range(args.dqn_seeds))


if __name__ == "__main__":
    main()
