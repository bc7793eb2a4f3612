/// Per-element adaptive step sizes from accumulated squared gradients: Adagrad, RMSProp and Adadelta, with
/// Lasagne's defaults and update order (for each parameter: its accumulator(s) and the parameter).
public extension Updates {
    /// Adagrad (Duchi et al. 2011): `a := a + grad²`; `param := param − learning_rate · grad / √(a + epsilon)`.
    static func adagrad(_ lossOrGrads: LossOrGradients, params: [SharedValue], learningRate: NodeConvertible = 1.0,
                        epsilon: NodeConvertible = 1e-6) throws -> UpdateList {
        let grads = try getOrComputeGrads(lossOrGrads, params: params)
        let lr = try Updates.learningRate(learningRate), eps = try Updates.epsilon(epsilon)
        var updates = UpdateList()
        for (p, g) in zip(params, grads) {
            let accu = try zerosLike(p, "accu")
            let accuNew = try T.fused(.accumulateSquare, [accu.node, g])
            updates[accu] = accuNew
            updates[p] = try T.fused(.rmsStep, [p.node, g, accuNew, lr, eps])
        }
        return updates
    }

    /// RMSProp (Tieleman and Hinton 2012): `a := rho·a + (1 − rho)·grad²`;
    /// `param := param − learning_rate · grad / √(a + epsilon)`.
    static func rmsprop(_ lossOrGrads: LossOrGradients, params: [SharedValue], learningRate: NodeConvertible = 1.0,
                        rho: NodeConvertible = 0.9, epsilon: NodeConvertible = 1e-6) throws -> UpdateList {
        let grads = try getOrComputeGrads(lossOrGrads, params: params)
        let lr = try Updates.learningRate(learningRate), r = try rate(rho, "rho"), eps = try Updates.epsilon(epsilon)
        var updates = UpdateList()
        for (p, g) in zip(params, grads) {
            let accu = try zerosLike(p, "accu")
            let accuNew = try T.fused(.emaSquare, [accu.node, g, r])
            updates[accu] = accuNew
            updates[p] = try T.fused(.rmsStep, [p.node, g, accuNew, lr, eps])
        }
        return updates
    }

    /// Adadelta (Zeiler 2012): `a := rho·a + (1 − rho)·grad²`; `u = grad·√(d + epsilon) / √(a + epsilon)`;
    /// `param := param − learning_rate·u`; `d := rho·d + (1 − rho)·u²`.
    static func adadelta(_ lossOrGrads: LossOrGradients, params: [SharedValue], learningRate: NodeConvertible = 1.0,
                         rho: NodeConvertible = 0.95, epsilon: NodeConvertible = 1e-6) throws -> UpdateList {
        let grads = try getOrComputeGrads(lossOrGrads, params: params)
        let lr = try Updates.learningRate(learningRate), r = try rate(rho, "rho"), eps = try Updates.epsilon(epsilon)
        var updates = UpdateList()
        for (p, g) in zip(params, grads) {
            let accu = try zerosLike(p, "accu"), deltaAccu = try zerosLike(p, "delta_accu")
            let accuNew = try T.fused(.emaSquare, [accu.node, g, r])
            updates[accu] = accuNew
            let u = try T.fused(.adadeltaDelta, [g, deltaAccu.node, accuNew, eps])
            updates[p] = try T.fused(.sgdStep, [p.node, u, lr])
            updates[deltaAccu] = try T.fused(.emaSquare, [deltaAccu.node, u, r])
        }
        return updates
    }
}
