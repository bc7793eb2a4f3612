#if canImport(Glibc)
import Glibc
#endif

// MARK: - Unary

/// Elementwise functions of one argument. Float-only kinds get int inputs cast by the builders in `T`.
public enum UnaryKind: String, CaseIterable, Sendable {
    case neg, abs, sign, square, relu, invert
    case exp, log, log1p, sqrt, tanh, sigmoid, softplus, elu, sin, cos, floor, ceil, round, reciprocal

    var keepsDtype: Bool { [.neg, .abs, .sign, .square, .relu, .invert].contains(self) }
}

public struct UnaryOp: Op {
    public let kind: UnaryKind
    public var name: String { kind.rawValue }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        let x = inputs[0]
        if kind == .invert {
            guard x.dtype != .float32 else { throw AgentNetError.dtype("invert expects a bool or int input, got float32 (\(x))") }
        } else if !kind.keepsDtype && x.dtype != .float32 {
            throw AgentNetError.dtype("\(kind.rawValue) expects a float32 input, got \(x.dtype)")
        } else if x.dtype == .bool && kind != .invert {
            throw AgentNetError.dtype("\(kind.rawValue) is not defined for bool input")
        }
        return (x.dtype, x.shape)
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] { ctx.shapes[0] }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let x = inputs[0]
        let n = x.count
        switch x.dtype {
        case .float32:
            let a = UnsafePointer(x.floats), o = output.floats
            switch kind {
            case .neg: return { map1(n, a, o) { -$0 } }
            case .abs: return { map1(n, a, o) { Swift.abs($0) } }
            case .sign: return { map1(n, a, o) { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) } }
            case .square: return { map1(n, a, o) { $0 * $0 } }
            case .relu: return { map1(n, a, o) { $0 > 0 ? $0 : 0 } }
            case .exp: return { map1(n, a, o) { expf($0) } }
            case .log: return { map1(n, a, o) { logf($0) } }
            case .log1p: return { map1(n, a, o) { log1pf($0) } }
            case .sqrt: return { map1(n, a, o) { sqrtf($0) } }
            case .tanh: return { tanhLoop(n, a, o) }
            case .sigmoid: return { sigmoidLoop(n, a, o) }
            case .softplus: return { map1(n, a, o) { v in Swift.max(v, 0) + log1pf(expf(-Swift.abs(v))) } }
            case .elu: return { map1(n, a, o) { v in v > 0 ? v : expm1f(v) } }
            case .sin: return { map1(n, a, o) { sinf($0) } }
            case .cos: return { map1(n, a, o) { cosf($0) } }
            case .floor: return { map1(n, a, o) { floorf($0) } }
            case .ceil: return { map1(n, a, o) { ceilf($0) } }
            case .round: return { map1(n, a, o) { $0.rounded(.toNearestOrEven) } }
            case .reciprocal: return { map1(n, a, o) { 1 / $0 } }
            case .invert: break
            }
        case .int32:
            let a = UnsafePointer(x.ints), o = output.ints
            switch kind {
            case .neg: return { map1(n, a, o) { 0 &- $0 } }
            case .abs: return { map1(n, a, o) { $0 < 0 ? 0 &- $0 : $0 } }
            case .sign: return { map1(n, a, o) { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) } }
            case .square: return { map1(n, a, o) { $0 &* $0 } }
            case .relu: return { map1(n, a, o) { Swift.max($0, 0) } }
            case .invert: return { map1(n, a, o) { ~$0 } }
            default: break
            }
        case .bool:
            let a = UnsafePointer(x.bytes), o = output.bytes
            if kind == .invert { return { map1(n, a, o) { $0 == 0 ? 1 : 0 } } }
        }
        throw AgentNetError.dtype("\(kind.rawValue) is not defined for \(x.dtype)")
    }

    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        let x = node.inputs[0], y = node
        guard x.dtype == .float32 else { return [nil] }
        switch kind {
        case .neg: return [try T.neg(g)]
        case .abs: return [try T.mul(g, T.sign(x))]
        case .sign, .floor, .ceil, .round: return [try T.zerosLike(x)]
        case .square: return [try T.mul(g, T.mul(x, 2))]
        case .relu: return [try T.unaryGrad(.relu, x, g)]
        case .exp: return [try T.mul(g, y)]
        case .log: return [try T.div(g, x)]
        case .log1p: return [try T.div(g, T.add(x, 1))]
        case .sqrt: return [try T.div(T.mul(g, 0.5), y)]
        case .tanh: return [try T.unaryGrad(.tanh, y, g)]
        case .sigmoid: return [try T.unaryGrad(.sigmoid, y, g)]
        case .softplus: return [try T.mul(g, T.sigmoid(x))]
        case .elu: return [try T.mul(g, T.where_(T.gt(x, 0), 1, T.add(y, 1)))]
        case .sin: return [try T.mul(g, T.cos(x))]
        case .cos: return [try T.neg(T.mul(g, T.sin(x)))]
        case .reciprocal: return [try T.neg(T.mul(g, T.square(y)))]
        case .invert: return [nil]
        }
    }
}

