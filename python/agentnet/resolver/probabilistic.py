"""Probabilistic (sampling) action resolver."""
from .base import BaseResolver
from ._engine import check_output_dtype, check_seed

__all__ = ["ProbabilisticResolver"]


class ProbabilisticResolver(BaseResolver):
    """Resolver that:

    - determines which action should be taken given policy,
    - samples actions with probabilities given by input layer.

    Per row, ``p = policy / sum(policy)`` (unless ``assume_normalized``; the policy must be non-negative),
    ``u ~ U[0, 1)`` and ``action = sum_{k < n-1} [u > cumsum(p)_k]`` (inverse CDF; the last cumulative sum is left
    out so float rounding cannot give the id ``n``). On ``p = [.1, .2, .3, .4]`` the frequencies are .1/.2/.3/.4.
    ``get_output(resolver, greedy=True)`` gives ``argmax(policy)`` instead.

    Computed by the engine (``Sources/AgentNet/Resolver/ProbabilisticResolver.swift``) with its own seeded
    generator: every call of a compiled function samples anew, and the same seed gives the same actions.

    Parameters
    ----------
    incoming : Layer or tuple
        The policy layer, ``[batch, n_actions]`` (probabilities, or non-negative weights).
    assume_normalized : bool
        If True, the rows already sum to 1 (e.g. a softmax) and are not divided by their sum; default False.
    seed : int
        Random seed; default 1234.
    output_dtype : str
        ``'int32'`` (default) or ``'float32'``.
    name : str or None
        Default ``"ProbabilisticResolver"``.

    Shapes
    ------
    input : ``[batch, n_actions]``
    output : ``[batch]``
    """

    _engine_kind = "ProbabilisticResolver"

    def __init__(self, incoming, assume_normalized=False, seed=1234, output_dtype="int32",
                 name="ProbabilisticResolver"):
        who = type(self).__name__
        self.assume_normalized = bool(assume_normalized)
        self.seed = check_seed(seed, who)
        super(BaseResolver, self).__init__(incoming, name=name)
        self._check_input()
        self.output_dtype = check_output_dtype(output_dtype, who)
        self._create_engine(assume_normalized=self.assume_normalized, seed=self.seed, output_dtype=self.output_dtype)

    def get_output_for(self, policy, greedy=False, **kwargs):
        """Samples the actions from ``policy`` (or takes the argmax when ``greedy``).

        Parameters
        ----------
        policy : Variable
            ``[batch, n_actions]`` action probabilities (or non-negative weights).
        greedy : bool
            If True, return ``argmax(policy, axis=1)``; default False.

        Returns
        -------
        Variable
            ``[batch]`` ids of the actions picked.
        """
        return self._compute_layer().output([policy], kwargs.get("deterministic", False), greedy=bool(greedy))

    def _repr_args(self):
        return (["assume_normalized=True"] if self.assume_normalized else []) + super()._repr_args()
