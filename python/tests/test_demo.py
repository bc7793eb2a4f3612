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


def test_demo_stores_every_played_tick_as_a_transition():
    """``demo.transitions``: each play call's ticks become (previous tick, this tick) sessions, the first call's
    previous tick a masked zero tick and later calls' the last tick of the call before."""
    import numpy as np
    import agentnet.tensor as T
    from agentnet.agent import Agent
    from agentnet.envs import CartPoleVectorEnv
    from agentnet.environment import SessionPoolEnvironment
    from agentnet.layers import DenseLayer, InputLayer
    from agentnet.resolver import EpsilonGreedyResolver

    env = CartPoleVectorEnv(num_envs=2); env.reset(seed=3)
    obs = InputLayer((None, 4)); q = DenseLayer(obs, 2, nonlinearity=None)
    agent = Agent(obs, {}, q, EpsilonGreedyResolver(q, epsilon=0.5, seed=1))
    (rewards, alive, truncated), obs_seq, _, act_seq, _ = agent.get_sessions(env, session_length=5)
    carried = [agentnet.shared(np.zeros((2, 4), np.float32)), agentnet.shared(np.zeros(2, np.int32)),
               agentnet.shared(np.zeros(2, np.float32)), agentnet.shared(np.zeros(2, np.uint8)),
               agentnet.shared(np.zeros(2, np.uint8))]
    (o2, a2, r2, alive2, trunc2), carry = demo.transitions([obs_seq, act_seq, rewards, alive, truncated], carried)
    pool = SessionPoolEnvironment(observations=obs, actions=agent.action_layers, agent_memories=[])
    store = pool.get_session_updates([o2], [a2], r2, alive2, is_truncated=trunc2, append=True, max_pool_size=100)
    store.update(carry)
    play = agentnet.function([], [obs_seq, act_seq, rewards, alive], updates=store)
    played = [play() for _ in range(3)]
    assert len(pool) == 3 * 2 * 5
    windows = pool.observations[0].get_value().reshape(3, 2, 5, 2, 4)   # [call, env, tick, window tick, 4]
    actions = pool.actions[0].get_value().reshape(3, 2, 5, 2)
    flags = pool.is_alive.get_value().reshape(3, 2, 5, 2)
    for call, (o, a, r, al) in enumerate(played):
        np.testing.assert_array_equal(windows[call, :, :, 1], o)                 # the second tick is this tick
        np.testing.assert_array_equal(actions[call, :, :, 1], a)
        np.testing.assert_array_equal(flags[call, :, :, 1], al)
        np.testing.assert_array_equal(windows[call, :, 1:, 0], o[:, :-1])        # the first is the tick before
        before = played[call - 1][0][:, -1] if call else np.zeros((2, 4), np.float32)
        np.testing.assert_array_equal(windows[call, :, 0, 0], before)
    np.testing.assert_array_equal(flags[1, :, 0, 0], played[0][3][:, -1])
    np.testing.assert_array_equal(flags[0, :, 0, 0], [0, 0])
