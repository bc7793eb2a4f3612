"""Target networks: copies of your agent (or of a part of it) whose weights lag behind the ones being trained.

In short, the reference Q-values are estimated not with the current weights but with an earlier snapshot, which
decorrelates targets and predictions and stabilises learning. Variants:

- the standard approach with an older snapshot (https://www.cs.toronto.edu/~vmnih/docs/dqn.pdf): call
  ``load_weights()`` every N iterations;
- a moving average of the weights (http://arxiv.org/abs/1509.02971): call ``load_weights(0.01)`` every iteration,
  or add ``get_updates(0.01)`` to the training function so it moves the target in the same call;
- double Q-learning and other ways of using a target network (http://arxiv.org/pdf/1509.06461.pdf).

:class:`TargetNetwork` supports both through ``moving_average_alpha``. The engine implements it
(``Sources/AgentNet/Utils/TargetNetwork.swift``): one engine call loads every parameter.
"""
import ctypes
import numbers
from collections import OrderedDict

from .. import _host, _lib
from .._core import Variable, c_i64p, check, constant, lib
from ..utils.clone import clone_network

_lib.declare("agn_target_network_create", c_i64p, ctypes.c_int64, c_i64p, ctypes.c_int64, c_i64p)
_lib.declare("agn_target_network_load_weights", ctypes.c_int64, ctypes.c_double)
_lib.declare("agn_target_network_pairs", ctypes.c_int64, c_i64p, c_i64p, c_i64p, c_i64p, ctypes.c_int64, c_i64p)
_lib.declare("agn_target_network_updates", ctypes.c_int64, ctypes.c_int64, c_i64p, ctypes.c_int64, c_i64p)

__all__ = ["TargetNetwork"]


def _layers(outputs):
    if isinstance(outputs, dict):
        return list(outputs.values())
    if isinstance(outputs, (list, tuple)):
        return list(outputs)
    return [outputs]


def _arr(values):
    return (ctypes.c_int64 * max(len(values), 1))(*values)


def _check_alpha(alpha):
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise TypeError(f"load_weights: moving_average_alpha must be a number in [0, 1], got {type(alpha).__name__}")
    if not 0 <= alpha <= 1:
        raise ValueError(f"load_weights: moving_average_alpha must be in [0, 1], got {alpha!r}")
    return float(alpha)


