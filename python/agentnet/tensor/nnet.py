"""``agentnet.tensor.nnet``: convolution and pooling in the style of Theano's ``T.nnet.conv2d`` and
``theano.tensor.signal.pool.pool_2d``.

Tensors are NCHW: inputs ``(batch, channels, rows, cols)``, filters ``(filters, channels, rows, cols)``. Like every
op in :mod:`agentnet.tensor`, these evaluate at once when no argument is symbolic and return numpy arrays.
"""
import numbers

import numpy as np

from .._core import Variable
from . import _apply

__all__ = ["conv2d", "conv1d", "pool_2d", "pool_1d", "max_pool_2d", "conv_output_length", "pool_output_length"]


def _pair(value, n, what):
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{what} must be an int or a tuple of {n} ints, got {value!r}")
    if isinstance(value, numbers.Integral):
        return (int(value),) * n
    try:
        items = tuple(value)
    except TypeError:
        raise TypeError(f"{what} must be an int or a tuple of {n} ints, got {value!r}") from None
    if len(items) != n or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in items):
        raise ValueError(f"{what} must be an int or a tuple of {n} ints, got {value!r}")
    return tuple(int(v) for v in items)


def _filter_size(filters, filter_shape, n):
    """The filters' spatial size when known without running anything (numpy value, static shape or argument)."""
    if filter_shape is not None and all(d is not None for d in tuple(filter_shape)[-n:]):
        return tuple(int(d) for d in tuple(filter_shape)[-n:])
    if isinstance(filters, Variable):
        dims = filters.static_shape[-n:]
        return tuple(dims) if all(d is not None for d in dims) else None
    return tuple(np.shape(filters)[-n:])


