"""Layer base classes with Lasagne's contract: :class:`Layer` (one input) and :class:`MergeLayer` (several).

Subclasses (dense, convolution, recurrent...) implement ``get_output_shape_for`` and ``get_output_for`` and
register their parameters with :meth:`Layer.add_param`.
"""
import numbers
from collections import OrderedDict

import numpy as np

from .._core import SharedVariable, Variable, shared
from ._mirror import ParamDict, _EngineMirror  # noqa: F401  (ParamDict re-exported for isinstance checks)

__all__ = ["Layer", "MergeLayer", "create_param", "STANDARD_TAGS"]

#: Tags every parameter carries (set to True unless given as False in ``add_param``).
STANDARD_TAGS = ("trainable", "regularizable")


def _shape_str(shape):
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def create_param(spec, shape, name=None):
    """A parameter of ``shape`` from ``spec`` (Lasagne's ``utils.create_param``).

    Parameters
    ----------
    spec : SharedVariable, Variable, numpy array, number or callable
        A SharedVariable (used as is, its shape is checked), a symbolic expression (used as is, its rank is
        checked), a numpy array (copied into a new SharedVariable, shape must equal ``shape``) or a callable such
        as an :class:`agentnet.init.Initializer` called with ``shape`` that returns an array or a Variable.
    shape : tuple of int
        The required shape; every dimension must be positive.
    name : str or None
        Name given to a newly created shared variable (and to a given unnamed one).

    Returns
    -------
    SharedVariable or Variable
    """
    try:
        shape = tuple(int(d) for d in shape)
    except TypeError:
        raise TypeError(f"cannot create parameter {name!r}: shape must be a tuple of ints, got {shape!r}") from None
    if any(d <= 0 for d in shape):
        raise ValueError(f"Cannot create param with a non-positive shape dimension. Tried to create param with "
                         f"shape={shape!r}, name={name!r}")
    err_prefix = f"cannot initialize parameter {name}: "
    if isinstance(spec, numbers.Number) or (isinstance(spec, np.generic) and spec.dtype.kind in "biuf"):
        spec = np.asarray(spec)

    if isinstance(spec, Variable):
        if spec.ndim != len(shape):
            raise ValueError(f"{err_prefix}variable has {spec.ndim} dimensions, should be {len(shape)}")
        if isinstance(spec, SharedVariable):
            have = spec.get_value().shape
            if have != shape:
                raise ValueError(f"{err_prefix}shared variable has shape {_shape_str(have)}, should be "
                                 f"{_shape_str(shape)}")
            if name is not None and not spec._given_name:
                spec.name = name
                spec._given_name = name
        else:
            known = spec.static_shape
            if any(k is not None and k != s for k, s in zip(known, shape)):
                raise ValueError(f"{err_prefix}expression has shape {known}, should be {_shape_str(shape)}")
        return spec

    if isinstance(spec, np.ndarray):
        if spec.shape != shape:
            raise ValueError(f"{err_prefix}initialization array has shape {_shape_str(spec.shape)}, should be "
                             f"{_shape_str(shape)}")
        if spec.dtype.kind not in "biuf":
            raise TypeError(f"{err_prefix}initialization array has unsupported dtype {spec.dtype}")
        return shared(spec, name=name)

    if callable(spec):
        value = spec(shape)
        if isinstance(value, Variable):
            return create_param(value, shape, name)
        if not hasattr(value, "shape"):
            raise RuntimeError(f"{err_prefix}callable did not return a symbolic variable or numpy array")
        value = np.asarray(value)
        if value.shape != shape:
            raise RuntimeError(f"{err_prefix}callable returned array of shape {_shape_str(value.shape)}, should be "
                               f"{_shape_str(shape)}")
        return shared(value, name=name)

    raise TypeError(f"{err_prefix}expected a SharedVariable, symbolic expression, numpy array, number or callable, "
                    f"got {type(spec).__name__}")


def _check_tags(tags, known):
    unknown = [t for t in tags if t not in known]
    if unknown:
        raise ValueError(f"unknown parameter tag(s) {', '.join(repr(t) for t in unknown)}; known tags are "
                         f"{', '.join(repr(t) for t in sorted(known))}")


def _filter_params(params, tags):
    """``params`` (an OrderedDict param → set of tags) filtered: tags set True required, tags set False excluded."""
    result = list(params.keys())
    only = {tag for tag, value in tags.items() if value}
    if only:
        result = [p for p in result if not (only - params[p])]
    exclude = {tag for tag, value in tags.items() if not value}
    if exclude:
        result = [p for p in result if not (params[p] & exclude)]
    return result


def _nonlinearity_name(f):
    if f is None:
        return "linear"
    name = getattr(f, "__name__", None)
    return name if name is not None else repr(f)


