"""The seed's legacy ``GRUMemoryLayer``: one GRU tick with Lasagne's ``GRULayer`` API (``Gate`` parameter holders).

Computed by the engine (``Sources/AgentNet/Memory/GRUMemoryLayer.swift``), which checks the shapes and names the
parameters at construction.
"""
import numbers

from .. import init
from .. import nonlinearities
from ..layers._zoo import EngineBacked, ParamProbe, param_refs
from ..layers.base import MergeLayer
from ..layers.native import nonlinearity_spec

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


class GRUMemoryLayer(EngineBacked, MergeLayer):
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

    _engine_kind = "GRUMemoryLayer"
    _gates = ("resetgate", "updategate", "hidden_update")

    def __init__(self, num_units, observation_input, prev_state_input, resetgate=Gate(W_cell=None),
                 updategate=Gate(W_cell=None), hidden_update=Gate(W_cell=None, nonlinearity=nonlinearities.tanh),
                 grad_clipping=5., name="YetAnotherGRUMemoryLayer", **kwargs):
        super().__init__([prev_state_input, observation_input], name=name, **kwargs)
        owner = f"GRUMemoryLayer {name!r}"
        if isinstance(num_units, bool) or not isinstance(num_units, numbers.Integral):
            raise TypeError(f"{owner}: num_units must be an int, got {num_units!r}")
        gates = dict(zip(self._gates, (resetgate, updategate, hidden_update)))
        for what, gate in gates.items():
            if not isinstance(gate, Gate):
                raise TypeError(f"{owner}: {what} must be a Gate, got {type(gate).__name__}")
        self.num_units = int(num_units)
        self.grad_clipping = grad_clipping
        config = dict(num_units=self.num_units, grad_clipping=float(grad_clipping or 0))
        specs = {k: {"W_in": g.W_in, "W_hid": g.W_hid, "b": g.b} for k, g in gates.items()}
        layout = ParamProbe("GRUMemoryLayer", self.input_shapes, specs, name=name, **config).create(self)
        self._param_layout = layout
        for gate, suffix in zip(self._gates, ("resetgate", "updategate", "hid")):
            for kind in ("W_in", "W_hid", "b"):
                attr = kind if kind == "b" else kind + "_to"
                setattr(self, f"{attr}_{gate}", layout[gate][kind])
            setattr(self, f"nonlinearity_{suffix}", gates[gate].nonlinearity)
        self._create_engine(**config)

    def _engine_attrs(self):
        attrs = dict(super()._engine_attrs())
        for gate, suffix in zip(self._gates, ("resetgate", "updategate", "hid")):
            attrs[gate] = dict(param_refs(self._param_layout[gate]),
                               nonlinearity=nonlinearity_spec(getattr(self, f"nonlinearity_{suffix}")))
        return attrs

    def _repr_args(self):
        return [f"num_units={self.num_units}", f"grad_clipping={self.grad_clipping!r}"]
