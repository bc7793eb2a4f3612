@testable import AgentNet
import AgentNetTestSupport
import Testing

// Ownership: a shared value and the node reading it must not keep each other alive (they did, through
// `SharedOp.value` and a strong `node`, so every shared value leaked with its tensor); nor may functions, plans,
// layers or environments form cycles.

@Suite struct SharedValueOwnershipTests {
    @Test func releasedSharedValueNodeAndFunctionDeinitialise() throws {
        weak var value: SharedValue?, node: Node?, function: Function?, storage: TensorStorage?
        try {
            let s = SharedValue(Check.floats([1, 2, 3]), name: "w")
            let x = Node.input("x", shape: [3])
            let f = try Function(inputs: [x], outputs: [try T.mul(x, s.node)], updates: [(s, try T.add(s.node, 1))])
            #expect(try f([Check.floats([1, 1, 1])])[0].scalars == [1, 2, 3])
            #expect(s.value.scalars == [2, 3, 4])
            value = s; node = s.node; function = f; storage = s.tensor.storage
        }()
        #expect(value == nil)
        #expect(node == nil)
        #expect(function == nil)
        #expect(storage == nil)
    }

    @Test func aSharedValueAloneIsFreedAndItsNodeTooWhenTheGraphGoes() throws {
        weak var value: SharedValue?, node: Node?
        var s: SharedValue? = SharedValue(Check.floats([1]))
        value = s
        var sum: Node? = try T.add(s!.node, 1)
        node = s!.node
        s = nil
        // The graph still reads the value: both stay alive.
        #expect(value != nil && node != nil)
        #expect(try evaluate([sum!])[0].scalars == [2])
        sum = nil
        #expect(value == nil && node == nil)
    }

    @Test func theNodeIsTheSameWhileHeldAndRemadeAfter() throws {
        let s = SharedValue(Check.floats([5]))
        var n: Node? = s.node
        #expect(s.node === n)
        let first = n!.id
        n = nil
        // Nothing holds the first node any more: a new one is made, reading the same value.
        let m = s.node
        #expect(m.id != first)
        #expect(m.sharedValue === s)
        #expect(try evaluate([try T.mul(m, 2)])[0].scalars == [10])
    }

    @Test func layersAndEnvironmentsDeinitialise() throws {
        weak var layer: DenseLayer?, weights: SharedValue?, env: VectorEnvironment<CartPole>?
        try {
            let l = try DenseLayer(inputShape: [nil, 4], numUnits: 3)
            let x = Node.input("x", shape: [nil, 4])
            let f = try Function(inputs: [x], outputs: [try l.output(for: [x], options: LayerOptions())])
            #expect(try f([Check.random([2, 4])])[0].shape == [2, 3])
            let e = try VectorEnvironment<CartPole>(numEnvs: 3)
            layer = l; weights = l.W; env = e
        }()
        #expect(layer == nil)
        #expect(weights == nil)
        #expect(env == nil)
    }
}