class Layer(_EngineMirror):
    """Base class for layers with a single input.

    Parameters
    ----------
    incoming : Layer or tuple
        The layer feeding into this layer, or the expected input shape (``None`` for unknown dimensions, usually
        the batch axis).
    name : str or None
        Layer name; parameters are then named ``"<name>.<param>"``.

    Attributes
    ----------
    input_shape : tuple
        Shape of the input (from ``incoming``).
    input_layer : Layer or None
    params : OrderedDict
        Maps each parameter (a SharedVariable) to its set of tags (``trainable``, ``regularizable``, ...).
    get_output_kwargs : list of str
        Extra keyword arguments ``get_output_for`` accepts besides those in its signature.
    """

    def __init__(self, incoming, name=None):
        if isinstance(incoming, tuple):
            self.input_shape = incoming
            self.input_layer = None
        elif isinstance(incoming, Layer):
            self.input_shape = incoming.output_shape
            self.input_layer = incoming
        else:
            raise TypeError(f"{type(self).__name__}: incoming must be a Layer or a shape tuple, got "
                            f"{type(incoming).__name__}")
        self.name = name
        self.params = OrderedDict()
        self.get_output_kwargs = []
        if isinstance(self.input_shape, dict):
            raise TypeError(f"{type(self).__name__} {name!r}: its incoming {type(incoming).__name__} "
                            f"{getattr(incoming, 'name', None)!r} has several outputs "
                            f"{list(self.input_shape)}; pass one of them, e.g. layer[{next(iter(self.input_shape))!r}]")
        if any(d is not None and (not isinstance(d, numbers.Integral) or d <= 0) for d in self.input_shape):
            raise ValueError(f"Could not create Layer {self.name!r} ({type(self).__name__}) with a non-positive or "
                             f"non-integer input_shape {self.input_shape!r}")

    @property
    def output_shape(self):
        """The output shape: ``get_output_shape_for(input_shape)``; ``None`` marks unknown dimensions."""
        shape = self.get_output_shape_for(self.input_shape)
        if any(isinstance(s, Variable) for s in shape):
            raise ValueError(f"{type(self).__name__} returned a symbolic output shape from get_output_shape_for: "
                             f"{shape!r}. Shapes should be tuples of ints or None")
        return shape

    def get_params(self, unwrap_shared=True, **tags):
        """This layer's parameters, optionally filtered by tags.

        Parameters
        ----------
        unwrap_shared : bool
            Accepted for Lasagne compatibility. Parameters given as symbolic expressions are returned as is (the
            engine's graph is not introspected from Python).
        **tags
            ``tag=True`` keeps only parameters with that tag, ``tag=False`` drops those with it, e.g.
            ``get_params(trainable=True, regularizable=False)``. A tag no parameter of this layer has (besides
            ``trainable`` and ``regularizable``) is an error.

        Returns
        -------
        list of SharedVariable
        """
        _check_tags(tags, self._known_tags())
        return _filter_params(self.params, tags)

    def _known_tags(self):
        known = set(STANDARD_TAGS)
        for t in self.params.values():
            known |= t
        return known

    def get_output_shape_for(self, input_shape):
        """Output shape for a given input shape (tuple); the identity unless overridden."""
        return input_shape

    def get_output_for(self, input, **kwargs):
        """The symbolic output for a given input expression.

        Parameters
        ----------
        input : Variable
            Output of the incoming layer.
        **kwargs
            Options such as ``deterministic=True`` (disable dropout/noise); ignored by layers without them.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement get_output_for")

    def add_param(self, spec, shape, name=None, **tags):
        """Registers and returns a new parameter.

        Parameters
        ----------
        spec : SharedVariable, numpy array, callable or Initializer
            How to create the parameter (see :func:`create_param`).
        shape : tuple of int
            Its shape.
        name : str or None
            Its name; prefixed with ``"<layer name>."`` when the layer has a name.
        **tags
            Tags as booleans; ``trainable`` and ``regularizable`` default to True.

        Returns
        -------
        SharedVariable
        """
        if name is not None and self.name is not None:
            name = f"{self.name}.{name}"
        param = create_param(spec, shape, name)
        tags["trainable"] = tags.get("trainable", True)
        tags["regularizable"] = tags.get("regularizable", True)
        self.params[param] = {tag for tag, value in tags.items() if value}
        return param

    def _repr_args(self):
        """``key=value`` strings shown by ``repr``; subclasses override."""
        return []

    def __repr__(self):
        args = list(self._repr_args())
        if self.name is not None:
            args.append(f"name={self.name!r}")
        try:
            shape = _shape_str(self.output_shape)
        except Exception:  # pragma: no cover - repr must not fail
            shape = "(?)"
        return f"{type(self).__name__}({', '.join(args)}) {shape}"


class MergeLayer(Layer):
    """Base class for layers with several inputs.

    Parameters
    ----------
    incomings : list of Layer or tuple
        The layers feeding into this layer, or their expected shapes.
    name : str or None

    Attributes
    ----------
    input_shapes : list of tuple
    input_layers : list of Layer or None
    """

    def __init__(self, incomings, name=None):
        incomings = list(incomings)
        for inc in incomings:
            if not isinstance(inc, (tuple, Layer)):
                raise TypeError(f"{type(self).__name__}: each incoming must be a Layer or a shape tuple, got "
                                f"{type(inc).__name__}")
        self.input_shapes = [inc if isinstance(inc, tuple) else inc.output_shape for inc in incomings]
        for inc, shape in zip(incomings, self.input_shapes):
            if isinstance(shape, dict):
                raise TypeError(f"{type(self).__name__} {name!r}: its incoming {type(inc).__name__} "
                                f"{getattr(inc, 'name', None)!r} has several outputs {list(shape)}; pass one of "
                                f"them, e.g. layer[{next(iter(shape))!r}]")
        self.input_layers = [None if isinstance(inc, tuple) else inc for inc in incomings]
        self.name = name
        self.params = OrderedDict()
        self.get_output_kwargs = []

    @Layer.output_shape.getter
    def output_shape(self):
        shape = self.get_output_shape_for(self.input_shapes)
        if any(isinstance(s, Variable) for s in shape):
            raise ValueError(f"{type(self).__name__} returned a symbolic output shape from get_output_shape_for: "
                             f"{shape!r}. Shapes should be tuples of ints or None")
        return shape

    def get_output_shape_for(self, input_shapes):
        """Output shape for a list of input shapes."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_output_shape_for")

    def get_output_for(self, inputs, **kwargs):
        """The symbolic output for a list of input expressions (in ``input_layers`` order)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_output_for")
