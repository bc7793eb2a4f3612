/// One column of struct-of-arrays environment state: a value per sub-env, in memory the column owns.
///
/// Reads and writes are plain loads and stores, with none of `Array`'s bounds and uniqueness checks, which cost
/// about a third of CartPole's step time. Indices are always sub-env numbers below the count the environment was
/// created with (the C boundary checks every caller-supplied index). A reference type: a dynamics value owns its
/// columns and is never copied.
public final class Column<Element> {
    @usableFromInline let base: UnsafeMutablePointer<Element>
    public let count: Int

    public init(count: Int, repeating value: Element) {
        self.count = count
        base = UnsafeMutablePointer<Element>.allocate(capacity: max(count, 1))
        base.initialize(repeating: value, count: count)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inlinable
    public subscript(i: Int) -> Element {
        @inline(__always) get { base[i] }
        @inline(__always) set { base[i] = newValue }
    }
}
