"""One native batch of sub-environments behind an engine handle: the ctypes calls of ``include/agentnet.h``
(Environments) and the buffers they fill.

Output buffers are allocated once and their addresses cached, so a step costs one C call plus a few copies,
whatever the number of sub-environments.
"""
import ctypes
import functools
import threading

import numpy as np

from .. import _lib

_i64, _i32, _f64, _ptr = ctypes.c_int64, ctypes.c_int32, ctypes.c_double, ctypes.c_void_p

_create = _lib.declare("agn_env_create", ctypes.c_char_p, _i64, _i32, _i64, ctypes.POINTER(_i64))
_describe = _lib.declare("agn_env_describe", _i64, _ptr, _i64)
_seed = _lib.declare("agn_env_seed", _i64, _i64, _i64, _ptr, _i64)
_reset = _lib.declare("agn_env_reset", _i64, _ptr, _i64, _i32, _f64, _f64, _ptr, _i64)
_step_args = (_i64, _ptr, _i64, _ptr, _i64, _ptr, _ptr, _ptr, _i64, _ptr, _i64)
_step_discrete = _lib.declare("agn_env_step_discrete", *_step_args)
_step_box = _lib.declare("agn_env_step_box", *_step_args)
_state = _lib.declare("agn_env_state", _i64, _ptr, _i64)
_get_rng = _lib.declare("agn_env_get_rng", _i64, _i64, _ptr, _ptr)
_set_rng = _lib.declare("agn_env_set_rng", _i64, _i64, _ptr)
_render = _lib.declare("agn_env_render", _i64, _i64, _i64, _ptr, _i64)

# AutoresetMode codes of the engine.
NEXT_STEP, SAME_STEP, DISABLED = 0, 1, 2

_MASK64 = (1 << 64) - 1

# Most sub-environments one native batch holds (the engine's maxEnvironments).
MAX_ENVS = 1 << 20


def serialized(method):
    """Runs an env method under the env's ``_lock``: threads sharing one env take turns, so no thread's actions,
    observations or flags (kept in the batch's shared buffers) mix with another's."""
    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return locked


def new_lock():
    return threading.RLock()


def _address(array):
    return array.ctypes.data


def seed_words(seed):
    """A non-negative Python int as little-endian uint32 words (NumPy SeedSequence's view of an int seed)."""
    words = []
    while True:
        words.append(seed & 0xFFFFFFFF)
        seed >>= 32
        if not seed:
            return np.array(words, dtype=np.uint32)


class NativeBatch:
    """``num_envs`` sub-environments of one native family, stepped in one call.

    Parameters
    ----------
    env_id : str
        Native id without namespace, e.g. ``"CartPole-v1"``.
    num_envs : int
    autoreset_mode : int
        ``NEXT_STEP``, ``SAME_STEP`` or ``DISABLED``.
    max_episode_steps : int or None
        Time limit per episode; None for none.
    """

    def __init__(self, env_id, num_envs, autoreset_mode, max_episode_steps):
        handle = _lib.handle_out()
        _lib.check(_create(env_id.encode(), num_envs, autoreset_mode, max_episode_steps or 0, ctypes.byref(handle)))
        self.handle = handle.value
        info = np.zeros(9, dtype=np.int64)
        _lib.check(_describe(self.handle, _address(info), info.size))
        (self.num_envs, self.observation_size, self.state_size, action_kind, action_n,
         height, width, _, _) = (int(v) for v in info)
        self.discrete = action_kind == 0
        self.action_width = 1 if self.discrete else action_n
        self.frame_shape = (height, width, 3)
        n = self.num_envs
        # Persistent buffers: [n] int64 or [n, width] float32 actions, [n, obs] observations, [n] rewards and flags.
        if self.discrete:
            self.actions = np.zeros(n, dtype=np.int64)
        else:
            self.actions = np.zeros((n, self.action_width), dtype=np.float32)
        self.observations = np.zeros((n, self.observation_size), dtype=np.float32)
        self.final_observations = np.zeros((n, self.observation_size), dtype=np.float32)
        self.rewards = np.zeros(n, dtype=np.float64)
        self.terminated = np.zeros(n, dtype=np.bool_)
        self.truncated = np.zeros(n, dtype=np.bool_)
        final = _address(self.final_observations) if autoreset_mode == SAME_STEP else None
        self._step_fn = _step_discrete if self.discrete else _step_box
        self._step_args = (self.handle, _address(self.actions), self.actions.size,
                           _address(self.observations), self.observations.size,
                           _address(self.rewards), _address(self.terminated), _address(self.truncated), n,
                           final, self.final_observations.size if final else 0)

    def close(self):
        """Releases the engine object; idempotent."""
        if self.handle:
            _lib.release(self.handle)
            self.handle = 0
            self._step_args = None

    def __del__(self):
        try:
            self.close()
        except (AttributeError, TypeError):  # module globals already torn down at interpreter exit
            pass

    def seed(self, seed, first=0, count=None):
        """Sub-env ``first + k`` gets ``SeedSequence(seed + k)`` for ``k < count`` (default: the rest of the batch)."""
        words = seed_words(seed)
        count = self.num_envs - first if count is None else count
        _lib.check(_seed(self.handle, first, count, _address(words), words.size))

    def reset(self, mask=None, options=None):
        """Resets the sub-envs where ``mask`` is True (all if None) into ``self.observations``.

        ``options`` is None (Gymnasium's defaults) or the two numbers of ``ResetOptions``.
        """
        if mask is None:
            mask_ptr, mask_n = None, 0
        else:
            mask = np.ascontiguousarray(mask, dtype=np.uint8)
            mask_ptr, mask_n = _address(mask), mask.size
        a, b = (0.0, 0.0) if options is None else options
        _lib.check(_reset(self.handle, mask_ptr, mask_n, options is not None, a, b,
                          _address(self.observations), self.observations.size))

    def step(self):
        """Steps every sub-env with the actions already written to ``self.actions``."""
        status = self._step_fn(*self._step_args)
        if status:
            _lib.check(status)

    def state(self):
        """Internal state, float64 ``[num_envs, state_size]``."""
        out = np.zeros((self.num_envs, self.state_size), dtype=np.float64)
        _lib.check(_state(self.handle, _address(out), out.size))
        return out

    def get_rng(self, index):
        """``(state, inc)`` of sub-env ``index``'s PCG64 stream as Python ints, or None if it has none yet."""
        words = np.zeros(4, dtype=np.uint64)
        seeded = ctypes.c_int32(0)
        _lib.check(_get_rng(self.handle, index, _address(words), ctypes.addressof(seeded)))
        if not seeded.value:
            return None
        hi_s, lo_s, hi_i, lo_i = (int(w) for w in words)
        return (hi_s << 64) | lo_s, (hi_i << 64) | lo_i

    def set_rng(self, index, state, inc):
        words = np.array([(state >> 64) & _MASK64, state & _MASK64, (inc >> 64) & _MASK64, inc & _MASK64],
                         dtype=np.uint64)
        _lib.check(_set_rng(self.handle, index, _address(words)))

    def render(self, first=0, count=None):
        """RGB frames of sub-envs ``first...``, uint8 ``[count, height, width, 3]``."""
        count = self.num_envs - first if count is None else count
        frames = np.zeros((count, *self.frame_shape), dtype=np.uint8)
        _lib.check(_render(self.handle, first, count, _address(frames), frames.size))
        return frames
