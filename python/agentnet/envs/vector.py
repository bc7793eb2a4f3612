"""Native vector environments: ``num_envs`` sub-environments stepped by one C call per ``step``.

Each class is a ``gymnasium.vector.VectorEnv`` that gives exactly what ``gymnasium.vector.SyncVectorEnv`` over
``gymnasium.make(id)`` gives for the same seed and actions: sub-env ``i`` is seeded with ``seed + i`` and autoresets
from its own random stream, episodes are truncated at ``max_episode_steps``, and infos are Gymnasium's dict of arrays.
"""
import gymnasium
import numpy as np
from gymnasium import error
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from .._checks import as_int
from . import _native
from ._specs import SPECS

_MODES = {AutoresetMode.NEXT_STEP: _native.NEXT_STEP, AutoresetMode.SAME_STEP: _native.SAME_STEP,
          AutoresetMode.DISABLED: _native.DISABLED}


class NativeVectorEnv(VectorEnv):
    """A batch of native sub-environments as a ``gymnasium.vector.VectorEnv``.

    Parameters
    ----------
    num_envs : int
        Number of sub-environments.
    max_episode_steps : int or None
        Time limit per episode (``truncated`` is set on the step that reaches it); defaults to the registered one.
        None or 0 disables it.
    render_mode : {None, "rgb_array"}
        ``"rgb_array"``: :meth:`render` returns a tuple of ``(height, width, 3)`` uint8 frames, one per sub-env.
    autoreset_mode : AutoresetMode or str
        ``NEXT_STEP`` (default), ``SAME_STEP`` (the terminal observation goes to ``infos["final_obs"]``) or
        ``DISABLED`` (reset ended sub-envs with ``reset(options={"reset_mask": mask})``).

    Shapes: observations ``[num_envs, *single_observation_space.shape]`` float32; rewards ``[num_envs]`` float64;
    terminations and truncations ``[num_envs]`` bool; actions ``[num_envs]`` integers or ``[num_envs, 1]`` floats.
    """

    native_id = None

    def __init__(self, num_envs=1, max_episode_steps=-1, render_mode=None, autoreset_mode=AutoresetMode.NEXT_STEP):
        spec = SPECS[self.native_id]
        if max_episode_steps == -1:
            max_episode_steps = spec.max_episode_steps
        if not isinstance(num_envs, (int, np.integer)) or isinstance(num_envs, bool):
            raise TypeError(f"num_envs must be a positive integer, got {type(num_envs).__name__} {num_envs!r}")
        if not 1 <= num_envs <= _native.MAX_ENVS:
            raise ValueError(f"num_envs must be in 1...{_native.MAX_ENVS}, got {num_envs}")
        if max_episode_steps is not None:
            max_episode_steps = as_int(max_episode_steps, "max_episode_steps", 1, 2**63 - 1)
        autoreset_mode = AutoresetMode(autoreset_mode)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']} or None, got {render_mode!r}")
        self.num_envs = int(num_envs)
        self.render_mode = render_mode
        self.autoreset_mode = autoreset_mode
        self._same_step = autoreset_mode is AutoresetMode.SAME_STEP
        self._disabled = autoreset_mode is AutoresetMode.DISABLED
        self.metadata = {**self.metadata, "autoreset_mode": autoreset_mode}
        self.single_observation_space = spec.observation_space()
        self.single_action_space = spec.action_space()
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._lock = _native.new_lock()
        self._native_spec = spec
        self._batch = _native.NativeBatch(self.native_id, self.num_envs, _MODES[autoreset_mode], max_episode_steps)
        self._discrete = self._batch.discrete
        self._action_shape = (self.num_envs,) if self._discrete else (self.num_envs, self._batch.action_width)
        self._action_kinds = "iu" if self._discrete else "fiu"
        self._needs_reset = True
        self._ended = np.zeros(self.num_envs, dtype=np.bool_)  # DISABLED mode: sub-envs awaiting a masked reset

    # ----- Gymnasium API -----

    @_native.serialized
    def reset(self, *, seed=None, options=None):
        """Resets all sub-envs (or those in ``options["reset_mask"]``); sub-env i gets ``seed + i`` or ``seed[i]``."""
        self._check_open()
        options = dict(options) if options is not None else None
        mask = self._reset_mask(options.pop("reset_mask")) if options and "reset_mask" in options else None
        parsed = self._native_spec.parse_options(options)
        self._apply_seed(seed, mask)
        previous = self._batch.observations.copy()
        self._batch.reset(mask=mask, options=parsed)
        if mask is None:
            self._needs_reset = False
            self._ended[:] = False
            return self._batch.observations.copy(), {}
        self._ended[mask] = False
        observations = self._batch.observations
        return np.where(mask[:, None], observations, previous), {}

    @_native.serialized
    def step(self, actions):
        """Steps every sub-env with ``actions`` in one native call; returns ``(obs, rewards, terminations,
        truncations, infos)``."""
        batch = self._batch
        if batch is None or self._needs_reset:
            self._check_open()
            raise error.ResetNeeded(f"{self.native_id}: call reset() before step()")
        self._write_actions(actions)
        if self._disabled and self._ended.any():
            raise ValueError(
                f"{self.native_id}: sub-envs {np.flatnonzero(self._ended).tolist()} ended and autoreset is disabled; "
                "reset them with reset(options={'reset_mask': mask}) first")
        batch.step()
        terminated, truncated = batch.terminated.copy(), batch.truncated.copy()
        infos = {}
        if self._same_step:
            done = terminated | truncated
            if done.any():
                final_obs = np.full(self.num_envs, None, dtype=object)
                for i in np.flatnonzero(done):
                    final_obs[i] = batch.final_observations[i].copy()
                infos = {"final_obs": final_obs, "_final_obs": done, "final_info": {}, "_final_info": done.copy()}
        elif self._disabled:
            self._ended = terminated | truncated
        return batch.observations.copy(), batch.rewards.copy(), terminated, truncated, infos

    @_native.serialized
    def render(self):
        """A tuple of ``(height, width, 3)`` uint8 frames, one per sub-env (None without ``render_mode``)."""
        if self.render_mode is None:
            gymnasium.logger.warn("You are calling render method without specifying any render mode.")
            return None
        self._check_open()
        if self._needs_reset:
            return None
        return tuple(self._batch.render())

    def close_extras(self, **kwargs):
        if self._batch is not None:
            self._batch.close()
            self._batch = None

    @property
    def state(self):
        """Internal states as float64 ``[num_envs, state_size]`` (each sub-env's Gymnasium ``unwrapped.state``)."""
        self._check_open()
        return self._batch.state()

    # ----- helpers -----

    def _check_open(self):
        if self.closed or self._batch is None:
            raise error.ClosedEnvironmentError(f"{self.native_id}: the vector environment is closed")

    def _reset_mask(self, mask):
        """Gymnasium's checks on ``options["reset_mask"]`` (sync_vector_env.py)."""
        if not isinstance(mask, np.ndarray):
            raise TypeError(f"`options['reset_mask']` must be a numpy array, got {type(mask)}")
        if mask.shape != (self.num_envs,):
            raise ValueError(f"`options['reset_mask']` must have shape `({self.num_envs},)`, got {mask.shape}")
        if mask.dtype != np.bool_:
            raise TypeError(f"`options['reset_mask']` must have `dtype=np.bool_`, got {mask.dtype}")
        if not np.any(mask):
            raise ValueError(f"`options['reset_mask']` must contain a boolean array with at least one True value, "
                             f"got reset_mask={mask}")
        return mask

    def _apply_seed(self, seed, mask):
        """``None``: continue every stream; an int s: sub-env i gets s + i; a list: one seed (or None) per sub-env."""
        if seed is None:
            return
        if isinstance(seed, int) and not isinstance(seed, bool):
            self._check_seed(seed)
            if mask is None:
                self._batch.seed(seed)
                return
            seeds = [seed + i for i in range(self.num_envs)]
        else:
            seeds = list(seed)
            if len(seeds) != self.num_envs:
                raise ValueError(f"If seeds are passed as a list the length must match num_envs={self.num_envs} "
                                 f"but got length={len(seeds)}.")
        for i, s in enumerate(seeds):
            if s is not None and (mask is None or mask[i]):
                self._check_seed(s)
                self._batch.seed(s, first=i, count=1)

    @staticmethod
    def _check_seed(seed):
        if not (isinstance(seed, int) and seed >= 0):
            raise error.Error(f"Seed must be a python integer, actual type: {type(seed)}")

    def _write_actions(self, actions):
        """Validates a batch of actions and copies it into the native action buffer."""
        array = actions if type(actions) is np.ndarray else np.asarray(actions)
        if array.shape != self._action_shape or array.dtype.kind not in self._action_kinds:
            if array.dtype.kind not in self._action_kinds:
                kind = "integers (Discrete)" if self._discrete else "real numbers (float32 Box)"
                raise TypeError(f"{self.native_id}: actions must be {kind}, got dtype {array.dtype}")
            raise ValueError(f"{self.native_id}: actions must have shape {self._action_shape}, got {array.shape}")
        self._batch.actions[...] = array  # range and finiteness are checked by the engine before anything changes


