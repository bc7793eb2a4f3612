"""``agentnet.learning.qlearning_naf``: Q-learning with normalized advantage functions (arXiv:1603.00748).

The loss is the deterministic policy gradient critic's (:func:`agentnet.learning.dpg.get_elementwise_objective_critic`)
with ``action_qvalues = Q(s, u_taken)`` and ``state_values = V(s)``. The size helpers below relate a lower-triangular
``d x d`` matrix to its ``d(d+1)/2`` free entries. (``LowerTriangularLayer``, ``NAFLayer`` and
``build_NAF_controller`` are not available yet: they wait for the engine's layer graph.)
"""
import math

from .dpg import get_elementwise_objective_critic

__all__ = ["diag_to_tril_size", "tril_size_to_diag", "get_elementwise_objective"]


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


#: NAF's objective is the DPG critic's: Q(s, u) regressed on r + gamma * V(s').
get_elementwise_objective = get_elementwise_objective_critic
