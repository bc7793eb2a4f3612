"""``EnvPool``: an agent plays a Gymnasium vector environment, one compiled react call per tick, and records what it
did into a ``SessionPoolEnvironment`` for experience replay (the seed's ``experiments/openai_gym/pool.py``).

The recording convention is the seed's and Gymnasium's NEXT_STEP autoreset at once. On the tick after an episode
ends ("reset tick") the environment resets and ignores the agent's action, the reward is 0, ``is_alive`` is 0, and
the memory the agent produced on that tick is replaced by zeros, so the new episode starts from zero memory and its
reset observation. The tick that ends an episode has ``is_alive`` 1, so ``get_end_indicator`` marks it terminal;
where the episode hit a time limit, ``is_truncated`` is 1 on that tick (beyond the seed: the pool stores it, so the
objectives bootstrap there instead of treating the time limit as an end).
"""
import os
import warnings

import gymnasium
import numpy as np

from ..._checks import as_int

__all__ = ["EnvPool"]


def _default_make_env():
    return gymnasium.make("CartPole-v1")


def _positive_int(owner, name, value):
    return as_int(value, f"{owner}: {name}", minimum=1, allow_bool=False)


def _as_list(result):
    return list(result) if isinstance(result, (list, tuple)) else [result]


class EnvPool:
    """Plays ``n_games`` copies of a Gymnasium environment with ``agent`` and records the sessions.

    Parameters
    ----------
    agent : agentnet.agent.MDPAgent
        The agent; it must have one observation layer (what the environment returns). Its first action layer picks
        the actions; its memories are carried across ticks and calls.
    make_env : callable
        Makes one Gymnasium environment (``lambda: gymnasium.make("ALE/Pong-v5")``, wrappers included). Default
        CartPole-v1 (the seed's default, ``SpaceInvaders-v0``, no longer exists).
    n_games : int
        Number of environments played side by side (a ``gymnasium.vector.SyncVectorEnv`` with NEXT_STEP autoreset).
    max_size : int or None
        Default limit of the experience-replay pool for :meth:`update` with ``append=True``.
    preprocess_observation : None
        The seed's deprecated hook; pass a wrapper in ``make_env`` instead. Anything but None raises.
    agent_step : callable or None
        The react function (observations, memories → actions, new memories); default ``agent.get_react_function()``.
    seed : int or None
        Seeds the environments: sub-env ``i`` gets ``seed + i``, as ``SyncVectorEnv.reset(seed=...)`` does.

    Attributes
    ----------
    envs : gymnasium.vector.SyncVectorEnv
    prev_observations : ndarray [n_games, ...]
        What each game shows now.
    prev_memory_states : list of ndarray [n_games, ...]
        The agent memories after the last tick played.
    just_ended : ndarray bool [n_games]
        Games whose last step ended the episode (their next tick is a reset tick).
    experience_replay : agentnet.environment.SessionPoolEnvironment
        The pool :meth:`update` fills.
    """

    def __init__(self, agent, make_env=_default_make_env, n_games=1, max_size=None, preprocess_observation=None,
                 agent_step=None, seed=None):
        self.n_games = _positive_int("EnvPool", "n_games", n_games)
        if max_size is not None:
            max_size = _positive_int("EnvPool", "max_size", max_size)
        if preprocess_observation is not None:
            raise TypeError("EnvPool: preprocess_observation is deprecated in the seed and not supported; wrap the "
                            "environment in make_env instead (e.g. agentnet.experiments.openai_gym.PreprocessImage)")
        if not callable(make_env):
            raise TypeError(f"EnvPool: make_env must be a callable returning an environment, got "
                            f"{type(make_env).__name__}")
        if len(agent.observation_layers) != 1:
            raise ValueError(f"EnvPool: the agent must have exactly one observation layer (a Gymnasium environment "
                             f"gives one observation), got {len(agent.observation_layers)}")
        self.agent = agent
        self.make_env = make_env
        self.max_size = max_size
        self.envs = gymnasium.vector.SyncVectorEnv([make_env] * self.n_games,
                                                   autoreset_mode=gymnasium.vector.AutoresetMode.NEXT_STEP)
        self._check_observation_shape()
        self.prev_observations, _ = self.envs.reset(seed=seed)
        self.prev_memory_states = [np.asarray(m) for m in agent.get_zeros_like_memory(self.n_games)]
        self.just_ended = np.zeros(self.n_games, bool)
        self.agent_step = agent_step if agent_step is not None else agent.get_react_function()
        from ...environment import SessionPoolEnvironment
        self.experience_replay = SessionPoolEnvironment(observations=agent.observation_layers,
                                                        actions=agent.action_layers,
                                                        agent_memories=agent.agent_states)

    def _check_observation_shape(self):
        layer_shape = tuple(self.agent.observation_layers[0].output_shape[1:])
        env_shape = tuple(self.envs.single_observation_space.shape or ())
        if len(layer_shape) != len(env_shape) or any(a is not None and a != b for a, b in zip(layer_shape,
                                                                                               env_shape)):
            raise ValueError(f"EnvPool: the agent's observation layer has shape {(None,) + layer_shape} but the "
                             f"environment's observations are {env_shape}")

    def _react(self, observations, memories):
        result = _as_list(self.agent_step(np.asarray(observations, np.float32), *memories))
        n_actions = len(result) - len(memories)
        if n_actions < 1:
            raise ValueError(f"EnvPool: agent_step returned {len(result)} outputs; expected the actions followed by "
                             f"{len(memories)} memories")
        actions = np.asarray(result[0])
        space = self.envs.single_action_space
        if isinstance(space, gymnasium.spaces.Discrete):
            actions = actions.reshape(self.n_games).astype(np.int64)
        else:
            actions = actions.reshape((self.n_games,) + space.shape).astype(space.dtype)
        return actions, [np.array(m, copy=True) for m in result[n_actions:]]

    def _play(self, n_steps, add_last_observation):
        """Plays ``n_steps`` ticks; returns the logs as a dict of [n_games, tick, ...] arrays."""
        ticks = n_steps - int(add_last_observation)
        observations, actions, rewards, alive, truncated, infos = [], [], [], [], [], []
        memories = [[] for _ in self.prev_memory_states]
        for _ in range(ticks):
            act, new_memory = self._react(self.prev_observations, self.prev_memory_states)
            resetting = self.just_ended.copy()
            obs, reward, terminated, trunc, info = self.envs.step(act)
            for m in new_memory:
                m[resetting] = 0
            observations.append(self.prev_observations)
            actions.append(act)
            rewards.append(np.where(resetting, 0.0, reward).astype(np.float32))
            alive.append(~resetting)
            truncated.append(np.asarray(trunc, bool) & ~resetting)
            info = dict(info)
            info["end"] = resetting
            infos.append(info)
            for log, m in zip(memories, new_memory):
                log.append(m)
            self.just_ended = (np.asarray(terminated, bool) | np.asarray(trunc, bool)) & ~resetting
            self.prev_observations = obs
            self.prev_memory_states = new_memory
        if add_last_observation:
            observations.append(self.prev_observations)
            sample = [self.envs.single_action_space.sample() for _ in range(self.n_games)]
            actions.append(np.asarray(sample).reshape(actions[-1].shape if actions else (self.n_games,)))
            rewards.append(np.zeros(self.n_games, np.float32))
            alive.append(np.ones(self.n_games, bool))
            truncated.append(np.zeros(self.n_games, bool))
            infos.append({})
            for log, m in zip(memories, self.prev_memory_states):
                log.append(m)

        def stack(logs, dtype=None):
            array = np.stack(logs, axis=1)
            return array if dtype is None else array.astype(dtype)

        return dict(observations=stack(observations, np.float32), actions=stack(actions), rewards=stack(rewards),
                    memories=[stack(log) for log in memories], is_alive=stack(alive, np.uint8),
                    is_truncated=stack(truncated, np.uint8), infos=infos)

    def interact(self, n_steps=100, verbose=False, add_last_observation=True):
        """Plays ``n_steps`` ticks in every game, continuing the episodes and memories of the previous call.

        Returns
        -------
        observation_log : ndarray [n_games, n_steps, ...] float32
            What the agent saw when it chose each action.
        action_log : ndarray [n_games, n_steps, ...]
        reward_log : ndarray [n_games, n_steps] float32
            The reward for each tick's action (0 on reset ticks and on the added last tick).
        memory_logs : list of ndarray [n_games, n_steps, ...]
            Agent memories after each tick (zeros on reset ticks), one per memory in ``agent.agent_states`` order.
        is_alive_log : ndarray [n_games, n_steps] uint8
            1, except on reset ticks.
        info_log : list of dict
            Per tick, the vector env's ``info`` dict, with ``"end"``: bool [n_games] marking reset ticks.

        With ``add_last_observation`` the last tick is the current observation with a random action and reward 0
        (so the last real tick has a next observation to bootstrap from), as in the seed.
        """
        n_steps = _positive_int("EnvPool.interact", "n_steps", n_steps)
        if add_last_observation and n_steps < 2:
            raise ValueError("EnvPool.interact: n_steps must be >= 2 with add_last_observation=True")
        logs = self._play(n_steps, add_last_observation)
        if verbose:
            ended = int(sum(np.sum(info["end"]) for info in logs["infos"] if "end" in info))
            print(f"EnvPool: {n_steps} ticks x {self.n_games} games, {ended} episodes ended, mean reward "
                  f"{float(np.mean(logs['rewards'])):.4g}")
        self.last_is_truncated = logs["is_truncated"]
        return (logs["observations"], logs["actions"], logs["rewards"], logs["memories"], logs["is_alive"],
                logs["infos"])

    def update(self, n_steps=100, append=False, max_size=None, add_last_observation=True,
               preprocess=lambda obs, act, rew, alive, h0: (obs, act, rew, alive, h0)):
        """Plays ``n_steps`` ticks and puts them into :attr:`experience_replay`.

        Parameters
        ----------
        append : bool
            False replaces the pool's sessions (``load_sessions``); True appends (``append_sessions``), keeping the
            newest ``max_size or self.max_size`` sessions.
        preprocess : callable
            ``(observations, actions, rewards, is_alive, preceding_memories) -> the same five``, applied before storing.

        The memories before the chunk are stored as the sessions' preceding memories, so replay starts each session
        from the memory the agent had when it was played; the truncation flags are stored too.
        """
        preceding = [m.copy() for m in self.prev_memory_states]
        obs, act, rew, _, alive, _ = self.interact(n_steps, add_last_observation=add_last_observation)
        obs, act, rew, alive, preceding = preprocess(obs, act, rew, alive, preceding)
        pool = self.experience_replay
        if append:
            pool.append_sessions([obs], [act], rew, alive, prev_memories=preceding or None,
                                 is_truncated=self.last_is_truncated, max_pool_size=max_size or self.max_size)
        else:
            pool.load_sessions([obs], [act], rew, alive, prev_memories=preceding or None,
                               is_truncated=self.last_is_truncated)

    def evaluate(self, n_games=1, save_path="./records", use_monitor=True, record_video=True, verbose=True,
                 t_max=100000):
        """Plays ``n_games`` whole episodes one at a time in a fresh environment from zero memory.

        Parameters
        ----------
        save_path : str
            Folder for the videos, made if missing: ``episode_<k>.mp4`` (k from 0) when imageio has its ffmpeg plugin
            (``imageio-ffmpeg``), else ``episode_<k>.gif``.
        use_monitor : bool
            Kept for the seed's signature; Gymnasium has no Monitor, and the episode returns are this method's result.
        record_video : bool
            Record ``rgb_array`` frames (the environment must be made with ``render_mode="rgb_array"``) and write them
            with imageio, if it is installed; otherwise a warning says what is missing and play goes on. As in
            Gymnasium's ``RecordVideo``, a video holds the frame after the reset and one after each step, and plays at
            the environment's ``metadata["render_fps"]`` (30 if it has none).
        t_max : int
            Ticks per episode at most.

        Returns
        -------
        list of float
            Each episode's total reward.
        """
        n_games = _positive_int("EnvPool.evaluate", "n_games", n_games)
        t_max = _positive_int("EnvPool.evaluate", "t_max", t_max)
        env = self.make_env()
        writer = self._video_writer(env) if record_video else None
        totals = []
        try:
            for k in range(n_games):
                obs, _ = env.reset()
                memory = [np.asarray(m) for m in self.agent.get_zeros_like_memory(1)]
                frames = [env.render()] if writer is not None else []
                total = 0.0
                for _ in range(t_max):
                    result = _as_list(self.agent_step(np.asarray(obs, np.float32)[None], *memory))
                    action = np.asarray(result[0])[0]
                    memory = [np.asarray(m) for m in result[len(result) - len(memory):]] if memory else []
                    if isinstance(env.action_space, gymnasium.spaces.Discrete):
                        action = int(action)
                    obs, reward, terminated, truncated, _ = env.step(action)
                    if writer is not None:
                        frames.append(env.render())
                    total += float(reward)
                    if terminated or truncated:
                        break
                totals.append(total)
                if writer is not None:
                    writer(os.path.join(save_path, f"episode_{k}"), frames)
                if verbose:
                    print(f"EnvPool.evaluate: episode {k} finished with reward {total:.4g}")
        finally:
            env.close()
        return totals

    @staticmethod
    def _video_writer(env):
        """A ``write(stem, frames)`` saving ``stem.mp4`` or ``stem.gif``, or None (with a warning) if recording
        cannot work: the environment does not render ``rgb_array`` frames, or imageio is missing."""
        if getattr(env, "render_mode", None) != "rgb_array":
            warnings.warn("EnvPool.evaluate: record_video needs an environment made with render_mode='rgb_array'; "
                          "not recording", stacklevel=3)
            return None
        try:
            import imageio
        except ImportError:
            warnings.warn("EnvPool.evaluate: record_video needs imageio (pip install imageio imageio-ffmpeg); not "
                          "recording", stacklevel=3)
            return None
        try:
            import imageio_ffmpeg  # noqa: F401  (imageio's mp4 writer)
            extension = ".mp4"
        except ImportError:     # a gif needs only pillow, which imageio depends on
            extension = ".gif"
        fps = env.metadata.get("render_fps") or 30

        def write(stem, frames):
            os.makedirs(os.path.dirname(stem) or ".", exist_ok=True)
            if extension == ".mp4":
                imageio.mimsave(stem + extension, frames, fps=fps)
            else:               # imageio's pillow plugin takes the frame duration in ms
                imageio.mimsave(stem + extension, frames, duration=1000 / fps)

        return write