def _vector_class(name, native_id, doc):
    spec = SPECS[native_id]
    metadata = {"render_modes": ["rgb_array"], "render_fps": spec.render_fps, "autoreset_mode": AutoresetMode.NEXT_STEP}
    return type(name, (NativeVectorEnv,), {"native_id": native_id, "metadata": metadata, "__doc__": doc,
                                           "__module__": __name__})


CartPoleVectorEnv = _vector_class("CartPoleVectorEnv", "CartPole-v1", "Native vectorized ``CartPole-v1``.")
AcrobotVectorEnv = _vector_class("AcrobotVectorEnv", "Acrobot-v1", "Native vectorized ``Acrobot-v1``.")
MountainCarVectorEnv = _vector_class("MountainCarVectorEnv", "MountainCar-v0", "Native vectorized ``MountainCar-v0``.")
MountainCarContinuousVectorEnv = _vector_class(
    "MountainCarContinuousVectorEnv", "MountainCarContinuous-v0", "Native vectorized ``MountainCarContinuous-v0``.")
PendulumVectorEnv = _vector_class("PendulumVectorEnv", "Pendulum-v1", "Native vectorized ``Pendulum-v1``.")
BooleanReasoningVectorEnv = _vector_class(
    "BooleanReasoningVectorEnv", "BooleanReasoning-v0", "Native vectorized BooleanReasoning (the seed's tutorial task).")
