/// An array's elements handed to concurrent workers that each write their own elements — no two
/// workers the same index — and read none that another writes; the array's owner reads it after
/// they have all finished (`DispatchQueue.concurrentPerform` returns only then).
///
/// The workers capture this value, not the array: the array stays an ordinary variable, checked
/// by Swift 6 like any other, and the one promise the compiler cannot verify — disjoint indices —
/// is stated where the slots are made.
///
/// For example:
/// ```swift
/// var squares = [Int](repeating: 0, count: 100)
/// squares.withDisjointSlots { slots in
///     DispatchQueue.concurrentPerform(iterations: 4) { part in
///         for i in stride(from: part, to: 100, by: 4) { slots[i] = i * i }
///     }
/// }
/// ```
struct DisjointSlots<Element>: @unchecked Sendable {
    // @unchecked Sendable: a buffer pointer shared by workers that write disjoint indices and read
    // none another writes; the array outlives them (`withDisjointSlots` returns after they finish).
    private let buffer: UnsafeMutableBufferPointer<Element>

    fileprivate init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }

    var count: Int { buffer.count }

    subscript(index: Int) -> Element {
        get { buffer[index] }
        nonmutating set { buffer[index] = newValue }
    }

    /// Moves the element at `index` out, leaving `replacement` in its slot. The caller then holds
    /// the only reference to the element's storage, so mutating it copies nothing (a copy read
    /// with the subscript shares its arrays with the slot until the slot is overwritten).
    func take(_ index: Int, leaving replacement: Element) -> Element {
        let element = (buffer.baseAddress! + index).move()
        (buffer.baseAddress! + index).initialize(to: replacement)
        return element
    }

    /// The first element's address, for kernels that write a worker's own run of elements
    /// through offsets (nil when there are no elements).
    var baseAddress: UnsafeMutablePointer<Element>? { buffer.baseAddress }
}

extension Array {
    /// Calls `body` with this array's elements as `DisjointSlots` for concurrent workers.
    mutating func withDisjointSlots<Result>(_ body: (DisjointSlots<Element>) throws -> Result) rethrows -> Result {
        try withUnsafeMutableBufferPointer { try body(DisjointSlots($0)) }
    }
}
