"""``agentnet.target_network.TargetNetwork``: a copy of a network that follows the original slowly, for stable
bootstrapping targets in Q-learning (the seed's module, reference §6)."""
import numbers
from collections import OrderedDict

import numpy as np

from .. import _core
from .._function import function
from ..layers.helper import get_all_params
from ..utils.clone import _flatten, clone_network

__all__ = ["TargetNetwork"]


class TargetNetwork:
    """A clone of ``original_network_outputs`` whose weights are loaded from the original on demand.

    Parameters
    ----------
    original_network_outputs : Layer, list, tuple or dict of Layer
        The outputs of the network to follow (e.g. the Q-values layer).
    bottom_layers : Layer, list, tuple or dict
        Layers shared with the original rather than cloned (with everything below them), as in
        :func:`agentnet.utils.clone.clone_network`: ``TargetNetwork(qvalues, conv2)`` shares the convolutions up to
        ``conv2`` and clones the rest.
    share_inputs : bool
        Reuse the original's InputLayers (default True).
    name : str
        Prefix of the clone's layer and parameter names (default ``"target_net."``).

    Attributes
    ----------
    output_layers
        The clone, in the container type of ``original_network_outputs``.
    param_dict : OrderedDict
        ``{clone parameter: original parameter}`` for every parameter the clone does not share.

    Examples
    --------
    >>> target = TargetNetwork(qvalues_layer)
    >>> target.load_weights()        # hard copy: clone <- original
    >>> target.load_weights(0.01)    # soft: clone <- 0.99 clone + 0.01 original, one engine call for all params
    """

    def __init__(self, original_network_outputs, bottom_layers=(), share_inputs=True, name="target_net."):
        self.original_network_outputs = original_network_outputs
        self.bottom_layers = bottom_layers
        self.name = name
        self.output_layers = clone_network(original_network_outputs, bottom_layers=bottom_layers or None,
                                           share_inputs=share_inputs, name_prefix=name)
        originals, _ = _flatten(original_network_outputs, "TargetNetwork")
        clones, _ = _flatten(self.output_layers, "TargetNetwork")
        pairs = zip(get_all_params(clones), get_all_params(originals))
        self.param_dict = OrderedDict((c, o) for c, o in pairs if c is not o)
        if not self.param_dict:
            raise ValueError("TargetNetwork: the clone shares every parameter with the original (everything is in "
                             "bottom_layers?), so there is nothing to load")
        self._alpha = _core.shared(np.float32(1), name=f"{name}alpha")
        self._hard = self._soft = None

    def get_updates(self, moving_average_alpha=1):
        """Symbolic updates that move the clone towards the original when a compiled function runs.

        Parameters
        ----------
        moving_average_alpha : float or scalar expression
            1 gives a hard copy; otherwise ``clone <- (1 - alpha) * clone + alpha * original``.

        Returns
        -------
        OrderedDict
            ``{clone parameter: new value}`` for ``agentnet.function(..., updates=...)``, so a training step can
            move the target in the same call.
        """
        alpha = self._check_alpha(moving_average_alpha) if not isinstance(moving_average_alpha, _core.Variable) \
            else moving_average_alpha
        if isinstance(alpha, float) and alpha == 1.0:
            return OrderedDict((c, o) for c, o in self.param_dict.items())
        return OrderedDict((c, (1 - alpha) * c + alpha * o) for c, o in self.param_dict.items())

    @staticmethod
    def _check_alpha(alpha):
        if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
            raise TypeError(f"TargetNetwork.load_weights: moving_average_alpha must be a number in [0, 1], got {alpha!r}")
        alpha = float(alpha)
        if not 0 <= alpha <= 1:
            raise ValueError(f"TargetNetwork.load_weights: moving_average_alpha must be in [0, 1], got {alpha}")
        return alpha

    def load_weights(self, moving_average_alpha=1):
        """Moves the clone's weights towards the original's: a hard copy for ``moving_average_alpha=1`` (default),
        else ``clone <- (1 - alpha) * clone + alpha * original``; one compiled engine call updates every parameter."""
        alpha = self._check_alpha(moving_average_alpha)
        if alpha == 1.0:
            if self._hard is None:
                self._hard = function([], [], updates=list(self.param_dict.items()))
            self._hard()
            return
        if self._soft is None:
            a = self._alpha
            self._soft = function([], [], updates=[(c, (1 - a) * c + a * o) for c, o in self.param_dict.items()])
        self._alpha.set_value(np.float32(alpha))
        self._soft()

    def __repr__(self):
        return f"TargetNetwork(name={self.name!r}, {len(self.param_dict)} parameters loaded from the original)"
