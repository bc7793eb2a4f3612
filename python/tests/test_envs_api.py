"""Gymnasium integration of agentnet.envs: check_env, registration, make/make_vec, spaces and metadata, vector
autoreset modes against SyncVectorEnv, rendering, and bad input (a clear exception, never a crash or a changed state)."""
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from gymnasium.vector import AutoresetMode

import agentnet
from agentnet import envs
from test_envs import ALL, CLASSIC, bits

IDS = [f"agentnet/{native_id}" for native_id in ALL]


# ----- Gymnasium's own checks and registration -----

@pytest.mark.parametrize("env_id", IDS)
def test_check_env_passes_with_no_more_warnings_than_gymnasium(env_id):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(gym.make(env_id).unwrapped)
    ours = sorted(str(w.message) for w in caught)
    native_id = env_id.split("/")[1]
    if native_id in CLASSIC:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            check_env(gym.make(native_id).unwrapped, skip_render_check=True)
        assert ours == sorted(str(w.message) for w in caught)
    else:
        assert ours == []


@pytest.mark.parametrize("native_id", ALL)
def test_make_and_make_vec(native_id):
    env_id = f"agentnet/{native_id}"
    assert env_id in agentnet.envs.IDS and env_id in gym.registry
    spec = gym.spec(env_id)
    single_class, vector_class = envs.CLASSES[native_id]
    env = gym.make(env_id)
    assert isinstance(env.unwrapped, single_class) and isinstance(env.unwrapped, gym.Env)
    assert env.spec.max_episode_steps == spec.max_episode_steps
    if native_id in CLASSIC:
        theirs = gym.make(native_id)
        assert env.observation_space == theirs.observation_space
        assert env.action_space == theirs.action_space
        assert spec.max_episode_steps == gym.spec(native_id).max_episode_steps
        assert spec.reward_threshold == gym.spec(native_id).reward_threshold
    assert set(env.metadata) == {"render_modes", "render_fps"} and env.metadata["render_fps"] > 0

    vec = gym.make_vec(env_id, num_envs=5)
    assert type(vec) is vector_class and isinstance(vec, gym.vector.VectorEnv)
    assert vec.num_envs == 5 and vec.metadata["autoreset_mode"] is AutoresetMode.NEXT_STEP
    assert vec.single_observation_space == env.observation_space
    assert vec.single_action_space == env.action_space
    assert vec.observation_space == gym.vector.utils.batch_space(env.observation_space, 5)
    assert vec.action_space == gym.vector.utils.batch_space(env.action_space, 5)
    obs, infos = vec.reset(seed=0)
    assert obs.shape == vec.observation_space.shape and obs.dtype == np.float32 and infos == {}
    obs, rewards, terminations, truncations, infos = vec.step(vec.action_space.sample())
    assert obs in vec.observation_space and rewards.shape == (5,)
    vec.close()
    assert vec.closed


def test_make_vec_passes_the_time_limit_and_keyword_arguments():
    vec = gym.make_vec("agentnet/CartPole-v1", num_envs=2, max_episode_steps=3)
    vec.reset(seed=0)
    truncated = [vec.step(np.ones(2, dtype=np.int64))[3] for _ in range(3)]
    assert truncated[-1].all() and not truncated[0].any()
    sync = gym.make_vec("agentnet/CartPole-v1", num_envs=2, vectorization_mode="sync")
    assert isinstance(sync, gym.vector.SyncVectorEnv)


# ----- Vector autoreset modes -----

def sync_vector(native_id, n, mode):
    return gym.vector.SyncVectorEnv([lambda: gym.make(native_id) for _ in range(n)], autoreset_mode=mode)


@pytest.mark.parametrize("native_id", ["CartPole-v1", "MountainCar-v0", "Pendulum-v1"])
def test_same_step_autoreset_matches_sync_vector_env(native_id):
    n = 6
    ours = envs.CLASSES[native_id][1](num_envs=n, autoreset_mode=AutoresetMode.SAME_STEP)
    theirs = sync_vector(native_id, n, AutoresetMode.SAME_STEP)
    assert ours.metadata["autoreset_mode"] is AutoresetMode.SAME_STEP
    obs, _ = ours.reset(seed=3)
    ref_obs, _ = theirs.reset(seed=3)
    theirs.action_space.seed(4)
    finals = 0
    for _ in range(1500):
        actions = theirs.action_space.sample()
        obs, rewards, terminations, truncations, infos = ours.step(actions)
        ref_obs, ref_rewards, ref_terminations, ref_truncations, ref_infos = theirs.step(actions)
        np.testing.assert_array_equal(bits(obs), bits(ref_obs))
        np.testing.assert_array_equal(rewards, ref_rewards)
        np.testing.assert_array_equal(terminations, ref_terminations)
        np.testing.assert_array_equal(truncations, ref_truncations)
        assert infos.keys() == ref_infos.keys()
        if infos:
            np.testing.assert_array_equal(infos["_final_obs"], ref_infos["_final_obs"])
            np.testing.assert_array_equal(infos["_final_info"], ref_infos["_final_info"])
            assert infos["final_info"] == ref_infos["final_info"] == {}
            for i in np.flatnonzero(infos["_final_obs"]):
                np.testing.assert_array_equal(bits(infos["final_obs"][i]), bits(ref_infos["final_obs"][i]))
                finals += 1
            assert all(infos["final_obs"][i] is None for i in np.flatnonzero(~infos["_final_obs"]))
    assert finals > 10


