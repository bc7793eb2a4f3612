"""Native environments inside compiled functions: symbolic nodes that read and step a native vector env.

>>> env = gymnasium.make_vec("agentnet/CartPole-v1", num_envs=8); env.reset(seed=0)
>>> obs = agentnet.envs.observations(env)                       # [8, 4] float32, read when the function runs
>>> step = agentnet.envs.step_node(env, T.argmax(T.dot(obs, W), axis=1))
>>> f = agentnet.function([], [step.observations, step.rewards, step.is_alive, step.is_truncated])

Every call of ``f`` steps the env once (episodes continue across calls). Chain several steps with ``after=`` for a
T-tick rollout in one call.
"""
import collections
import ctypes

from .. import _lib
from .._core import Variable

_create = _lib.declare("agn_env_node_create", ctypes.c_int64, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p,
                       ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64)


class EnvStep(collections.namedtuple("EnvStep", ["observations", "rewards", "is_alive", "is_truncated"])):
    """The four symbolic results of one env-step tick (Seed's EnvPool convention over Gymnasium's NEXT_STEP autoreset).

    Attributes
    ----------
    observations : Variable
        float32 ``[num_envs, obs]``: what the agent sees next. After the tick that ends an episode it is still the
        final observation; the next tick (the reset tick) ignores its action and gives the reset observation.
    rewards : Variable
        float32 ``[num_envs]``: the reward for this tick's actions; 0 on a reset tick.
    is_alive : Variable
        bool ``[num_envs]``: 1 when the action was applied (including the terminating one), 0 on the reset tick.
    is_truncated : Variable
        bool ``[num_envs]``: 1 on the tick whose action hit the time limit (its ``is_alive`` is 1).
    """
    __slots__ = ()

    @property
    def node(self):
        """The step node itself (pass it, or any of the four fields, as the next step's ``after``)."""
        return self.observations


def _native(env):
    batch = getattr(getattr(env, "unwrapped", env), "_batch", None)
    if batch is None or not getattr(batch, "handle", 0):
        raise TypeError(f"env must be an open native vector env (gymnasium.make_vec('agentnet/...')), got {type(env).__name__}")
    return batch


def observations(env):
    """The current observations of a native vector env, read when the compiled function runs.

    Parameters
    ----------
    env : agentnet.envs.NativeVectorEnv
        A native vector env in NEXT_STEP autoreset mode, reset before the function is called.

    Returns
    -------
    Variable
        float32 ``[num_envs, obs]``. The same node for every call on one env, so it heads the chain of steps.
    """
    batch = _native(env)
    node = getattr(batch, "_observation_node", None)
    if node is None:
        out = (ctypes.c_int64 * 1)()
        _lib.check(_create(batch.handle, b"observations", b"{}", None, 0, ctypes.addressof(out), 1))
        node = batch._observation_node = Variable(out[0])
    return node


def step_node(env, actions, after=None):
    """One tick of a native vector env inside a compiled function.

    Parameters
    ----------
    env : agentnet.envs.NativeVectorEnv
        A native vector env in NEXT_STEP autoreset mode (seeded: sub-env i of seed s gets s + i, as SyncVectorEnv).
    actions : Variable
        int32 ``[num_envs]`` for a Discrete env, float32 ``[num_envs, width]`` for a Box env.
    after : EnvStep or Variable, optional
        The previous tick (an :class:`EnvStep` or any of its fields); None for the first tick of a function (it
        follows :func:`observations`). Ticks of one env in one function must form a single chain.

    Returns
    -------
    EnvStep
        ``(observations, rewards, is_alive, is_truncated)``, symbolic. Nothing is differentiable through a step.
    """
    batch = _native(env)
    if not isinstance(actions, Variable):
        raise TypeError(f"actions must be a symbolic expression, got {type(actions).__name__}")
    if after is None:
        after = observations(env)
    elif isinstance(after, EnvStep):
        after = after.observations
    if not isinstance(after, Variable):
        raise TypeError(f"after must be an EnvStep or a symbolic expression, got {type(after).__name__}")
    inputs = (ctypes.c_int64 * 2)(actions.handle, after.handle)
    out = (ctypes.c_int64 * 5)()
    _lib.check(_create(batch.handle, b"step", b"{}", ctypes.addressof(inputs), 2, ctypes.addressof(out), 5))
    _lib.release(out[0])  # the outputs hold the step node inside the engine
    return EnvStep(*(Variable(h) for h in out[1:]))
