/// Stochastic gradient descent and its (Nesterov) momentum variants, with Lasagne's names, defaults and order of
/// the returned updates (parameters first, then velocities).
public extension Updates {
    /// `param := param − learning_rate · grad`, one fused pass per parameter.
    static func sgd(_ lossOrGrads: LossOrGradients, params: [SharedValue], learningRate: NodeConvertible) throws -> UpdateList {
        let grads = try getOrComputeGrads(lossOrGrads, params: params)
        let lr = try Updates.learningRate(learningRate)
        var updates = UpdateList()
        for (p, g) in zip(params, grads) { updates[p] = try T.fused(.sgdStep, [p.node, g, lr]) }
        return updates
    }

    /// Adds classical momentum to an update list: for each of `params` (all keys by default), with step
    /// `updates[param]` and a zero-initialised velocity `v`: `x = momentum·v + updates[param]`; `v := x − param`;
    /// `param := x`. The velocities are appended; `updates` itself is not changed.
    static func applyMomentum(_ updates: UpdateList, params: [SharedValue]? = nil, momentum: NodeConvertible = 0.9) throws -> UpdateList {
        let mu = try rate(momentum, "momentum")
        var out = updates
        for p in params ?? updates.keys {
            guard let step = updates[p] else { throw AgentNetError.invalid("\(p.name ?? "a shared value") has no entry in updates") }
            let v = try zerosLike(p, "velocity")
            let x = try T.add(T.mul(mu, v.node), step)
            out[v] = try T.sub(x, p.node)
            out[p] = x
        }
        return out
    }

    /// SGD with classical momentum: `v := momentum·v − learning_rate·grad`; `param := param + v`.
    /// The same rule as `applyMomentum(sgd(…))`, in two fused passes per parameter instead of five; the velocity is
    /// computed directly rather than as `x − param`, which is the same value without the cancellation.
    static func momentum(_ lossOrGrads: LossOrGradients, params: [SharedValue], learningRate: NodeConvertible,
                         momentum: NodeConvertible = 0.9) throws -> UpdateList {
        try momentumRule(lossOrGrads, params, learningRate, momentum, nesterov: false)
    }

    /// Adds Nesterov momentum to an update list: with `step = updates[param] − param` and velocity `v`:
    /// `x = momentum·v + step`; `v := x`; `param := momentum·x + updates[param]`.
    static func applyNesterovMomentum(_ updates: UpdateList, params: [SharedValue]? = nil,
                                      momentum: NodeConvertible = 0.9) throws -> UpdateList {
        let mu = try rate(momentum, "momentum")
        var out = updates
        for p in params ?? updates.keys {
            guard let step = updates[p] else { throw AgentNetError.invalid("\(p.name ?? "a shared value") has no entry in updates") }
            let v = try zerosLike(p, "velocity")
            let x = try T.sub(T.add(T.mul(mu, v.node), step), p.node)
            out[v] = x
            out[p] = try T.add(T.mul(mu, x), step)
        }
        return out
    }

    /// SGD with Nesterov momentum: `v := momentum·v − learning_rate·grad`;
    /// `param := param + momentum·v − learning_rate·grad` (the same rule as `applyNesterovMomentum(sgd(…))`).
    static func nesterovMomentum(_ lossOrGrads: LossOrGradients, params: [SharedValue], learningRate: NodeConvertible,
                                 momentum: NodeConvertible = 0.9) throws -> UpdateList {
        try momentumRule(lossOrGrads, params, learningRate, momentum, nesterov: true)
    }

    private static func momentumRule(_ lossOrGrads: LossOrGradients, _ params: [SharedValue], _ learningRate: NodeConvertible,
                                     _ momentum: NodeConvertible, nesterov: Bool) throws -> UpdateList {
        let grads = try getOrComputeGrads(lossOrGrads, params: params)
        let lr = try Updates.learningRate(learningRate), mu = try rate(momentum, "momentum")
        var steps: [(SharedValue, Node)] = [], velocities: [(SharedValue, Node)] = []
        for (p, g) in zip(params, grads) {
            let v = try zerosLike(p, "velocity")
            let vNew = try T.fused(.velocity, [v.node, g, mu, lr])
            steps.append((p, nesterov ? try T.fused(.nesterovStep, [p.node, vNew, g, mu, lr]) : try T.add(p.node, vNew)))
            velocities.append((v, vNew))
        }
        return UpdateList(steps + velocities)
    }
}