def test_disabled_autoreset_with_reset_mask_matches_sync_vector_env():
    n = 4
    ours = envs.CartPoleVectorEnv(num_envs=n, autoreset_mode="Disabled")
    theirs = sync_vector("CartPole-v1", n, AutoresetMode.DISABLED)
    ours.reset(seed=8)
    theirs.reset(seed=8)
    theirs.action_space.seed(9)
    resets = 0
    for _ in range(600):
        actions = theirs.action_space.sample()
        obs, rewards, terminations, truncations, _ = ours.step(actions)
        ref_obs, ref_rewards, *_ = theirs.step(actions)
        np.testing.assert_array_equal(bits(obs), bits(ref_obs))
        np.testing.assert_array_equal(rewards, ref_rewards)
        done = terminations | truncations
        if done.any():
            with pytest.raises(ValueError, match="autoreset is disabled"):
                ours.step(actions)
            obs, _ = ours.reset(options={"reset_mask": done})
            ref_obs, _ = theirs.reset(options={"reset_mask": done.copy()})
            np.testing.assert_array_equal(bits(obs), bits(ref_obs))
            resets += 1
    assert resets > 5


def test_reset_mask_is_checked_like_sync_vector_env():
    vec = envs.CartPoleVectorEnv(num_envs=3)
    vec.reset(seed=0)
    with pytest.raises(TypeError):
        vec.reset(options={"reset_mask": [True, False, True]})
    with pytest.raises(ValueError):
        vec.reset(options={"reset_mask": np.ones(2, dtype=bool)})
    with pytest.raises(TypeError):
        vec.reset(options={"reset_mask": np.ones(3, dtype=np.int8)})
    with pytest.raises(ValueError):
        vec.reset(options={"reset_mask": np.zeros(3, dtype=bool)})


# ----- Rendering -----

@pytest.mark.parametrize("native_id", ALL)
def test_rgb_array_frames_follow_the_state(native_id):
    env = gym.make(f"agentnet/{native_id}", render_mode="rgb_array")
    env.reset(seed=1)
    first = env.render()
    assert first.dtype == np.uint8 and first.ndim == 3 and first.shape[2] == 3
    assert len(np.unique(first.reshape(-1, 3), axis=0)) >= 2  # a scene, not a blank frame
    space = env.action_space
    action = np.ones(space.shape, np.float32) if space.shape else space.n - 1
    for _ in range(5):
        env.step(action)
    assert not np.array_equal(first, env.render())
    vec = gym.make_vec(f"agentnet/{native_id}", num_envs=2, render_mode="rgb_array")
    vec.reset(seed=1)
    frames = vec.render()
    assert len(frames) == 2 and frames[0].shape == first.shape
    np.testing.assert_array_equal(frames[0], first)


def test_cartpole_frame_shows_the_cart_where_the_state_puts_it():
    env = envs.CartPoleEnv(render_mode="rgb_array")
    env.reset(seed=0, options={"low": 0.0, "high": 0.0})
    frame = env.render()
    assert frame.shape == (400, 600, 3)
    cart_row = 400 - 1 - 100  # the cart's top edge is 100 px above the bottom
    black = np.flatnonzero((frame[cart_row + 5] == 0).all(axis=1))
    assert abs(black.mean() - 300) < 2  # centred at x = 0


# ----- Bad input -----

@pytest.fixture
def cartpole():
    env = envs.CartPoleEnv()
    env.reset(seed=0)
    return env


@pytest.fixture
def pendulum():
    env = envs.PendulumEnv()
    env.reset(seed=0)
    return env


def unchanged(env, act):
    """Runs ``act`` (expected to raise) and checks the state did not change."""
    before = env.unwrapped.state.copy()
    act()
    np.testing.assert_array_equal(env.unwrapped.state, before)


@pytest.mark.parametrize("action, error", [(2, ValueError), (-1, ValueError), (2**70, ValueError), (1.0, TypeError),
                                           ("1", TypeError), (np.array([0, 1]), ValueError), (None, TypeError)])
