"""Epsilon-greedy action resolver."""
import numbers

import numpy as np

from .. import _core
from .._core import SharedVariable, Variable
from .base import BaseResolver
from ._engine import check_output_dtype, check_seed

__all__ = ["EpsilonGreedyResolver"]


class EpsilonGreedyResolver(BaseResolver):
    """Epsilon-greedy resolver:

    - determines which action should be taken given agent's policy,
    - takes maximum policy action with probability 1 - epsilon,
    - takes random action with probability epsilon.

    The random action is drawn uniformly over **all** actions, the best one included, so the best action is taken
    with probability ``1 - epsilon + epsilon / n_actions`` (epsilon = 0.3 and 4 actions give 0.775 / 0.075 /
    0.075 / 0.075). There is no ``greedy`` flag: set epsilon to 0 to act greedily.

    Computed by the engine (``Sources/AgentNet/Resolver/EpsilonGreedyResolver.swift``) with its own seeded
    generator: every call of a compiled function draws anew, and the same seed gives the same actions.

    Parameters
    ----------
    incoming : Layer or tuple
        The policy layer, ``[batch, n_actions]``.
    epsilon : None, float, shared variable or scalar expression
        Probability of a random action. None (default) creates ``agentnet.shared(np.float32(0.1),
        "e-greedy.epsilon")``, exposed as ``.epsilon`` so that ``resolver.epsilon.set_value(0.5)`` changes it
        between calls. A Python float stays fixed.
    seed : int
        Random seed; default 1234.
    name : str or None
        Default ``"EpsilonGreedyResolver"``.
    output_dtype : str
        ``'int32'`` (default) or ``'float32'``.

    Shapes
    ------
    input : ``[batch, n_actions]``
    output : ``[batch]``
    """

    _engine_kind = "EpsilonGreedyResolver"

    def __init__(self, incoming, epsilon=None, seed=1234, name="EpsilonGreedyResolver", **kwargs):
        who = type(self).__name__
        output_dtype = check_output_dtype(kwargs.pop("output_dtype", "int32"), who)
        if kwargs:
            raise TypeError(f"{who}: unexpected keyword arguments {sorted(kwargs)}")
        if epsilon is None:
            epsilon = _core.shared(np.float32(0.1), "e-greedy.epsilon")
        if isinstance(epsilon, SharedVariable):
            if epsilon.ndim != 0:
                raise ValueError(f"{who}: epsilon must be a scalar, got a shared variable of {epsilon.ndim} dimensions")
            eps_attr = {"shared": epsilon.shared_handle}
        elif isinstance(epsilon, Variable):
            if epsilon.ndim != 0:
                raise ValueError(f"{who}: epsilon must be a scalar expression, got {epsilon.ndim} dimensions")
            eps_attr = "input"
        elif isinstance(epsilon, numbers.Real) and not isinstance(epsilon, bool):
            if not 0 <= float(epsilon) <= 1:
                raise ValueError(f"{who}: epsilon must be in [0, 1], got {epsilon!r}")
            eps_attr = float(epsilon)
        else:
            raise TypeError(f"{who}: epsilon must be None, a number, a shared variable or a scalar expression, "
                            f"got {type(epsilon).__name__}")
        self.epsilon = epsilon
        self.seed = check_seed(seed, who)
        super(BaseResolver, self).__init__(incoming, name=name)
        self._check_input()
        self.output_dtype = output_dtype
        self._create_engine(epsilon=eps_attr, seed=self.seed, output_dtype=output_dtype)

    def _engine_attrs(self):
        attrs = super()._engine_attrs()
        if isinstance(self.epsilon, SharedVariable):  # a deep copy's engine layer reads the copy's epsilon
            attrs["epsilon"] = {"shared": self.epsilon.shared_handle}
        return attrs

    def _symbolic_epsilon(self):
        return isinstance(self.epsilon, Variable) and not isinstance(self.epsilon, SharedVariable)

    def _computed_by_engine(self):
        return not self._symbolic_epsilon() and super()._computed_by_engine()

    def _engine_input_shapes(self):
        return [self.input_shape] + ([()] if self._symbolic_epsilon() else [])

    def _engine_inputs(self, input):
        return [input] + ([self.epsilon] if self._symbolic_epsilon() else [])

    def get_output_for(self, policy, **kwargs):
        """Picks the actions for ``policy`` epsilon-greedily.

        Parameters
        ----------
        policy : Variable
            ``[batch, n_actions]`` policy for all actions.

        Returns
        -------
        Variable
            ``[batch]`` ids of the actions picked.
        """
        return super().get_output_for(policy, **kwargs)

    def _repr_args(self):
        eps = self.epsilon
        shown = repr(eps) if isinstance(eps, numbers.Real) else (getattr(eps, "_given_name", None) or "<expression>")
        return [f"epsilon={shown}"] + super()._repr_args()