// MARK: - Binary

/// Elementwise functions of two broadcast arguments of one dtype (the builders promote first).
public enum BinaryKind: String, CaseIterable, Sendable {
    case add, sub, mul, div, pow, maximum, minimum, mod, floordiv
    case eq, neq, lt, le, gt, ge
    case and, or, xor

    var isComparison: Bool { [.eq, .neq, .lt, .le, .gt, .ge].contains(self) }
    var isLogical: Bool { [.and, .or, .xor].contains(self) }
}

public struct BinaryOp: Op {
    public let kind: BinaryKind
    public var name: String { kind.rawValue }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        let a = inputs[0], b = inputs[1]
        guard a.dtype == b.dtype else {
            throw AgentNetError.dtype("\(kind.rawValue): operands have dtypes \(a.dtype) and \(b.dtype)")
        }
        let shape: [Int?]
        do { shape = try broadcastStatic([a.shape, b.shape]) } catch let e as AgentNetError {
            throw AgentNetError.shape("\(kind.rawValue): \(e.message)")
        }
        if kind.isLogical && a.dtype == .float32 {
            throw AgentNetError.dtype("\(kind.rawValue) expects bool or int operands, got float32")
        }
        if (kind == .div || kind == .pow) && a.dtype != .float32 {
            throw AgentNetError.dtype("\(kind.rawValue) expects float32 operands, got \(a.dtype)")
        }
        return (kind.isComparison ? .bool : a.dtype, shape)
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        do { return try broadcastShapes(ctx.shapes) } catch let e as AgentNetError {
            throw AgentNetError.shape("\(kind.rawValue): \(e.message)")
        }
    }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let plan = BroadcastPlan(out: output.shape, operands: inputs.map(\.shape))
        let a = inputs[0], b = inputs[1]
        switch a.dtype {
        case .float32:
            let x = UnsafePointer(a.floats), y = UnsafePointer(b.floats)
            if kind.isComparison { return comparison(kind, plan, x, y, output.bytes) }
            let o = output.floats
            switch kind {
            case .add: return { map2(plan, x, y, o) { $0 + $1 } }
            case .sub: return { map2(plan, x, y, o) { $0 - $1 } }
            case .mul: return { map2(plan, x, y, o) { $0 * $1 } }
            case .div: return { map2(plan, x, y, o) { $0 / $1 } }
            case .pow: return { map2(plan, x, y, o) { powf($0, $1) } }
            case .maximum: return { map2(plan, x, y, o) { $0.isNaN || $1.isNaN ? .nan : Swift.max($0, $1) } }
            case .minimum: return { map2(plan, x, y, o) { $0.isNaN || $1.isNaN ? .nan : Swift.min($0, $1) } }
            case .mod: return { map2(plan, x, y, o) { a, b in let r = fmodf(a, b); return (r != 0 && (r < 0) != (b < 0)) ? r + b : r } }
            case .floordiv: return { map2(plan, x, y, o) { floorf($0 / $1) } }
            default: break
            }
        case .int32, .bool:
            if a.dtype == .bool || kind.isLogical {
                if a.dtype == .bool {
                    let x = UnsafePointer(a.bytes), y = UnsafePointer(b.bytes), o = output.bytes
                    switch kind {
                    case .and: return { map2(plan, x, y, o) { $0 & $1 } }
                    case .or: return { map2(plan, x, y, o) { $0 | $1 } }
                    case .xor: return { map2(plan, x, y, o) { $0 ^ $1 } }
                    case .maximum: return { map2(plan, x, y, o) { Swift.max($0, $1) } }
                    case .minimum: return { map2(plan, x, y, o) { Swift.min($0, $1) } }
                    case _ where kind.isComparison: return comparison(kind, plan, x, y, o)
                    default: break
                    }
                    break
                }
            }
            let x = UnsafePointer(a.ints), y = UnsafePointer(b.ints)
            if kind.isComparison { return comparison(kind, plan, x, y, output.bytes) }
            let o = output.ints
            switch kind {
            case .add: return { map2(plan, x, y, o) { $0 &+ $1 } }
            case .sub: return { map2(plan, x, y, o) { $0 &- $1 } }
            case .mul: return { map2(plan, x, y, o) { $0 &* $1 } }
            case .maximum: return { map2(plan, x, y, o) { Swift.max($0, $1) } }
            case .minimum: return { map2(plan, x, y, o) { Swift.min($0, $1) } }
            case .and: return { map2(plan, x, y, o) { $0 & $1 } }
            case .or: return { map2(plan, x, y, o) { $0 | $1 } }
            case .xor: return { map2(plan, x, y, o) { $0 ^ $1 } }
            // Python semantics: the result of % takes the divisor's sign; division by zero gives 0 instead of trapping.
            case .mod: return { map2(plan, x, y, o) { a, b in
                if b == 0 || (b == -1) { return 0 }
                let r = a % b
                return (r != 0 && (r < 0) != (b < 0)) ? r + b : r } }
            case .floordiv: return { map2(plan, x, y, o) { a, b in
                if b == 0 { return 0 }
                if b == -1 { return 0 &- a }
                let q = a / b
                return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q } }
            default: break
            }
        }
        throw AgentNetError.dtype("\(kind.rawValue) is not defined for \(a.dtype)")
    }

    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        let a = node.inputs[0], b = node.inputs[1]
        guard a.dtype == .float32, !kind.isComparison else {
            if kind.isComparison && a.dtype == .float32 { throw NoGradient(op: kind.rawValue) }
            return [nil, nil]
        }
        func fit(_ x: Node?, _ like: Node) throws -> Node? { try x.map { try T.sumLike($0, like) } }
        switch kind {
        case .add: return [try fit(g, a), try fit(g, b)]
        case .sub: return [try fit(g, a), try fit(T.neg(g), b)]
        case .mul: return [try fit(T.mul(g, b), a), try fit(T.mul(g, a), b)]
        case .div: return [try fit(T.div(g, b), a), try fit(T.neg(T.div(T.mul(g, node), b)), b)]
        case .pow:
            // A constant exponent's b − 1 is folded here, so x**3's gradient is 3·x² without pow.
            let lower: Node
            if let c = b.constantValue, c.count == 1 { lower = .constant(try Tensor([c.floats[0] - 1], shape: c.shape)) } else { lower = try T.sub(b, 1) }
            let da = try T.mul(g, T.mul(b, T.pow(a, lower)))
            let db = try T.mul(g, T.mul(node, T.log(a)))
            return [try fit(da, a), try fit(db, b)]
        case .maximum, .minimum:
            let pickA = try kind == .maximum ? T.ge(a, b) : T.le(a, b)
            return [try fit(T.where_(pickA, g, 0), a), try fit(T.where_(pickA, 0, g), b)]
        case .mod: return [try fit(g, a), try fit(T.neg(T.mul(g, T.floordiv(a, b))), b)]
        case .floordiv: return [try T.zerosLike(a), try T.zerosLike(b)]
        default: throw NoGradient(op: kind.rawValue)
        }
    }
}

