"""Normalising the many argument forms the seed accepts (a single item, a list or tuple, a dict)."""
from collections import OrderedDict

__all__ = ["supported_sequences", "check_list", "check_tuple", "check_ordered_dict", "unpack_list"]

#: Types treated as "several items" by :func:`check_list` and :func:`check_tuple`.
supported_sequences = (tuple, list)


def check_list(variables):
    """``variables`` as a list: a list or tuple is converted, anything else (including None) is wrapped as ``[x]``."""
    if isinstance(variables, supported_sequences):
        return list(variables)
    return [variables]


def check_tuple(variables):
    """``variables`` as a tuple: a list or tuple is converted, anything else is wrapped as ``(x,)``."""
    if isinstance(variables, supported_sequences):
        return tuple(variables)
    return (variables,)


def check_ordered_dict(variables):
    """``variables`` as an OrderedDict.

    Parameters
    ----------
    variables : OrderedDict, dict, list/tuple of (key, value) pairs, or None
        A dict keeps its insertion order (Python 3.7+ dicts are ordered, so the seed's "order not guaranteed"
        warning no longer applies). None gives an empty OrderedDict.

    Raises
    ------
    TypeError
        For anything else, e.g. a list that is not of pairs.
    """
    if variables is None:
        return OrderedDict()
    if isinstance(variables, OrderedDict):
        return variables
    if isinstance(variables, dict):
        return OrderedDict(variables.items())
    if isinstance(variables, supported_sequences):
        try:
            return OrderedDict(variables)
        except (TypeError, ValueError):
            pass
    raise TypeError(f"expected a dict, an OrderedDict or a list of (key, value) pairs, got {type(variables).__name__}")


def unpack_list(array, *lengths):
    """Splits ``array`` into consecutive chunks of the given lengths.

    ``unpack_list([1, 2, 3, 4, 5], 2, 3)`` gives ``[[1, 2], [3, 4, 5]]``. The lengths must add up to
    ``len(array)``; otherwise a ValueError names both.
    """
    array = list(array)
    lengths = [int(n) for n in lengths]
    if any(n < 0 for n in lengths):
        raise ValueError(f"unpack_list: lengths must be non-negative, got {lengths}")
    if sum(lengths) != len(array):
        raise ValueError(f"unpack_list: lengths {lengths} add up to {sum(lengths)} but the list has {len(array)} "
                         "items")
    chunks, start = [], 0
    for n in lengths:
        chunks.append(array[start:start + n])
        start += n
    return chunks
