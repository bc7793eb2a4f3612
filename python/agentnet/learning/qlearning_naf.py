"""``agentnet.learning.qlearning_naf``: Q-learning with normalized advantage functions (arXiv:1603.00748).

For continuous actions ``u`` of ``A`` dimensions, ``Q(s, u) = V(s) + A(s, u)`` with the advantage
``A(s, u) = -0.5 * (u - mu(s))^T L L^T (u - mu(s))`` and ``L`` lower triangular, so ``mu(s)`` is the greedy action.
The loss is the deterministic policy gradient critic's (:func:`agentnet.learning.dpg.get_elementwise_objective_critic`)
with ``action_qvalues = Q(s, u_taken)`` and ``state_values = V(s)``.

The layers are computed by the engine (``Sources/AgentNet/Learning/NAFLayers.swift``); ``build_NAF_controller``
wires them as the seed does. As in the seed, nothing makes L's diagonal positive (the paper exponentiates it), so
``L L^T`` is only positive semi-definite.
"""
import math
import numbers
import warnings
from collections import OrderedDict

import numpy as np

from .._core import Variable
from ..layers import DenseLayer, ElemwiseSumLayer, GaussianNoiseLayer, Layer, MergeLayer
from ..layers._zoo import EngineBacked
from .dpg import get_elementwise_objective_critic

__all__ = ["diag_to_tril_size", "tril_size_to_diag", "LowerTriangularLayer", "NAFLayer", "build_NAF_controller",
           "get_elementwise_objective"]


def diag_to_tril_size(diag_size):
    """Number of entries of a lower-triangular ``diag_size x diag_size`` matrix: ``d(d+1)/2``.

    Examples
    --------
    >>> diag_to_tril_size(3)
    6
    """
    return diag_size * (diag_size + 1) // 2


def tril_size_to_diag(tril_size):
    """The diagonal size ``d`` with ``d(d+1)/2 == tril_size``: ``floor(-0.5 + sqrt(0.25 + 2 s))``, as the seed.

    Raises
    ------
    ValueError
        If ``tril_size`` is not a triangular number (the seed's check never fired; ours does).
    """
    d = int(-0.5 + math.sqrt(0.25 + 2 * tril_size))
    if diag_to_tril_size(d) != tril_size:
        raise ValueError(f"{tril_size} is not the size of a lower-triangular matrix (d(d+1)/2 for an integer d)")
    return d


def _shape_of(incoming):
    return incoming.output_shape if isinstance(incoming, Layer) else tuple(incoming)


class LowerTriangularLayer(EngineBacked, Layer):
    """Fills lower-triangular ``[batch, d, d]`` matrices row by row (``np.tril_indices(d)`` order) from
    ``[batch, d(d+1)/2]`` entries: ``[1, 2, 3]`` gives ``[[1, 0], [2, 3]]``. Entries above the diagonal are 0.

    Parameters
    ----------
    incoming : Layer or tuple
        ``[batch, units]``. With ``matrix_diag=None`` its units are the entries, so their number must be
        triangular (1, 3, 6, 10, ...). Otherwise a linear :class:`DenseLayer` of ``d(d+1)/2`` units named
        ``name + ".preprocess_input"`` is put in between (the layer's ``input_layer``), as in the seed.
    matrix_diag : int or None
        ``d``; None infers it from the incoming units.
    name : str or None

    Warns
    -----
    UserWarning
        With ``matrix_diag`` when the incoming layer already has ``d(d+1)/2`` units (the Dense is then learned on
        top of entries that could be used directly).

    Shapes
    ------
    input : ``[batch, d(d+1)/2]``
    output : ``[batch, d, d]``
    """

    _engine_kind = "LowerTriangularLayer"

    def __init__(self, incoming, matrix_diag=None, **kwargs):
        if matrix_diag is not None:
            if isinstance(matrix_diag, bool) or not isinstance(matrix_diag, numbers.Integral):
                raise TypeError(f"LowerTriangularLayer: matrix_diag must be a positive int or None, got "
                                f"{matrix_diag!r}")
            if matrix_diag < 1:
                raise ValueError(f"LowerTriangularLayer: matrix_diag must be positive, got {matrix_diag}")
            size = diag_to_tril_size(int(matrix_diag))
            shape = _shape_of(incoming)
            if len(shape) == 2 and shape[1] == size:
                warnings.warn(f"LowerTriangularLayer will learn a transformation from its input of shape {shape} to a "
                              f"vector of the same size {size}. To use the input's units as the matrix entries "
                              "directly, pass matrix_diag=None.", stacklevel=2)
            incoming = DenseLayer(incoming, num_units=size, nonlinearity=None,
                                  name=(kwargs.get("name") or "") + ".preprocess_input")
        super().__init__(incoming, **kwargs)
        self._create_engine()
        self.matrix_diag = self.output_shape[-1]

    def _repr_args(self):
        return [f"matrix_diag={self.matrix_diag}"]


