"""EnvPool: an agent plays Gymnasium environments one react call per tick and records sessions into a
SessionPoolEnvironment, with the seed's conventions (reference §4.6) over NEXT_STEP autoreset: on the reset tick
is_alive is 0, the reward 0 and the memory zeroed; the tick that hit a time limit has is_truncated 1."""
import os
import sys
import types

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


class StepFrameEnv(gymnasium.Env):
    """Episode k of an instance (counting resets from 0) lasts 3 + k steps with reward 1 each; ``render()`` is a
    16x16 RGB frame whose every pixel is 20 * (steps since the reset), so a recording shows which ticks it holds."""
    metadata = {"render_modes": ["rgb_array"], "render_fps": 25}

    def __init__(self, render_mode="rgb_array"):
        self.render_mode = render_mode
        self.observation_space = gymnasium.spaces.Box(-1, 1, (4,), np.float32)
        self.action_space = gymnasium.spaces.Discrete(2)
        self.episode, self.t = -1, 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.episode, self.t = self.episode + 1, 0
        return np.zeros(4, np.float32), {}

    def step(self, action):
        self.t += 1
        return np.zeros(4, np.float32), 1.0, self.t >= 3 + self.episode, False, {}

    def render(self):
        return np.full((16, 16, 3), 20 * self.t, np.uint8)


def without_ffmpeg(monkeypatch):
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)


def test_evaluate_records_a_gif_per_episode_without_ffmpeg(tmp_path, monkeypatch):
    imageio = pytest.importorskip("imageio")
    from PIL import Image
    without_ffmpeg(monkeypatch)
    pool = EnvPool(counting_agent(), StepFrameEnv, n_games=1)
    folder = tmp_path / "records" / "run"                     # made if missing
    assert pool.evaluate(n_games=2, save_path=str(folder), verbose=False) == [3.0, 4.0]
    assert sorted(os.listdir(folder)) == ["episode_0.gif", "episode_1.gif"]
    for k, steps in enumerate((3, 4)):
        frames = imageio.v3.imread(folder / f"episode_{k}.gif", index=None)
        # The frame after the reset and one after each step, in order.
        assert frames.shape == (steps + 1, 16, 16, 3)
        np.testing.assert_array_equal(frames, np.broadcast_to(20 * np.arange(steps + 1)[:, None, None, None],
                                                              frames.shape))
        with Image.open(folder / f"episode_{k}.gif") as gif:
            for i in range(steps + 1):
                gif.seek(i)
                assert gif.info["duration"] == 40               # ms: the env's render_fps of 25


def test_evaluate_cuts_the_recording_at_t_max(tmp_path, monkeypatch):
    imageio = pytest.importorskip("imageio")
    without_ffmpeg(monkeypatch)
    pool = EnvPool(counting_agent(), StepFrameEnv, n_games=1)
    assert pool.evaluate(n_games=1, save_path=str(tmp_path), verbose=False, t_max=2) == [2.0]
    frames = imageio.v3.imread(tmp_path / "episode_0.gif", index=None)
    np.testing.assert_array_equal(frames[:, 0, 0, 0], [0, 20, 40])


def test_evaluate_writes_mp4_with_the_ffmpeg_plugin(tmp_path, monkeypatch):
    """With imageio-ffmpeg importable, the video is ``episode_<k>.mp4`` at the env's fps (imageio stands in here
    for the ffmpeg writer, so the test needs neither)."""
    written = []
    fake = types.ModuleType("imageio")
    fake.mimsave = lambda path, frames, **kwargs: written.append((path, np.stack(frames), kwargs))
    monkeypatch.setitem(sys.modules, "imageio", fake)
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", types.ModuleType("imageio_ffmpeg"))
    pool = EnvPool(counting_agent(), StepFrameEnv, n_games=1)
    assert pool.evaluate(n_games=2, save_path=str(tmp_path), verbose=False) == [3.0, 4.0]
    assert [(path, kwargs) for path, _, kwargs in written] == [
        (str(tmp_path / "episode_0.mp4"), {"fps": 25}), (str(tmp_path / "episode_1.mp4"), {"fps": 25})]
    np.testing.assert_array_equal(written[1][1][:, 0, 0, 0], [0, 20, 40, 60, 80])


def test_evaluate_writes_a_real_mp4_when_imageio_ffmpeg_is_installed(tmp_path):
    imageio = pytest.importorskip("imageio")
    pytest.importorskip("imageio_ffmpeg")
    pool = EnvPool(counting_agent(), StepFrameEnv, n_games=1)
    pool.evaluate(n_games=1, save_path=str(tmp_path), verbose=False)
    assert os.listdir(tmp_path) == ["episode_0.mp4"]
    frames = imageio.mimread(tmp_path / "episode_0.mp4")
    assert len(frames) == 4                                   # the reset frame and 3 steps
    np.testing.assert_allclose([f[:, :, 0].mean() for f in frames], [0, 20, 40, 60], atol=3)   # lossy codec


def test_evaluate_warns_and_plays_on_when_it_cannot_record(tmp_path, monkeypatch):
    no_frames = EnvPool(counting_agent(), lambda: StepFrameEnv(render_mode=None), n_games=1)
    with pytest.warns(UserWarning, match="render_mode='rgb_array'"):
        assert no_frames.evaluate(n_games=2, save_path=str(tmp_path / "a"), verbose=False) == [3.0, 4.0]
    pool = EnvPool(counting_agent(), StepFrameEnv, n_games=1)
    monkeypatch.setitem(sys.modules, "imageio", None)         # import imageio raises ImportError
    with pytest.warns(UserWarning, match="needs imageio"):
        assert pool.evaluate(n_games=2, save_path=str(tmp_path / "b"), verbose=False) == [3.0, 4.0]
    assert os.listdir(tmp_path) == []


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
