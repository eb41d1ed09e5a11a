/// Stably moves the rows of `rows[start..<start + count]` for which `goesLeft` holds to the front
/// of that range, both sides keeping their order; returns how many went left. Shared by the
/// trees' and the histogram learner's splits.
///
/// Branch-free: every row is written to both sides (the left in place, the right to `scratch`,
/// which holds at least `count` rows) and the wrong write is overwritten, so a side that cannot
/// be predicted costs no mispredicted branch.
@inline(__always)
func stablePartition(
    _ rows: inout [Int32], start: Int, count: Int, scratch: inout [Int32], goesLeft: (Int32) -> Bool
) -> Int {
    var left = 0
    var right = 0
    rows.withUnsafeMutableBufferPointer { rows in
        scratch.withUnsafeMutableBufferPointer { scratch in
            let base = rows.baseAddress! + start
            for i in 0..<count {
                let row = base[i]
                let isLeft = Int(unsafeBitCast(goesLeft(row), to: UInt8.self))
                base[left] = row
                scratch[right] = row
                left &+= isLeft
                right &+= 1 &- isLeft
            }
            (base + left).update(from: scratch.baseAddress!, count: right)
        }
    }
    return left
}
