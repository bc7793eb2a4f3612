"""Base (greedy) action resolver."""
from ..layers.base import Layer
from ._engine import EngineResolver, check_output_dtype, check_policy_shape

__all__ = ["BaseResolver", "GreedyResolver"]


class BaseResolver(EngineResolver, Layer):
    """Special Lasagne Layer instance that determines the actions an agent takes given its policy (e.g.
    Q-values): the greedy one, ``argmax(policy, axis=1)``.

    Computed by the engine (``Sources/AgentNet/Resolver/BaseResolver.swift``). Subclass it and override
    ``get_output_for`` for a resolver of your own.

    Parameters
    ----------
    incoming : Layer or tuple
        The policy layer, ``[batch, n_actions]``.
    name : str or None
        Default ``"BaseResolver"``.
    output_dtype : str
        dtype of the action ids: ``'int32'`` (default) or ``'float32'``.

    Shapes
    ------
    input : ``[batch, n_actions]``
    output : ``[batch]``, ``output_dtype``
    """

    _engine_kind = "BaseResolver"

    def __init__(self, incoming, name="BaseResolver", output_dtype="int32"):
        super().__init__(incoming, name=name)
        self._check_input()
        self.output_dtype = check_output_dtype(output_dtype, type(self).__name__)
        self._create_engine(output_dtype=self.output_dtype)

    def _check_input(self):
        check_policy_shape(self.input_shape, type(self).__name__)

    def get_output_shape_for(self, input_shape):
        """``[batch]``: one action per row of the policy."""
        check_policy_shape(input_shape, type(self).__name__)
        return (input_shape[0],)

    def get_output_for(self, policy, **kwargs):
        """The action ids picked for ``policy``.

        Parameters
        ----------
        policy : Variable
            ``[batch, n_actions]`` float32 policy values for all actions (Q-values or probabilities).

        Returns
        -------
        Variable
            ``[batch]`` action ids.
        """
        return super().get_output_for(policy, **kwargs)

    def _repr_args(self):
        return [] if self.output_dtype == "int32" else [f"output_dtype={self.output_dtype!r}"]


#: The seed's other name for :class:`BaseResolver`.
GreedyResolver = BaseResolver