class TargetNetwork(object):
    """A generic class for target network techniques: a deep copy of the original network whose weights are
    synchronized with the original's by :meth:`load_weights`.

    If you just want to duplicate layers with or without sharing parameters, use
    :func:`agentnet.utils.clone.clone_network`.

    Parameters
    ----------
    original_network_outputs : Layer or a list/tuple of such
        The original network outputs to be cloned for the target network.
    bottom_layers : Layer or a list/tuple/dict of such
        The layers that are shared between the networks (a dict ``{original: replacement}`` substitutes layers).
    share_inputs : bool
        If True, all InputLayers are shared even if not mentioned in ``bottom_layers``.
    name : str
        The prefix of the copied layers' and parameters' names.

    Attributes
    ----------
    output_layers : Layer or list of Layer
        The copies of ``original_network_outputs`` (same container).
    param_dict : OrderedDict
        ``{clone parameter: original parameter}``, paired by position in ``get_all_params``; parameters shared
        through the bottom layers are left out.

    Raises
    ------
    ValueError
        If the target network has no loadable parameters (everything is shared, or nothing has parameters).

    Examples
    --------
    >>> l_in = InputLayer([None, 10])
    >>> l_d0 = DenseLayer(l_in, 20)
    >>> l_d1 = DenseLayer(l_d0, 30)
    >>> l_d2 = DenseLayer(l_d1, 40)
    >>> other_l_d2 = DenseLayer(l_d1, 41)
    >>> full_clone = TargetNetwork([l_d2, other_l_d2])       # copies every layer but l_in
    >>> clone_d2, clone_other_d2 = full_clone.output_layers
    >>> partial_clone = TargetNetwork(l_d2, bottom_layers=(l_d0,))   # copies l_d1 and l_d2 only
    >>> partial_clone.load_weights()                          # clone <- original
    >>> partial_clone.load_weights(0.33)                      # clone <- 0.67 * clone + 0.33 * original
    """

    def __init__(self, original_network_outputs, bottom_layers=(), share_inputs=True, name="target_net."):
        if not isinstance(name, str):
            raise TypeError(f"TargetNetwork: name must be a string (the prefix of the copies' names), got "
                            f"{type(name).__name__}")
        self.output_layers = clone_network(original_network_outputs, bottom_layers, share_inputs=share_inputs,
                                           name_prefix=name)
        self.original_network_outputs = original_network_outputs
        self.bottom_layers = bottom_layers
        self.name = name
        originals, clones = _layers(original_network_outputs), _layers(self.output_layers)
        h = ctypes.c_int64()
        check(lib.agn_target_network_create(_arr([l._handle for l in originals]), len(originals),
                                            _arr([l._handle for l in clones]), len(clones), ctypes.byref(h)))
        self._engine = h.value
        self.param_dict = self._pairs()

    def __del__(self):
        _lib.release(getattr(self, "_engine", 0))

    def _pairs(self):
        n = ctypes.c_int64()
        check(lib.agn_target_network_pairs(self._engine, None, None, None, None, 0, ctypes.byref(n)))
        co, ci, oo, oi = [(ctypes.c_int64 * max(n.value, 1))() for _ in range(4)]
        check(lib.agn_target_network_pairs(self._engine, co, ci, oo, oi, n.value, ctypes.byref(n)))

        def param(key, index):
            layer = _host.lookup(key)
            if layer is None:
                raise ReferenceError(f"TargetNetwork: a layer of the network (engine key {key}) has no live Python "
                                     "object")
            return list(layer.params)[index]
        return OrderedDict((param(co[i], ci[i]), param(oo[i], oi[i])) for i in range(n.value))

    def load_weights(self, moving_average_alpha=1):
        """Loads the weights from the original network into the target network. Call it whenever you want to
        synchronize the target network with the one you train.

        With the moving-average approach, ``moving_average_alpha`` is the fraction of the new weights that is
        loaded (e.g. 0.1).

        Parameters
        ----------
        moving_average_alpha : float in [0, 1]
            If 1, just loads the new weights. Otherwise
            ``target_weights = alpha * original_weights + (1 - alpha) * target_weights``.

        Raises
        ------
        ValueError
            If ``moving_average_alpha`` is not in [0, 1].
        """
        check(lib.agn_target_network_load_weights(self._engine, _check_alpha(moving_average_alpha)))

    def get_updates(self, moving_average_alpha=1):
        """The weight load of :meth:`load_weights` as symbolic updates, so a training function moves the target
        network in the same call::

            train = agentnet.function([...], loss, updates=list(adam(loss, weights).items())
                                      + list(target.get_updates(0.01).items()))

        Parameters
        ----------
        moving_average_alpha : float in [0, 1] or scalar Variable
            1 gives ``clone <- original``; otherwise ``clone <- (1 - alpha) * clone + alpha * original`` (a symbolic
            alpha is not range-checked).

        Returns
        -------
        OrderedDict
            ``{clone parameter: new value expression}`` in ``param_dict`` order.
        """
        if isinstance(moving_average_alpha, Variable):
            alpha = moving_average_alpha
        else:
            alpha = _check_alpha(moving_average_alpha)
            alpha = None if alpha == 1 else constant(alpha)
        n = ctypes.c_int64()
        handle = 0 if alpha is None else alpha.handle
        check(lib.agn_target_network_updates(self._engine, handle, None, 0, ctypes.byref(n)))
        exprs = (ctypes.c_int64 * max(n.value, 1))()
        check(lib.agn_target_network_updates(self._engine, handle, exprs, n.value, ctypes.byref(n)))
        return OrderedDict(zip(self.param_dict.keys(), (Variable(exprs[i]) for i in range(n.value))))

    def __repr__(self):
        return f"TargetNetwork(name={self.name!r}, {len(self.param_dict)} loaded parameters)"

