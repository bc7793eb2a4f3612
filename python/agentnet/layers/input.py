"""Input layer: the entry point of a network, holding a symbolic input variable."""
import numbers
from collections import OrderedDict

from .. import tensor as T
from .._core import SharedVariable, Variable
from .base import Layer, _shape_str

__all__ = ["InputLayer"]


class InputLayer(Layer):
    """A network input.

    Parameters
    ----------
    shape : tuple of int or None
        Expected input shape, ``None`` for dimensions unknown until run time (usually the batch axis), e.g.
        ``(None, 4)``.
    input_var : Variable or None
        The symbolic input; created as a float32 ``T.tensor`` with rank ``len(shape)`` and static ``shape`` when
        None (named ``"<name>.input"`` or ``"input"``).
    name : str or None

    Attributes
    ----------
    input_var : Variable
    shape : tuple
    """

    def __init__(self, shape, input_var=None, name=None, **kwargs):
        if isinstance(shape, numbers.Integral):
            shape = (int(shape),)
        try:
            shape = tuple(None if d is None else d for d in shape)
        except TypeError:
            raise TypeError(f"InputLayer: shape must be a tuple of ints or None, got {shape!r}") from None
        if any(d is not None and (not isinstance(d, numbers.Integral) or d <= 0) for d in shape):
            raise ValueError(f"Cannot create InputLayer with a non-positive or non-integer shape {shape!r}")
        self.shape = tuple(None if d is None else int(d) for d in shape)
        ndim = len(self.shape)
        if input_var is None:
            var_name = f"{name}.input" if name is not None else "input"
            input_var = T.tensor("float32", ndim=ndim, name=var_name, shape=self.shape)
        else:
            if not isinstance(input_var, Variable) or isinstance(input_var, SharedVariable):
                raise TypeError(f"InputLayer: input_var must be a symbolic input such as T.matrix(), got "
                                f"{input_var!r}")
            if input_var.ndim != ndim:
                raise ValueError(f"shape has {ndim} dimensions, but variable has {input_var.ndim}")
            known = input_var.static_shape
            if any(k is not None and s is not None and k != s for k, s in zip(known, self.shape)):
                raise ValueError(f"InputLayer: input_var has static shape {known}, which contradicts shape "
                                 f"{self.shape}")
        self.input_var = input_var
        self.name = name
        self.params = OrderedDict()
        self.get_output_kwargs = []

    def _make_engine_layer(self):
        from .native import EngineLayer
        return EngineLayer("InputLayer", [self.shape], shape=list(self.shape), input_var=self.input_var.handle,
                           name=self.name, host_key=self._key)

    @property
    def output_dtype(self):
        """The dtype of ``input_var`` (``'float32'`` unless an int or bool variable was given)."""
        return self.input_var.dtype

    @Layer.output_shape.getter
    def output_shape(self):
        return self.shape

    def _repr_args(self):
        return [f"shape={_shape_str(self.shape)}"]

    def __repr__(self):
        args = self._repr_args()
        if self.name is not None:
            args.append(f"name={self.name!r}")
        return f"InputLayer({', '.join(args)}) {_shape_str(self.shape)}"
