/// Adam and Adamax (Kingma and Ba 2014), in the paper's efficient form, with Lasagne's defaults and update order:
/// for each parameter its moments and the parameter, then the shared time step.
public extension Updates {
    /// Adam: `t := t + 1`; `a_t = learning_rate·√(1 − beta2ᵗ) / (1 − beta1ᵗ)`; `m := beta1·m + (1 − beta1)·grad`;
    /// `v := beta2·v + (1 − beta2)·grad²`; `param := param − a_t·m / (√v + epsilon)`. Three fused passes per
    /// parameter (`ema`, `ema_square`, `adam_step`). The time step is a float32 scalar shared value `adam.t`.
    static func adam(_ lossOrGrads: LossOrGradients, params: [SharedValue], learningRate: NodeConvertible = 0.001,
                     beta1: NodeConvertible = 0.9, beta2: NodeConvertible = 0.999, epsilon: NodeConvertible = 1e-8) throws -> UpdateList {
        let grads = try getOrComputeGrads(lossOrGrads, params: params)
        let lr = try Updates.learningRate(learningRate), b1 = try beta(beta1, "beta1"), b2 = try beta(beta2, "beta2")
        let eps = try Updates.epsilon(epsilon)
        let tPrev = timeStep("adam.t")
        let t = try T.add(tPrev.node, 1)
        let aT = try T.div(T.mul(lr, T.sqrt(T.sub(1, T.pow(b2, t)))), T.sub(1, T.pow(b1, t)))
        var updates = UpdateList()
        for (p, g) in zip(params, grads) {
            let m = try zerosLike(p, "m"), v = try zerosLike(p, "v")
            let mT = try T.fused(.ema, [m.node, g, b1]), vT = try T.fused(.emaSquare, [v.node, g, b2])
            updates[m] = mT
            updates[v] = vT
            updates[p] = try T.fused(.adamStep, [p.node, mT, vT, aT, eps])
        }
        updates[tPrev] = t
        return updates
    }

    /// Adamax (section 7 of the paper), Adam with the infinity norm: `t := t + 1`; `a_t = learning_rate / (1 − beta1ᵗ)`;
    /// `m := beta1·m + (1 − beta1)·grad`; `u := max(beta2·u, |grad|)`; `param := param − a_t·m / (u + epsilon)`.
    /// The time step is `adamax.t`.
    static func adamax(_ lossOrGrads: LossOrGradients, params: [SharedValue], learningRate: NodeConvertible = 0.002,
                       beta1: NodeConvertible = 0.9, beta2: NodeConvertible = 0.999, epsilon: NodeConvertible = 1e-8) throws -> UpdateList {
        let grads = try getOrComputeGrads(lossOrGrads, params: params)
        let lr = try Updates.learningRate(learningRate), b1 = try beta(beta1, "beta1"), b2 = try beta(beta2, "beta2")
        let eps = try Updates.epsilon(epsilon)
        let tPrev = timeStep("adamax.t")
        let t = try T.add(tPrev.node, 1)
        let aT = try T.div(lr, T.sub(1, T.pow(b1, t)))
        var updates = UpdateList()
        for (p, g) in zip(params, grads) {
            let m = try zerosLike(p, "m"), u = try zerosLike(p, "u")
            let mT = try T.fused(.ema, [m.node, g, b1])
            let uT = try T.maximum(T.mul(b2, u.node), T.abs(g))
            updates[m] = mT
            updates[u] = uT
            updates[p] = try T.sub(p.node, T.div(T.mul(aT, mT), T.add(uT, eps)))
        }
        updates[tPrev] = t
        return updates
    }
}