/// The kernel of a comparison on operands of any ordered element type; bool output as bytes.
@inline(__always)
func comparison<E: Comparable>(_ kind: BinaryKind, _ plan: BroadcastPlan, _ x: UnsafePointer<E>, _ y: UnsafePointer<E>,
                               _ o: UnsafeMutablePointer<UInt8>) -> Kernel {
    switch kind {
    case .eq: return { map2(plan, x, y, o) { $0 == $1 ? 1 : 0 } }
    case .neq: return { map2(plan, x, y, o) { $0 != $1 ? 1 : 0 } }
    case .lt: return { map2(plan, x, y, o) { $0 < $1 ? 1 : 0 } }
    case .le: return { map2(plan, x, y, o) { $0 <= $1 ? 1 : 0 } }
    case .gt: return { map2(plan, x, y, o) { $0 > $1 ? 1 : 0 } }
    default: return { map2(plan, x, y, o) { $0 >= $1 ? 1 : 0 } }
    }
}

// MARK: - Where, cast

/// `where(cond, a, b)`: elementwise choice with broadcasting (Theano's `switch`).
public struct WhereOp: Op {
    public var name: String { "where" }
    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        guard inputs[0].dtype == .bool else { throw AgentNetError.dtype("where: condition must be bool, got \(inputs[0].dtype)") }
        guard inputs[1].dtype == inputs[2].dtype else {
            throw AgentNetError.dtype("where: branches have dtypes \(inputs[1].dtype) and \(inputs[2].dtype)")
        }
        return (inputs[1].dtype, try broadcastStatic(inputs.map(\.shape)))
    }
    public func shape(_ ctx: ShapeContext) throws -> [Int] { try broadcastShapes(ctx.shapes) }
    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let plan = BroadcastPlan(out: output.shape, operands: inputs.map(\.shape))
        let c = UnsafePointer(inputs[0].bytes)
        switch output.dtype {
        case .float32:
            let a = UnsafePointer(inputs[1].floats), b = UnsafePointer(inputs[2].floats), o = output.floats
            return { map3(plan, c, a, b, o) { $0 != 0 ? $1 : $2 } }
        case .int32:
            let a = UnsafePointer(inputs[1].ints), b = UnsafePointer(inputs[2].ints), o = output.ints
            return { map3(plan, c, a, b, o) { $0 != 0 ? $1 : $2 } }
        case .bool:
            let a = UnsafePointer(inputs[1].bytes), b = UnsafePointer(inputs[2].bytes), o = output.bytes
            return { map3(plan, c, a, b, o) { $0 != 0 ? $1 : $2 } }
        }
    }
    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        let (c, a, b) = (node.inputs[0], node.inputs[1], node.inputs[2])
        guard a.dtype == .float32 else { return [nil, nil, nil] }
        return [nil, try T.sumLike(T.where_(c, g, 0), a), try T.sumLike(T.where_(c, 0, g), b)]
    }
}

