"""Finite-difference helpers shared by the layer tests."""
import numpy as np


def numeric_grad(f, x, eps=1e-2):
    """Central differences of the scalar ``f(x)`` with respect to every element of ``x`` (not modified)."""
    g = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(*x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (float(f(xp)) - float(f(xm))) / (2 * eps)
    return g


def numeric_grads(cost, arrays, eps=1e-6):
    """Central differences of a float64 numpy ``cost(*arrays)`` with respect to every array."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    return [numeric_grad(lambda a, k=k: cost(*arrays[:k], a, *arrays[k + 1:]), arrays[k], eps)
            for k in range(len(arrays))]
