"""``python -m agentnet.demo``: trains a small network with the engine and prints progress.

A two-layer MLP learns to classify points of two interleaved spirals, with softmax cross-entropy and Adam
written directly in ``agentnet.tensor`` ops; one compiled call does forward, backward and the update.
"""
import time

import numpy as np

import agentnet
import agentnet.tensor as T


def spirals(n, rng):
    t = rng.uniform(0.25, 3.0, n) * np.pi
    label = rng.integers(0, 2, n)
    r = t / (3 * np.pi)
    angle = t + np.pi * label
    x = np.stack([r * np.cos(angle), r * np.sin(angle)], 1) + rng.normal(0, 0.02, (n, 2))
    return x.astype(np.float32), label.astype(np.int32)


def main(steps=1500, hidden=64, lr=0.01, seed=0):
    rng = np.random.default_rng(seed)
    x, y = T.matrix("x"), T.ivector("y")
    params = []

    def dense(inp, n_in, n_out):
        w = agentnet.shared(rng.normal(0, np.sqrt(2 / n_in), (n_in, n_out)), name=f"W{len(params)}")
        b = agentnet.shared(np.zeros(n_out), name=f"b{len(params)}")
        params.extend([w, b])
        return T.dot(inp, w) + b

    h = T.relu(dense(x, 2, hidden))
    h = T.relu(dense(h, hidden, hidden))
    logits = dense(h, hidden, 2)
    loss = -T.mean(T.log_softmax(logits)[T.arange(y.shape[0]), y])
    accuracy = T.mean(T.cast(T.eq(T.argmax(logits, axis=1), y), "float32"))
    grads = T.grad(loss, params)
    t = agentnet.shared(np.float32(0), name="t")
    updates = [(t, t + 1)]
    for p, g in zip(params, grads):
        m = agentnet.shared(np.zeros_like(p.get_value()))
        v = agentnet.shared(np.zeros_like(p.get_value()))
        m_new, v_new = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * T.square(g)
        step = lr * T.sqrt(1 - 0.999 ** (t + 1)) / (1 - 0.9 ** (t + 1))
        updates += [(m, m_new), (v, v_new), (p, p - step * m_new / (T.sqrt(v_new) + 1e-8))]
    train = agentnet.function([x, y], [loss, accuracy], updates=updates)
    evaluate = agentnet.function([x, y], [loss, accuracy])

    test_x, test_y = spirals(1000, rng)
    print(f"AgentNet {agentnet.__version__}: MLP 2-{hidden}-{hidden}-2 on two spirals, Adam lr={lr}")
    start = time.perf_counter()
    for step in range(1, steps + 1):
        bx, by = spirals(128, rng)
        train(bx, by)
        if step % (steps // 10) == 0:
            test_loss, test_acc = evaluate(test_x, test_y)
            rate = step / (time.perf_counter() - start)
            print(f"step {step:5d}  test loss {test_loss:.4f}  test accuracy {test_acc:.3f}  ({rate:,.0f} steps/s)")
    return float(evaluate(test_x, test_y)[1])


if __name__ == "__main__":
    main()