class NAFLayer(EngineBacked, MergeLayer):
    """The advantage ``A(s, u) = -0.5 * (u - mu)^T L L^T (u - mu)`` of NAF, ``[batch, 1]`` (never positive).

    Parameters
    ----------
    action_layer : Layer or tuple
        The actions taken, ``u``: ``[batch, A]``.
    mean_layer : Layer or tuple
        The greedy actions, ``mu``: ``[batch, A]``.
    L_layer : Layer or tuple
        ``[batch, A, A]``, usually a :class:`LowerTriangularLayer` (the layer uses whatever matrix it is given).
    name : str or None

    Raises
    ------
    ValueError
        If the shapes are not ``[batch, A]``, ``[batch, A]``, ``[batch, A, A]`` with one ``A`` and one batch size.
    """

    _engine_kind = "NAFLayer"

    def __init__(self, action_layer, mean_layer, L_layer, **kwargs):
        super().__init__([action_layer, mean_layer, L_layer], **kwargs)
        self._create_engine()


class ClipLayer(EngineBacked, Layer):
    """``clip(input, low, high)``: the greedy actions kept within the action limits (the seed used
    ``NonlinearityLayer(mean, lambda a: a.clip(low, high))``). The gradient flows where ``low <= x <= high``.

    Parameters
    ----------
    incoming : Layer or tuple
    low, high : float or array of shape ``[A]``
        One bound for all values or one per position of the last axis; infinite bounds are no bound.
    """

    _engine_kind = "ClipLayer"

    def __init__(self, incoming, low=-np.inf, high=np.inf, **kwargs):
        super().__init__(incoming, **kwargs)
        self.low, self.high = low, high
        self._create_engine(low=_bound(low, "low"), high=_bound(high, "high"))

    def _repr_args(self):
        return [f"low={self.low!r}", f"high={self.high!r}"]


def _bound(value, what):
    try:
        b = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"ClipLayer: {what} must be a number or an array of numbers, got {value!r}") from None
    if b.ndim > 1:
        raise ValueError(f"ClipLayer: {what} must be a number or one per action (rank 1), got shape {b.shape}")
    return b.tolist()


