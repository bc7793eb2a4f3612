"""The seed's legacy ``GRUMemoryLayer``: one GRU tick with Lasagne's ``GRULayer`` API (``Gate`` parameter holders)."""
import numbers

import numpy as np

from .. import init
from .. import nonlinearities
from .. import tensor as T
from ..layers.base import MergeLayer

__all__ = ["Gate", "GRUMemoryLayer"]


class Gate:
    """Initializers and nonlinearity of one gate (Lasagne's ``layers.Gate``).

    Parameters
    ----------
    W_in : initializer
        Input-to-gate weights, default ``Normal(0.1)``.
    W_hid : initializer
        Hidden-to-gate weights, default ``Normal(0.1)``.
    W_cell : initializer or None
        Cell-to-gate (peephole) weights, default ``Normal(0.1)``; unused by GRUs.
    b : initializer
        Gate bias, default ``Constant(0)``.
    nonlinearity : callable or None
        Default sigmoid; None is the identity.
    """

    def __init__(self, W_in=init.Normal(0.1), W_hid=init.Normal(0.1), W_cell=init.Normal(0.1), b=init.Constant(0.),
                 nonlinearity=nonlinearities.sigmoid):
        self.W_in = W_in
        self.W_hid = W_hid
        self.W_cell = W_cell
        self.b = b
        self.nonlinearity = nonlinearities.identity if nonlinearity is None else nonlinearity

    def __repr__(self):
        return (f"Gate(W_in={self.W_in!r}, W_hid={self.W_hid!r}, W_cell={self.W_cell!r}, b={self.b!r}, "
                f"nonlinearity={getattr(self.nonlinearity, '__name__', self.nonlinearity)!r})")


class GRUMemoryLayer(MergeLayer):
    """A GRU tick with the same maths as :func:`agentnet.memory.rnn.GRUCell`, shape ``[batch, units]``::

        r = sigma(x . W_in_r + b_r + h . W_hid_r);  u = sigma(x . W_in_u + b_u + h . W_hid_u)
        c = tanh(x . W_in_c + b_c + r * (h . W_hid_c))
        h' = (1 - u) * h + u * c

    Parameters
    ----------
    num_units : int
        Number of units; must equal the width of ``prev_state_input``.
    observation_input : Layer
        The input ``x``, ``[batch, ...]`` (flattened to ``[batch, features]``).
    prev_state_input : Layer
        The previous state ``h``, ``[batch, units]``.
    resetgate, updategate, hidden_update : Gate
        Initializers and nonlinearities (``W_cell`` is ignored); the defaults are Lasagne's ``Gate(W_cell=None)``
        with tanh for ``hidden_update``.
    grad_clipping : float
        Clips gradients at the input, the hidden terms ``h . W_hid`` and the candidate pre-activation. Default 5
        (unlike GRUCell); 0 or None disables it.
    name : str
        Default ``"YetAnotherGRUMemoryLayer"``; parameters are ``<name>.W_in_to_<gate>``, ``<name>.W_hid_to_<gate>``
        and ``<name>.b_<gate>`` for gates ``updategate, resetgate, hidden_update`` (in that order).
    """

    def __init__(self, num_units, observation_input, prev_state_input, resetgate=Gate(W_cell=None),
                 updategate=Gate(W_cell=None), hidden_update=Gate(W_cell=None, nonlinearity=nonlinearities.tanh),
                 grad_clipping=5., name="YetAnotherGRUMemoryLayer", **kwargs):
        super().__init__([prev_state_input, observation_input], name=name, **kwargs)
        owner = f"GRUMemoryLayer {name!r}"
        state_shape, obs_shape = self.input_shapes
        if isinstance(num_units, bool) or not isinstance(num_units, numbers.Integral):
            raise TypeError(f"{owner}: num_units must be an int, got {num_units!r}")
        if len(state_shape) != 2 or state_shape[1] != num_units:
            raise ValueError(f"{owner}: num_units={num_units} (new state shape {(state_shape[0], num_units)}) does "
                             f"not match prev_state_input of shape {state_shape}")
        if len(obs_shape) < 2 or any(d is None for d in obs_shape[1:]):
            raise ValueError(f"{owner}: observation_input has shape {obs_shape}; it needs a batch axis and known "
                             "sizes on the other axes")
        for what, gate in (("resetgate", resetgate), ("updategate", updategate), ("hidden_update", hidden_update)):
            if not isinstance(gate, Gate):
                raise TypeError(f"{owner}: {what} must be a Gate, got {type(gate).__name__}")
        self.num_units = int(num_units)
        self.grad_clipping = grad_clipping
        n_in = int(np.prod(obs_shape[1:]))

        def add_gate_params(gate, gate_name):
            return (self.add_param(gate.W_in, (n_in, num_units), name=f"W_in_to_{gate_name}"),
                    self.add_param(gate.W_hid, (num_units, num_units), name=f"W_hid_to_{gate_name}"),
                    self.add_param(gate.b, (num_units,), name=f"b_{gate_name}", regularizable=False),
                    gate.nonlinearity)

        # the seed's parameter order (update, reset, hidden update), which set_all_param_values relies on
        (self.W_in_to_updategate, self.W_hid_to_updategate, self.b_updategate,
         self.nonlinearity_updategate) = add_gate_params(updategate, "updategate")
        (self.W_in_to_resetgate, self.W_hid_to_resetgate, self.b_resetgate,
         self.nonlinearity_resetgate) = add_gate_params(resetgate, "resetgate")
        (self.W_in_to_hidden_update, self.W_hid_to_hidden_update, self.b_hidden_update,
         self.nonlinearity_hid) = add_gate_params(hidden_update, "hidden_update")

    def get_output_shape_for(self, input_shapes):
        return input_shapes[0]

    def get_output_for(self, inputs, **kwargs):
        h, x = inputs
        if x.ndim != 2:
            x = T.flatten(x, 2)
        n = self.num_units
        # [batch, 3 * units], gates in the order reset, update, hidden update
        hid_in = T.dot(h, T.concatenate([self.W_hid_to_resetgate, self.W_hid_to_updategate,
                                         self.W_hid_to_hidden_update], axis=1))
        if self.grad_clipping:
            g = abs(float(self.grad_clipping))
            x = T.grad_clip(x, -g, g)
            hid_in = T.grad_clip(hid_in, -g, g)
        x_in = T.dot(x, T.concatenate([self.W_in_to_resetgate, self.W_in_to_updategate,
                                       self.W_in_to_hidden_update], axis=1))
        x_in = x_in + T.concatenate([self.b_resetgate, self.b_updategate, self.b_hidden_update], axis=0)

        reset = self.nonlinearity_resetgate(hid_in[:, :n] + x_in[:, :n])
        update = self.nonlinearity_updategate(hid_in[:, n:2 * n] + x_in[:, n:2 * n])
        candidate = x_in[:, 2 * n:] + reset * hid_in[:, 2 * n:]
        if self.grad_clipping:
            candidate = T.grad_clip(candidate, -g, g)
        candidate = self.nonlinearity_hid(candidate)
        return (1 - update) * h + update * candidate

    def _repr_args(self):
        return [f"num_units={self.num_units}", f"grad_clipping={self.grad_clipping!r}"]
