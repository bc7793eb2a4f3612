"""Construction-time checks of ``Recurrence`` arguments: types, shapes, lengths and the one-tick graph.

Every mismatch is reported when the Recurrence is built, naming the layers and both shapes.
"""
import numbers
import warnings
from collections import OrderedDict

from ..layers.base import Layer, _shape_str
from ..layers.helper import get_all_layers
from ..layers.input import InputLayer
from ..utils.format import check_ordered_dict

def _compatible(a, b):
    """Whether two shapes (None = unknown) can be the same shape."""
    return len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a, b))


def _label(layer):
    name = getattr(layer, "name", None)
    return f"{type(layer).__name__} {name!r}" if name else type(layer).__name__


class RecurrenceChecks:
    """Argument checks mixed into :class:`Recurrence`."""

    @staticmethod
    def _layer_dict(d, argname, what):
        try:
            d = check_ordered_dict(d)
        except TypeError:
            raise TypeError(f"{what}: {argname} must be a dict of layers, got {type(d).__name__}") from None
        for k, v in d.items():
            if not isinstance(k, Layer) or not isinstance(v, Layer):
                raise TypeError(f"{what}: {argname} must map layers to layers, got {type(k).__name__} -> "
                                f"{type(v).__name__}")
        return d

    def _state_inits(self, state_init, what):
        states = list(self.state_variables)
        if state_init is None or (isinstance(state_init, str) and state_init == "zeros"):
            return OrderedDict()
        if isinstance(state_init, dict):
            inits = OrderedDict()
            for k, v in state_init.items():
                if k not in self.state_variables:
                    raise ValueError(f"{what}: state_init has an entry for {_label(k)}, which is not a key of "
                                     "state_variables")
                if v is not None:
                    inits[k] = v
        elif isinstance(state_init, (list, tuple)):
            if len(state_init) != len(states):
                raise ValueError(f"{what}: state_init has {len(state_init)} entries for {len(states)} states")
            inits = OrderedDict((k, v) for k, v in zip(states, state_init) if v is not None)
        else:
            raise TypeError(f"{what}: state_init must be 'zeros', a dict or a list of layers, got "
                            f"{type(state_init).__name__}")
        for k, v in inits.items():
            if not isinstance(v, Layer):
                raise TypeError(f"{what}: the initial value of {_label(k)} must be a layer, got {type(v).__name__}")
        # Keep state order so the outer inputs have a stable layout.
        return OrderedDict((k, inits[k]) for k in states if k in inits)

    def _check_shapes(self, what):
        for new, prev in self.state_variables.items():
            ns, ps = tuple(new.output_shape), tuple(prev.output_shape)
            if not _compatible(ns[1:], ps[1:]):
                raise ValueError(f"{what}: state {_label(new)} has shape {_shape_str(ns)} but its previous-state "
                                 f"input {_label(prev)} has shape {_shape_str(ps)}")
        for new, init in self.state_init.items():
            ns, is_ = tuple(new.output_shape), tuple(init.output_shape)
            if not _compatible(ns[1:], is_[1:]):
                raise ValueError(f"{what}: state {_label(new)} has shape {_shape_str(ns)} but its initial value "
                                 f"{_label(init)} has shape {_shape_str(is_)}")
        for step, seq in self.input_sequences.items():
            st, sq = tuple(step.output_shape), tuple(seq.output_shape)
            if len(sq) != len(st) + 1:
                raise ValueError(f"{what}: sequence {_label(seq)} of shape {_shape_str(sq)} must have a time axis "
                                 f"[batch, tick, ...] around the one-tick input {_label(step)} of shape "
                                 f"{_shape_str(st)}")
            if not _compatible(sq[:1] + sq[2:], st):
                raise ValueError(f"{what}: sequence {_label(seq)} has shape {_shape_str(sq)}, which does not match "
                                 f"its one-tick input {_label(step)} of shape {_shape_str(st)} (batch, tick, ...)")
        for step, outer in self.input_nonsequences.items():
            st, os_ = tuple(step.output_shape), tuple(outer.output_shape)
            if not _compatible(st, os_):
                raise ValueError(f"{what}: non-sequence input {_label(outer)} has shape {_shape_str(os_)} but the "
                                 f"one-tick input {_label(step)} has shape {_shape_str(st)}")
        if self.mask_input is not None and len(self.mask_input.output_shape) != 2:
            raise ValueError(f"{what}: mask_input {_label(self.mask_input)} must be [batch, tick], got shape "
                             f"{_shape_str(self.mask_input.output_shape)}")

    def _infer_n_steps(self, n_steps, what):
        lengths = {seq.output_shape[1] for seq in self.input_sequences.values()} - {None}
        if self.mask_input is not None and self.mask_input.output_shape[1] is not None:
            lengths.add(self.mask_input.output_shape[1])
        if len(lengths) > 1:
            raise ValueError(f"{what}: the input sequences (and mask) have different lengths {sorted(lengths)}")
        if n_steps is None:
            if not lengths:
                raise ValueError(f"{what}: n_steps must be given: the Recurrence is unrolled when it is built and no "
                                 "input sequence has a known length (shape[1])")
            return lengths.pop()
        if isinstance(n_steps, bool) or not isinstance(n_steps, numbers.Integral) or n_steps <= 0:
            raise ValueError(f"{what}: n_steps must be a positive int (the graph is unrolled when it is built), got "
                             f"{n_steps!r}")
        if lengths and lengths != {int(n_steps)}:
            raise ValueError(f"{what}: n_steps={n_steps} but the input sequences have length {lengths.pop()}")
        return int(n_steps)

    def _registered(self):
        return set(self.state_variables.values()) | set(self.input_sequences) | set(self.input_nonsequences)

    def _step_layers(self):
        outs = list(self.state_variables) + self.tracked_outputs
        return get_all_layers(outs, treat_as_input=list(self._registered())) if outs else []

    def _verify(self, step_layers, registered, what):
        prevs = list(self.state_variables.values())
        for p in prevs:
            if prevs.count(p) > 1:
                raise ValueError(f"{what}: the previous-state layer {_label(p)} is used by more than one state")
        used = set(step_layers)
        for layer in step_layers:
            if isinstance(layer, InputLayer) and layer not in registered:
                raise ValueError(f"{what}: the one-tick graph uses {layer!r}, which is not registered as a "
                                 "previous state (state_variables value), an input sequence or a non-sequence input")
        unused = [l for l in registered if l not in used]
        if unused:
            warnings.warn(f"{what}: registered inputs not used by any state or tracked output: "
                          f"{', '.join(_label(l) for l in unused)}", stacklevel=3)

    def _check_zero_inits(self, what):
        for new in self.state_variables:
            if new not in self.state_init and any(d is None for d in new.output_shape[1:]):
                raise ValueError(f"{what}: state {_label(new)} of shape {_shape_str(new.output_shape)} has unknown "
                                 "non-batch dimensions, so it cannot start at zeros; give it a state_init")

    def _static_batch(self, incomings):
        if isinstance(self.batch_size, int):
            return self.batch_size
        for layer in incomings:
            if layer.output_shape and layer.output_shape[0] is not None:
                return layer.output_shape[0]
        return None
