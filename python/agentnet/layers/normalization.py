"""Batch normalization (Lasagne's ``layers.normalization.BatchNormLayer`` and ``batch_norm``).

Running averages
----------------
Lasagne keeps the running mean and inverse standard deviation up to date through Theano's ``default_update``
mechanism: the training graph silently carries updates of the ``mean`` and ``inv_std`` shared variables. The
engine has no hidden default updates, so here they are explicit:

* ``get_output(net)`` (not deterministic) normalizes with the batch statistics and, since
  ``batch_norm_update_averages`` defaults to True then, records the running-average updates on the layer;
* :meth:`BatchNormLayer.get_updates` returns them as an OrderedDict ``{mean: new_mean, inv_std: new_inv_std}``
  and :func:`get_batch_norm_updates` collects them from a whole network; add them to the training function's
  updates, e.g. ``agentnet.function([x, y], loss, updates=list(adam(...).items()) +
  list(get_batch_norm_updates(net).items()))``;
* ``get_output(net, deterministic=True)`` normalizes with the stored averages and records nothing.

The update rule is Lasagne's: ``mean <- (1 - alpha) * mean + alpha * batch_mean`` and likewise for ``inv_std``.
The layer is computed by the engine (``Sources/AgentNet/Layers/BatchNormLayer.swift``), which records the updates.
"""
import ctypes
import numbers
from collections import OrderedDict

from .. import _lib, init
from .._core import Variable, c_i64p, check, lib
from .base import Layer
from ._zoo import CONSTANT, EngineBacked

_lib.declare("agn_layer_update", ctypes.c_int64, ctypes.c_int64, c_i64p, c_i64p, c_i64p, c_i64p)

__all__ = ["BatchNormLayer", "batch_norm", "get_batch_norm_updates"]


def _layer_updates(engine):
    """The version of the updates recorded by an engine layer's latest output and their new-value expressions, in
    its order."""
    count, version, s, e = ctypes.c_int64(), ctypes.c_int64(), ctypes.c_int64(), ctypes.c_int64()
    ref = ctypes.byref
    check(lib.agn_layer_update(engine.handle, -1, ref(count), ref(version), ref(s), ref(e)))
    out = []
    for i in range(count.value):
        check(lib.agn_layer_update(engine.handle, i, ref(count), ref(version), ref(s), ref(e)))
        _lib.release(s.value)
        out.append(Variable(e.value))
    return version.value, out