def _pad_attr(border_mode, n, size, dilation):
    """``border_mode`` as the engine's ``pad`` attribute: integers, or 'full'/'half' left for the engine to resolve."""
    if isinstance(border_mode, str):
        if border_mode == "valid":
            return [0] * n
        if border_mode not in ("full", "half", "same"):
            raise ValueError(f"border_mode must be 'valid', 'full', 'half' or integers, got {border_mode!r}")
        mode = "half" if border_mode == "same" else border_mode
        if size is None:
            return mode
        if mode == "full":
            return [(k - 1) * d for k, d in zip(size, dilation)]
        return [((k - 1) * d + 1) // 2 for k, d in zip(size, dilation)]
    pad = _pair(border_mode, n, "border_mode")
    if any(p < 0 for p in pad):
        raise ValueError(f"border_mode padding must be non-negative, got {border_mode!r}")
    return list(pad)


def conv2d(input, filters, input_shape=None, filter_shape=None, border_mode="valid", subsample=(1, 1),
           filter_flip=True, image_shape=None, filter_dilation=(1, 1)):
    """2-D convolution of ``input (B, C, H, W)`` with ``filters (F, C, kh, kw)`` → ``(B, F, oh, ow)``.

    Parameters
    ----------
    input, filters : Variable or array
    input_shape, filter_shape, image_shape : tuple or None
        Accepted for Theano compatibility; ``filter_shape`` lets 'full'/'half' be resolved before compiling.
    border_mode : 'valid', 'full', 'half' (also 'same'), int or (int, int)
        Zero padding: none, ``(k - 1) * d`` (every partial overlap), ``((k - 1) * d + 1) // 2``, or explicit.
    subsample : int or (int, int)
        Strides.
    filter_flip : bool
        True (default, Theano's convention) flips the kernels: a true convolution. False: cross-correlation.
    filter_dilation : int or (int, int)
        Spacing between kernel taps.
    """
    dilation = _pair(filter_dilation, 2, "filter_dilation")
    stride = _pair(subsample, 2, "subsample")
    if any(s < 1 for s in stride) or any(d < 1 for d in dilation):
        raise ValueError(f"subsample and filter_dilation must be positive, got {subsample!r} and {filter_dilation!r}")
    pad = _pad_attr(border_mode, 2, _filter_size(filters, filter_shape, 2), dilation)
    return _apply("conv2d", input, filters, stride=list(stride), pad=pad, filter_dilation=list(dilation),
                  flip_filters=bool(filter_flip))


def conv1d(input, filters, input_shape=None, filter_shape=None, border_mode="valid", subsample=1, filter_flip=True,
           filter_dilation=1):
    """1-D convolution of ``input (B, C, L)`` with ``filters (F, C, k)`` → ``(B, F, ol)`` (see :func:`conv2d`)."""
    dilation = _pair(filter_dilation, 1, "filter_dilation")
    stride = _pair(subsample, 1, "subsample")
    if stride[0] < 1 or dilation[0] < 1:
        raise ValueError(f"subsample and filter_dilation must be positive, got {subsample!r} and {filter_dilation!r}")
    pad = _pad_attr(border_mode, 1, _filter_size(filters, filter_shape, 1), dilation)
    return _apply("conv1d", input, filters, stride=list(stride), pad=pad, filter_dilation=list(dilation),
                  flip_filters=bool(filter_flip))


_MODES = ("max", "sum", "average_inc_pad", "average_exc_pad")


def pool_2d(input, ws=None, ignore_border=False, stride=None, pad=(0, 0), mode="max", ds=None, st=None,
            padding=None):
    """Pooling over the last two axes (Theano's ``pool_2d``).

    Parameters
    ----------
    ws : int or (int, int)
        Window size (``ds`` is the old name).
    ignore_border : bool
        True: only whole windows (with padding). False (Theano's default): a last partial window covers the rest;
        padding must then be 0.
    stride : int, (int, int) or None
        Window step; defaults to ``ws`` (``st`` is the old name).
    pad : int or (int, int)
        Zero padding on each side, smaller than ``ws`` (``padding`` is the old name).
    mode : 'max', 'sum', 'average_inc_pad' or 'average_exc_pad'
        'average_inc_pad' counts padding in the divisor; 'average_exc_pad' and 'max' only see real values.
    """
    ws = ws if ws is not None else ds
    if ws is None:
        raise ValueError("pool_2d: ws (the window size) is required")
    stride = stride if stride is not None else st
    pad = padding if padding is not None else pad
    if mode == "average":
        mode = "average_inc_pad"
    if mode not in _MODES:
        raise ValueError(f"pool_2d: mode must be one of {', '.join(repr(m) for m in _MODES)}, got {mode!r}")
    ws = _pair(ws, 2, "ws")
    stride = ws if stride is None else _pair(stride, 2, "stride")
    pad = _pair(pad, 2, "pad")
    if not ignore_border and any(pad):
        raise NotImplementedError("padding works only with ignore_border=True")
    return _apply("pool2d", input, pool_size=list(ws), stride=list(stride), pad=list(pad),
                  ignore_border=bool(ignore_border), mode=mode)


def max_pool_2d(input, ds, ignore_border=False, st=None, padding=(0, 0), mode="max"):
    """Old Theano name of :func:`pool_2d`."""
    return pool_2d(input, ws=ds, ignore_border=ignore_border, stride=st, pad=padding, mode=mode)


def pool_1d(input, ws, ignore_border=False, stride=None, pad=0, mode="max"):
    """Pooling over the last axis: :func:`pool_2d` with a one-row window."""
    ws = _pair(ws, 1, "ws")[0]
    stride = ws if stride is None else _pair(stride, 1, "stride")[0]
    pad = _pair(pad, 1, "pad")[0]
    return pool_2d(input, ws=(1, ws), ignore_border=ignore_border, stride=(1, stride), pad=(0, pad), mode=mode)


def conv_output_length(input_length, filter_size, stride, pad=0):
    """Lasagne's ``conv_output_length``: output length of a convolution along one axis (None if unknown).

    ``pad`` is 'valid', 'full', 'same' or an int; ``filter_size`` is the (dilated) kernel extent.
    """
    if input_length is None:
        return None
    if pad == "valid":
        length = input_length - filter_size + 1
    elif pad == "full":
        length = input_length + filter_size - 1
    elif pad == "same":
        length = input_length
    elif isinstance(pad, numbers.Integral):
        length = input_length + 2 * pad - filter_size + 1
    else:
        raise ValueError(f"Invalid pad: {pad!r}")
    return (length + stride - 1) // stride


def pool_output_length(input_length, pool_size, stride, pad, ignore_border):
    """Lasagne's ``pool_output_length`` (None if unknown)."""
    if input_length is None or pool_size is None:
        return None
    if ignore_border:
        length = input_length + 2 * pad - pool_size + 1
        length = (length + stride - 1) // stride
    else:
        if pad != 0:
            raise ValueError("padding requires ignore_border=True")
        if stride >= pool_size:
            length = (input_length + stride - 1) // stride
        else:
            length = max(0, (input_length - pool_size + stride - 1) // stride) + 1
    return max(length, 0)
