"""``agentnet.utils``: helpers shared by the memory layers, agents and learning code.

- :mod:`agentnet.utils.format`: normalising list/tuple/dict arguments (``check_list``, ``check_ordered_dict``...).
- :mod:`agentnet.utils.layers`: multi-output :class:`DictLayer`, ``clip_grads``, ``mul``, ``add``,
  ``get_layer_dtype`` and the broadcast helpers.
- :mod:`agentnet.utils.clone`: ``clone_network``, copies of networks (target networks, DPG);
- :mod:`agentnet.utils.reapply`: ``reapply``, a part of a network applied again with the same parameters;
- :mod:`agentnet.utils.persistence`: ``save``/``load`` of a network's parameters as safetensors keyed by name,
  ``get_state_dict``/``set_state_dict``.
"""
from . import format, layers, persistence, clone
from .reapply import ReapplyLayer, reapply
