"""A native vector env as the environment an agent plays inside one compiled function.

>>> envs = gymnasium.make_vec("agentnet/CartPole-v1", num_envs=64); envs.reset(seed=0)
>>> env = agentnet.envs.native_environment(envs)      # what agent.get_sessions(envs, ...) plays
>>> rewards = env.get_reward_sequences(env_states, actions); alive = env.get_whether_alive(env_states)

The engine's ``NativeEnvironment`` (``Sources/AgentNet/Environment/NativeEnvironment.swift``) does the work: the
sessions step the env tick after tick inside the function (Gymnasium's NEXT_STEP autoreset with the EnvPool
convention), continue its episodes on the next call, and keep the agent's memory of each sub-env between calls
(zeroed on the tick a sub-env resets). Those memories are shared values the sessions return as updates, which the
compiled function must apply. Resetting or stepping the env yourself leaves them as they are: set them to zeros then.
"""
import ctypes

from .. import _lib
from .graph import _native

_create = _lib.declare("agn_native_environment_create", ctypes.c_int64, ctypes.c_void_p)


class NativeEnvironment:
    """The seed's ``BaseEnvironment`` face of a native vector env (made by :func:`native_environment`).

    Attributes
    ----------
    env : agentnet.envs.NativeVectorEnv
        The vector env that is played (NEXT_STEP autoreset; sub-env i of seed s gets s + i, as SyncVectorEnv).
    state_shapes : list of tuple
        ``[(), (), ()]``: the env states of the sessions are ``[rewards, is_alive, is_truncated]``, each
        ``[batch, tick]`` (float32, bool, bool), aligned with the actions: ``rewards[:, t]`` is the reward for
        ``actions[:, t]``, ``is_alive[:, t]`` is 1 on the tick the terminating action is taken and 0 on the reset
        tick after it, ``is_truncated[:, t]`` is 1 on the tick whose action hit the time limit.
    observation_shapes : list of tuple
        ``[(obs_size,)]``: observations are float32 ``[batch, tick, obs_size]``; ``observations[:, t]`` is what the
        agent saw when choosing ``actions[:, t]`` (on a reset tick, still the final observation).
    action_shapes : list of tuple
        ``[()]`` (int32 actions ``[batch, tick]``) for a Discrete env, ``[(width,)]`` (float32) for a Box env.
    """

    def __init__(self, env):
        batch = _native(env)
        handle = ctypes.c_int64()
        _lib.check(_create(batch.handle, ctypes.addressof(handle)))
        self._handle = handle.value
        self._batch = batch
        self.env = env
        self.state_shapes = [(), (), ()]
        self.state_dtypes = ["float32", "bool", "bool"]
        self.observation_shapes = [(batch.observation_size,)]
        self.observation_dtypes = ["float32"]
        self.action_shapes = [()] if batch.discrete else [(int(batch.action_width),)]
        self.action_dtypes = ["int32"] if batch.discrete else ["float32"]

    def __del__(self):
        _lib.release(getattr(self, "_handle", 0))

    @property
    def _env_handle(self):
        """The engine environment's handle (a BaseEnvironment for the agent's ``get_sessions``)."""
        return self._handle

    @staticmethod
    def _states(env_states, what):
        states = list(env_states) if isinstance(env_states, (list, tuple)) else None
        if states is None or len(states) != 3:
            raise ValueError(f"{what}: env_states must be the sessions' [rewards, is_alive, is_truncated], got {env_states!r}")
        return states

    def get_reward_sequences(self, env_states, actions):
        """The rewards of the sessions, float32 ``[batch, tick]`` (``env_states[0]``).

        Parameters
        ----------
        env_states : list of Variable
            ``[rewards, is_alive, is_truncated]`` as ``get_sessions`` returns them.
        actions : Variable
            The sessions' actions ``[batch, tick]`` (unused: the rewards were recorded as the env stepped).
        """
        return self._states(env_states, "get_reward_sequences")[0]

    def get_whether_alive(self, env_states):
        """bool ``[batch, tick]``: 1 where the action was applied (the terminating one included), 0 on reset ticks
        (``env_states[1]``)."""
        return self._states(env_states, "get_whether_alive")[1]

    def __repr__(self):
        spec = getattr(self.env, "spec", None)
        return f"<agentnet.envs.NativeEnvironment {getattr(spec, 'id', type(self.env).__name__)} x {self._batch.num_envs}>"


def native_environment(env):
    """The environment an agent plays when given the native vector env ``env`` (one per env, made on first use).

    Parameters
    ----------
    env : agentnet.envs.NativeVectorEnv
        A native vector env (``gymnasium.make_vec("agentnet/...")``) in NEXT_STEP autoreset mode; seed and reset it
        before the first call of a function that plays it.

    Returns
    -------
    NativeEnvironment
        The same object for every call on one env, so every function built from it shares the agent's memory.
    """
    batch = _native(env)
    made = getattr(batch, "_native_environment", None)
    if made is None:
        made = batch._native_environment = NativeEnvironment(env)
    return made