class BatchNormLayer(EngineBacked, Layer):
    """Normalizes the input over ``axes``: ``(input - mean) * inv_std * gamma + beta``.

    Parameters
    ----------
    incoming : Layer or tuple
    axes : 'auto', int or tuple of int
        Axes to normalize over; ``'auto'`` means all axes but the second (per-unit / per-channel statistics).
    epsilon : float
        Added to the variance before the square root; default 1e-4.
    alpha : float
        Weight of the newest batch in the running averages; default 0.1.
    beta : Initializer, array, SharedVariable or None
        Shift (trainable, not regularizable), default ``Constant(0)``; None for no shift.
    gamma : Initializer, array, SharedVariable or None
        Scale (trainable, regularizable), default ``Constant(1)``; None for no scale.
    mean : Initializer, array or SharedVariable
        Running mean (not trainable, not regularizable), default ``Constant(0)``.
    inv_std : Initializer, array or SharedVariable
        Running inverse standard deviation (not trainable, not regularizable), default ``Constant(1)``.

    Notes
    -----
    ``get_output_for`` accepts ``deterministic`` (default False), ``batch_norm_use_averages`` (default
    ``deterministic``) and ``batch_norm_update_averages`` (default ``not deterministic``). See the module
    docstring and :meth:`get_updates` for how the running averages are updated.
    """

    def __init__(self, incoming, axes="auto", epsilon=1e-4, alpha=0.1, beta=init.Constant(0),
                 gamma=init.Constant(1), mean=init.Constant(0), inv_std=init.Constant(1), **kwargs):
        super().__init__(incoming, **kwargs)
        if axes != "auto":
            if isinstance(axes, numbers.Integral) and not isinstance(axes, bool):
                axes = (axes,)
            try:
                axes = [int(a) for a in axes]
            except (TypeError, ValueError):
                raise TypeError(f"BatchNormLayer: axes must be 'auto', an int or a tuple of ints, got {axes!r}") from None
        for what, v in (("epsilon", epsilon), ("alpha", alpha)):
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise TypeError(f"BatchNormLayer: {what} must be a number, got {v!r}")
        self.epsilon = epsilon
        self.alpha = alpha
        attrs = dict(axes=axes, epsilon=float(epsilon), alpha=float(alpha))
        shapes = self._engine_param_shapes(beta=CONSTANT, gamma=CONSTANT, mean=CONSTANT, inv_std=CONSTANT, **attrs)
        shape = shapes["mean"]
        self.axes = (0,) + tuple(range(2, len(self.input_shape))) if axes == "auto" else tuple(axes)
        self.beta = None if beta is None else self.add_param(beta, shape, "beta", trainable=True,
                                                               regularizable=False)
        self.gamma = None if gamma is None else self.add_param(gamma, shape, "gamma", trainable=True,
                                                                 regularizable=True)
        self.mean = self.add_param(mean, shape, "mean", trainable=False, regularizable=False)
        self.inv_std = self.add_param(inv_std, shape, "inv_std", trainable=False, regularizable=False)
        self._create_engine(**attrs)

    _engine_params = ("beta", "gamma", "mean", "inv_std")

    def get_output_for(self, input, deterministic=False, batch_norm_use_averages=None,
                       batch_norm_update_averages=None, **kwargs):
        return self._compute_layer().output([input], deterministic, batch_norm_use_averages=batch_norm_use_averages,
                                            batch_norm_update_averages=batch_norm_update_averages)

    def get_updates(self):
        """Running-average updates recorded by the latest ``get_output_for`` that updated the averages.

        Returns
        -------
        OrderedDict
            ``{self.mean: new_mean, self.inv_std: new_inv_std}`` as expressions of that call's input (empty if no
            training-mode output has been built yet). Pass them to :func:`agentnet.function` as ``updates``.
        """
        engine = self._compute_layer()
        version, exprs = _layer_updates(engine)
        key = (engine.handle, version)  # the same record gives the same expression objects
        cached = self.__dict__.get("_updates")
        if cached is None or cached[0] != key:
            cached = self.__dict__["_updates"] = (key, OrderedDict(zip((self.mean, self.inv_std), exprs)))
        return OrderedDict(cached[1])

    def _repr_args(self):
        return [f"axes={self.axes!r}"]


def get_batch_norm_updates(layer_or_layers):
    """The running-average updates of every :class:`BatchNormLayer` below ``layer_or_layers`` (an OrderedDict).

    Call it after ``get_output(layer_or_layers)`` built the training graph.
    """
    from .helper import get_all_layers
    updates = OrderedDict()
    for layer in get_all_layers(layer_or_layers):
        if isinstance(layer, BatchNormLayer):
            updates.update(layer.get_updates())
    return updates


def batch_norm(layer, **kwargs):
    """Inserts a :class:`BatchNormLayer` after ``layer`` (Lasagne's ``batch_norm``).

    The layer's bias ``b`` is removed (batch normalization's ``beta`` replaces it) and its nonlinearity is moved
    after the normalization, in a :class:`NonlinearityLayer`. Returns the last layer added.
    """
    from .dense import NonlinearityLayer
    nonlinearity = getattr(layer, "nonlinearity", None)
    if nonlinearity is not None:
        layer.set_nonlinearity(None)
    if getattr(layer, "b", None) is not None:
        layer.b = None  # drops it from layer.params and from the engine layer
    bn_name = (kwargs.pop("name", None) or (getattr(layer, "name", None) and layer.name + "_bn"))
    layer = BatchNormLayer(layer, name=bn_name, **kwargs)
    if nonlinearity is not None:
        nonlin_name = bn_name and bn_name + "_nonlin"
        layer = NonlinearityLayer(layer, nonlinearity, name=nonlin_name)
    return layer
