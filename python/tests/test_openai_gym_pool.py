"""EnvPool: an agent plays Gymnasium environments one react call per tick and records sessions into a
SessionPoolEnvironment, with the seed's conventions (reference §4.6) over NEXT_STEP autoreset: on the reset tick
is_alive is 0, the reward 0 and the memory zeroed; the tick that hit a time limit has is_truncated 1."""
import gymnasium
import numpy as np
import pytest

import agentnet
from agentnet.agent import Agent
from agentnet.experiments.openai_gym import EnvPool, FrameBuffer, PreprocessImage
from agentnet.layers import DenseLayer, ExpressionLayer, FlattenLayer, InputLayer, get_output
from agentnet.resolver import EpsilonGreedyResolver, GreedyResolver


def counting_agent(n_actions=2, obs_shape=(4,)):
    """Greedy Q-agent whose memory counts ticks since the episode began (so zeroing on reset is visible)."""
    obs = InputLayer((None,) + obs_shape, name="obs")
    prev = InputLayer((None, 1), name="prev_count")
    count = ExpressionLayer(prev, lambda h: h + 1, name="count")
    flat = FlattenLayer(obs) if len(obs_shape) > 1 else obs
    q = DenseLayer(flat, n_actions, nonlinearity=None, name="q")
    return Agent(obs, {count: prev}, q, GreedyResolver(q))


def short_cartpole():
    return gymnasium.make("CartPole-v1", max_episode_steps=5)


def test_interact_records_the_seed_conventions_across_autoresets():
    pool = EnvPool(counting_agent(), short_cartpole, n_games=3, seed=0)
    obs, act, rew, (mem,), alive, infos = pool.interact(13, add_last_observation=False)
    assert obs.shape == (3, 13, 4) and act.shape == (3, 13) and rew.shape == (3, 13) and mem.shape == (3, 13, 1)
    trunc = pool.last_is_truncated
    # Greedy CartPole in a 5-step limit: episodes of at most 5 actions, then a reset tick.
    for g in range(3):
        resets = np.flatnonzero(alive[g] == 0)
        assert len(resets) >= 2
        for t in resets:
            assert rew[g, t] == 0 and mem[g, t, 0] == 0            # reset tick: no reward, memory zeroed
            assert mem[g, t + 1, 0] == 1 if t + 1 < 13 else True   # the new episode counts from zero memory
        assert np.all(rew[g][alive[g] == 1] == 1)
        ended = resets - 1
        assert np.all(alive[g, ended] == 1)                        # the tick that ended the episode is alive
        np.testing.assert_array_equal(trunc[g] == 1, np.isin(np.arange(13), ended) & (mem[g, :, 0] == 5))
    # The recorded observations are what a SyncVectorEnv stepped with the same actions shows.
    reference = gymnasium.vector.SyncVectorEnv([short_cartpole] * 3, autoreset_mode=gymnasium.vector.AutoresetMode.NEXT_STEP)
    seen, _ = reference.reset(seed=0)
    for t in range(13):
        np.testing.assert_array_equal(obs[:, t], seen.astype(np.float32))
        seen, *_ = reference.step(act[:, t])


def test_interact_continues_episodes_and_memory_across_calls():
    env_pool = EnvPool(counting_agent(), short_cartpole, n_games=2, seed=3)
    _, _, _, (m1,), a1, _ = env_pool.interact(3, add_last_observation=False)
    _, _, _, (m2,), a2, _ = env_pool.interact(3, add_last_observation=False)
    together = np.concatenate([m1, m2], axis=1)[..., 0]
    alive = np.concatenate([a1, a2], axis=1)
    for g in range(2):
        for t in range(1, 6):
            expected = 0 if alive[g, t] == 0 else together[g, t - 1] + 1
            assert together[g, t] == expected


def test_add_last_observation_appends_the_current_observation():
    pool = EnvPool(counting_agent(), short_cartpole, n_games=2, seed=1)
    obs, act, rew, _, alive, _ = pool.interact(4)
    np.testing.assert_array_equal(obs[:, -1], pool.prev_observations.astype(np.float32))
    assert np.all(rew[:, -1] == 0) and np.all(alive[:, -1] == 1)
    with pytest.raises(ValueError, match="n_steps must be >= 2"):
        pool.interact(1)


def test_update_fills_the_pool_and_replay_trains_on_it():
    agent = counting_agent()
    pool = EnvPool(agent, short_cartpole, n_games=4, max_size=6, seed=2)
    pool.update(5)
    replay = pool.experience_replay
    assert len(replay) == 4
    pool.update(5, append=True)
    assert len(replay) == 6                                   # max_size keeps the newest sessions
    _, _, _, _, q = agent.get_sessions(replay, session_length=5, experience_replay=True)
    values = agentnet.function([], [q, replay.is_truncated])()
    assert values[0].shape == (6, 5, 2) and values[1].shape == (6, 5)


def test_evaluate_plays_whole_episodes():
    pool = EnvPool(counting_agent(), short_cartpole, n_games=1, seed=0)
    returns = pool.evaluate(n_games=3, record_video=False, verbose=False)
    assert len(returns) == 3 and all(1 <= r <= 5 for r in returns)


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="observation layer has shape"):
        EnvPool(counting_agent(obs_shape=(3,)), short_cartpole)
    with pytest.raises(TypeError, match="n_games must be an integer"):
        EnvPool(counting_agent(), short_cartpole, n_games=1.5)
    with pytest.raises(TypeError, match="preprocess_observation"):
        EnvPool(counting_agent(), short_cartpole, preprocess_observation=lambda o: o)


def test_atari_smoke():
    """One ale-py game through the seed's wrappers: a few ticks recorded into the pool."""
    ale_py = pytest.importorskip("ale_py")
    gymnasium.register_envs(ale_py)

    def make():
        return FrameBuffer(PreprocessImage(gymnasium.make("ALE/Pong-v5", frameskip=4), height=32, width=32), n_frames=2)

    probe = make()
    n_actions, shape = probe.action_space.n, probe.observation_space.shape
    probe.close()
    obs = InputLayer((None,) + shape, name="frames")
    q = DenseLayer(FlattenLayer(obs), n_actions, nonlinearity=None)
    agent = Agent(obs, {}, q, EpsilonGreedyResolver(q, epsilon=0.5))
    pool = EnvPool(agent, make, n_games=2, seed=0)
    pool.update(6)
    assert len(pool.experience_replay) == 2
    frames = agentnet.function([], pool.experience_replay.observations[0])()
    assert frames.shape == (2, 6) + shape and 0 <= frames.min() and frames.max() <= 1
