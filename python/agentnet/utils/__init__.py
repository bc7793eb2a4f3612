"""``agentnet.utils``: helpers shared by the memory layers, agents and learning code.

- :mod:`agentnet.utils.format`: normalising list/tuple/dict arguments (``check_list``, ``check_ordered_dict``...).
- :mod:`agentnet.utils.layers`: multi-output :class:`DictLayer`, ``clip_grads``, ``mul``, ``add``,
  ``get_layer_dtype`` and the broadcast helpers.
"""
from . import format, layers