def test_bad_discrete_action_single(cartpole, action, error):
    with pytest.raises(error):
        unchanged(cartpole, lambda: cartpole.step(action))
    cartpole.step(np.int64(1))
    cartpole.step(np.array(0))


@pytest.mark.parametrize("action, error", [(np.array([np.nan], np.float32), ValueError),
                                           (np.array([np.inf]), ValueError), (np.array([0.5, 0.5]), ValueError),
                                           (np.array(["a"]), TypeError), (np.array([1 + 1j]), TypeError),
                                           (0.5, ValueError)])
def test_bad_continuous_action_single(pendulum, action, error):
    with pytest.raises(error):
        unchanged(pendulum, lambda: pendulum.step(action))
    pendulum.step(np.array([0.5], np.float64))


def test_bad_actions_vector():
    vec = envs.CartPoleVectorEnv(num_envs=4)
    vec.reset(seed=0)
    cases = [(np.array([0, 1, 2, 0]), ValueError), (np.array([0, 1, -1, 0]), ValueError),
             (np.array([0, 1, 0]), ValueError), (np.zeros((4, 1), np.int64), ValueError),
             (np.zeros(4, np.float32), TypeError), (np.array([2**64 - 1, 0, 0, 0], np.uint64), ValueError)]
    for actions, error in cases:
        with pytest.raises(error):
            unchanged(vec, lambda: vec.step(actions))
    vec.step([0, 1, 1, 0])
    box = envs.PendulumVectorEnv(num_envs=3)
    box.reset(seed=0)
    for actions, error in [(np.array([[0.1], [np.nan], [0.2]], np.float32), ValueError),
                           (np.zeros(3, np.float32), ValueError), (np.array([[True]] * 3), TypeError)]:
        with pytest.raises(error):
            unchanged(box, lambda: box.step(actions))
    box.step(np.zeros((3, 1)))


@pytest.mark.parametrize("make", [lambda: envs.CartPoleEnv(), lambda: envs.CartPoleVectorEnv(num_envs=2)])
def test_step_before_reset_and_after_close(make):
    env = make()
    action = env.action_space.sample()
    with pytest.raises(gym.error.ResetNeeded):
        env.step(action)
    env.reset(seed=0)
    env.step(action)
    env.close()
    env.close()  # idempotent
    with pytest.raises(gym.error.ClosedEnvironmentError):
        env.step(action)
    with pytest.raises(gym.error.ClosedEnvironmentError):
        env.reset()


def test_bad_reset_arguments():
    env = envs.CartPoleEnv()
    with pytest.raises(ValueError):
        env.reset(options={"low": 1.0, "high": -1.0})
    with pytest.raises(ValueError):
        env.reset(options={"low": "x"})
    with pytest.raises(ValueError):
        envs.PendulumEnv().reset(options={"x_init": -1.0})
    with pytest.raises(gym.error.Error):
        env.reset(seed=-1)
    vec = envs.CartPoleVectorEnv(num_envs=2)
    with pytest.raises(ValueError):
        vec.reset(seed=[1, 2, 3])
    with pytest.raises(gym.error.Error):
        vec.reset(seed=[1, -2])
    with pytest.raises(ValueError):
        envs.CartPoleVectorEnv(num_envs=0)
    with pytest.raises(ValueError):
        envs.CartPoleEnv(render_mode="human")


def test_engine_rejects_bad_calls_without_crashing():
    from agentnet.envs import _native
    with pytest.raises(ValueError, match="unknown native environment"):
        _native.NativeBatch("Nope-v0", 1, 0, None)
    batch = _native.NativeBatch("CartPole-v1", 2, 0, 10)
    with pytest.raises(agentnet.AgentNetError, match="reset"):
        batch.step()
    with pytest.raises(ValueError):
        batch.seed(1, first=1, count=5)
    stale = batch.handle
    batch.close()
    with pytest.raises(agentnet.AgentNetError, match="not a live object"):
        _native._lib.check(_native._state(stale, None, 0))


def test_np_random_stays_in_sync_with_the_native_stream():
    ours, theirs = envs.CartPoleEnv(), gym.make("CartPole-v1").unwrapped
    ours.reset(seed=5)
    theirs.reset(seed=5)
    assert ours.np_random.bit_generator.state == theirs.np_random.bit_generator.state
    # Drawing from np_random between resets shifts the next reset the same way in both.
    ours.np_random.random()
    theirs.np_random.random()
    np.testing.assert_array_equal(ours.reset()[0], theirs.reset()[0])
    ours.np_random = np.random.Generator(np.random.MT19937(0))
    with pytest.raises(TypeError, match="PCG64"):
        ours.reset()
