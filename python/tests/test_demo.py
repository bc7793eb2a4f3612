"""The demo trains and the installed package is the one under test."""
import pathlib

import agentnet
from agentnet import demo


def test_demo_solves_cartpole():
    """The DQN demo (native env, replay pool, target network, Q-learning, Adam) reaches a greedy mean of 475."""
    score, steps, _ = demo.main(seed=0, max_steps=150_000, quiet=True)
    assert score >= 475, f"greedy return {score} after {steps} env steps"


def test_package_bundles_its_engine_library():
    here = pathlib.Path(agentnet.__file__).resolve().parent
    lib = pathlib.Path(agentnet._lib.lib._name)
    assert lib.is_file()
    if "site-packages" in str(here):
        assert lib.parent == here / "lib"


def test_readme_agent_example_fills_the_pool():
    """The README's agent snippet: 16 ticks x 8 native CartPoles per call, appended to the replay pool."""
    from agentnet.agent import Agent
    from agentnet.envs import CartPoleVectorEnv
    from agentnet.environment import SessionPoolEnvironment
    from agentnet.layers import DenseLayer, InputLayer
    from agentnet.resolver import EpsilonGreedyResolver

    env = CartPoleVectorEnv(num_envs=8); env.reset(seed=0)
    obs = InputLayer((None, 4)); q = DenseLayer(DenseLayer(obs, 256), 2, nonlinearity=None)
    agent = Agent(obs, {}, q, EpsilonGreedyResolver(q, epsilon=0.1))
    (rewards, alive, truncated), obs_seq, _, act_seq, q_seq = agent.get_sessions(env, session_length=16)
    pool = SessionPoolEnvironment(observations=obs, actions=agent.action_layers, agent_memories=[])
    play = agentnet.function([], rewards.sum(), updates=pool.get_session_updates(
        [obs_seq], [act_seq], rewards, alive, is_truncated=truncated, append=True, max_pool_size=1000))
    assert play() > 0
    play()
    assert len(pool) == 16
