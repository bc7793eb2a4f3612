"""Gaussian action resolver for continuous control (beyond the seed)."""
import numbers

from ..layers.base import MergeLayer
from ._engine import EngineResolver, check_seed

__all__ = ["GaussianResolver"]


def _bound(value, what):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"GaussianResolver: {what} must be a number or None, got {value!r}")
    return float(value)


class GaussianResolver(EngineResolver, MergeLayer):
    """Samples continuous actions from a diagonal Gaussian policy:
    ``action = clip(mean + exp(log_std) * xi, low, high)`` with ``xi ~ N(0, 1)`` per element.

    The sample is reparameterised, so it is differentiable in ``mean`` and ``log_std`` where it is not clipped
    (as SAC-style objectives need). ``get_output(resolver, greedy=True)`` gives ``clip(mean, low, high)``.

    Computed by the engine (``Sources/AgentNet/Resolver/GaussianResolver.swift``) with its own seeded generator:
    every call of a compiled function samples anew, and the same seed gives the same actions.

    Parameters
    ----------
    mean : Layer or tuple
        Means of the actions, ``[batch, action_dim]``.
    log_std : Layer or tuple
        Natural log of the standard deviations: ``[batch, action_dim]`` or broadcastable to it (``[1, action_dim]``).
    low, high : float or None
        Bounds the actions are clipped to; default -1 and 1. None leaves that side unbounded.
    seed : int
        Random seed; default 1234.
    name : str or None
        Default ``"GaussianResolver"``.

    Shapes
    ------
    output : ``[batch, action_dim]``, float32
    """

    _engine_kind = "GaussianResolver"

    def __init__(self, mean, log_std, low=-1.0, high=1.0, seed=1234, name="GaussianResolver"):
        self.low, self.high = _bound(low, "low"), _bound(high, "high")
        self.seed = check_seed(seed, "GaussianResolver")
        super().__init__([mean, log_std], name=name)
        self.output_dtype = "float32"
        self._create_engine(low=self.low, high=self.high, seed=self.seed)

    def get_output_for(self, inputs, greedy=False, **kwargs):
        """The sampled (or, when ``greedy``, mean) actions.

        Parameters
        ----------
        inputs : list of Variable
            ``[mean, log_std]``.
        greedy : bool
            If True, return ``clip(mean, low, high)``; default False.

        Returns
        -------
        Variable
            ``[batch, action_dim]`` actions.
        """
        return self._compute_layer().output(list(inputs), kwargs.get("deterministic", False), greedy=bool(greedy))

    def _repr_args(self):
        return [f"low={self.low!r}", f"high={self.high!r}"]