/// float32 → int32 as the cast kernel and constant folding both do it: toward zero, saturating at the int32 range,
/// NaN → Int32.min (what x86's cvttss2si gives, and so numpy on this platform).
@inline(__always)
public func saturatingInt32(_ v: Float) -> Int32 {
    v.isNaN ? Int32.min : (v >= 2147483648 ? Int32.max : (v <= -2147483648 ? Int32.min : Int32(v)))
}

@inline(__always)
public func saturatingInt32(_ v: Double) -> Int32 {
    v.isNaN ? Int32.min : (v >= 2147483648 ? Int32.max : (v <= -2147483648 ? Int32.min : Int32(v)))
}

/// Converts between dtypes (`astype`); float → int truncates toward zero like numpy.
public struct CastOp: Op {
    public let to: DType
    public var name: String { "cast" }
    public var attributes: String { to.description }
    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) { (to, inputs[0].shape) }
    public func shape(_ ctx: ShapeContext) throws -> [Int] { ctx.shapes[0] }
    public var aliasesInput: Bool { false }
    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let x = inputs[0], n = x.count
        switch (x.dtype, to) {
        case (.float32, .float32), (.int32, .int32), (.bool, .bool):
            return { output.storage.raw.copyMemory(from: x.storage.raw, byteCount: n * x.dtype.size) }
        case (.float32, .int32):
            return { map1(n, UnsafePointer(x.floats), output.ints) { saturatingInt32($0) } }
        case (.float32, .bool): return { map1(n, UnsafePointer(x.floats), output.bytes) { $0 != 0 ? 1 : 0 } }
        case (.int32, .float32): return { map1(n, UnsafePointer(x.ints), output.floats) { Float($0) } }
        case (.int32, .bool): return { map1(n, UnsafePointer(x.ints), output.bytes) { $0 != 0 ? 1 : 0 } }
        case (.bool, .float32): return { map1(n, UnsafePointer(x.bytes), output.floats) { Float($0) } }
        case (.bool, .int32): return { map1(n, UnsafePointer(x.bytes), output.ints) { Int32($0) } }
        }
    }
    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        let x = node.inputs[0]
        return [x.dtype == .float32 && to == .float32 ? g : nil]
    }
}