def build_NAF_controller(input_layer=None, action_dimensions=1, exploration=1e-2, additive_exploration=True,
                         mean_layer=None, V_layer=None, L_layer=None, action_low=-np.inf, action_high=np.inf):
    """Builds the NAF controller and returns its layers by name (the seed's OrderedDict).

    Parameters
    ----------
    input_layer : Layer or None
        The layer the default ``mean_layer``, ``V_layer`` and ``L_layer`` are computed from; required unless all
        three are given.
    action_dimensions : int
        ``A``, the number of action components.
    exploration : float, symbolic scalar or Layer
        A number or scalar expression: the standard deviation of Gaussian noise added to the clipped means
        (requires ``additive_exploration``). A layer ``[batch, A]``: see ``additive_exploration``.
    additive_exploration : bool
        With a layer as ``exploration``: True adds it to the clipped means, False uses it as the actions.
    mean_layer : Layer or None
        The greedy actions ``mu`` ``[batch, A]``; default ``DenseLayer(input_layer, A, nonlinearity=None,
        name="qnaf.weights")``.
    V_layer : Layer or None
        V(s) ``[batch, 1]``; default ``DenseLayer(input_layer, 1, name="qnaf.state_value")``, which keeps
        Lasagne's default rectify nonlinearity as the seed's does (so V >= 0: give a linear layer if returns can
        be negative).
    L_layer : Layer or None
        ``[batch, A, A]``; default ``LowerTriangularLayer(input_layer, matrix_diag=A, name="qnaf.L")``.
    action_low, action_high : float or array ``[A]``
        Action limits for picking actions; the advantage uses the unclipped means, as in the seed.

    Returns
    -------
    OrderedDict
        ``means`` (mu), ``actions`` (clipped means with exploration), ``action_qvalues`` (``Q = V + A`` for
        ``actions``, ``[batch, 1]``), ``state_value`` (V) and ``advantage`` (a :class:`NAFLayer` named
        "qnaf.advantage"). To train on recorded actions, give them for the ``actions`` layer:
        ``get_output(q, {state_layer: s, controller["actions"]: u})``.

    Raises
    ------
    ValueError
        For a missing ``input_layer``, a non-additive numeric exploration, or layers of the wrong shapes.
    """
    fn = "build_NAF_controller"
    if (isinstance(action_dimensions, bool) or not isinstance(action_dimensions, numbers.Integral)
            or action_dimensions < 1):
        raise ValueError(f"{fn}: action_dimensions must be a positive int, got {action_dimensions!r}")
    if input_layer is None:
        missing = [n for n, l in (("mean_layer", mean_layer), ("V_layer", V_layer), ("L_layer", L_layer)) if l is None]
        if missing:
            raise ValueError(f"{fn}: input_layer is required unless mean_layer, V_layer and L_layer are all given "
                             f"({', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not)")
    if mean_layer is None:
        mean_layer = DenseLayer(input_layer, num_units=action_dimensions, nonlinearity=None, name="qnaf.weights")
    if len(mean_layer.output_shape) != 2 or mean_layer.output_shape[-1] != action_dimensions:
        raise ValueError(f"{fn}: mean_layer must be [batch, {action_dimensions}] for action_dimensions="
                         f"{action_dimensions}, got {mean_layer.output_shape}")
    mean_clipped = ClipLayer(mean_layer, action_low, action_high)
    if isinstance(exploration, Layer):
        action_layer = ElemwiseSumLayer([mean_clipped, exploration]) if additive_exploration else exploration
    elif isinstance(exploration, (numbers.Real, Variable)) and not isinstance(exploration, bool):
        if not additive_exploration:
            raise ValueError(f"{fn}: a numeric exploration is the sigma of Gaussian noise added to the means; to pick "
                             "the actions yourself, pass them as a layer with additive_exploration=False")
        action_layer = GaussianNoiseLayer(mean_clipped, sigma=exploration)
    else:
        raise TypeError(f"{fn}: exploration must be a number, a scalar expression or a layer, got {exploration!r}")
    if V_layer is None:
        V_layer = DenseLayer(input_layer, num_units=1, name="qnaf.state_value")
    if len(V_layer.output_shape) != 2 or V_layer.output_shape[-1] != 1:
        raise ValueError(f"{fn}: V_layer must be [batch, 1], got {V_layer.output_shape}")
    if L_layer is None:
        L_layer = LowerTriangularLayer(input_layer, matrix_diag=action_dimensions, name="qnaf.L")
    if tuple(L_layer.output_shape[1:]) != (action_dimensions, action_dimensions) or len(L_layer.output_shape) != 3:
        raise ValueError(f"{fn}: L_layer must be [batch, {action_dimensions}, {action_dimensions}] for "
                         f"action_dimensions={action_dimensions}, got {L_layer.output_shape}")
    advantage = NAFLayer(action_layer, mean_layer, L_layer, name="qnaf.advantage")
    Q_layer = ElemwiseSumLayer([V_layer, advantage])
    return OrderedDict([("means", mean_layer), ("actions", action_layer), ("action_qvalues", Q_layer),
                        ("state_value", V_layer), ("advantage", advantage)])


#: NAF's objective is the DPG critic's: Q(s, u) regressed on r + gamma * V(s').
get_elementwise_objective = get_elementwise_objective_critic
