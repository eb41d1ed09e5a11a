/// Tests on every byte of a 64-bit word at once (SWAR), for scans that read eight bytes at a time.
enum ByteWords {
    /// `byte` in every byte of a word.
    @inline(__always)
    static func repeating(_ byte: UInt8) -> UInt64 { 0x0101_0101_0101_0101 &* UInt64(byte) }

    /// The eight bytes at `address` (any alignment), the first in the lowest byte.
    @inline(__always)
    static func load(_ address: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(address).loadUnaligned(as: UInt64.self))
    }

    /// 0x80 in each byte of `word` that is zero, nothing elsewhere (exact: no borrow between bytes).
    @inline(__always)
    static func zeroBytes(_ word: UInt64) -> UInt64 {
        let low7 = repeating(0x7F)
        return ~(((word & low7) &+ low7) | word | low7)
    }

    /// Whether some byte of `word` is zero.
    @inline(__always)
    static func hasZeroByte(_ word: UInt64) -> Bool {
        (word &- repeating(1)) & ~word & repeating(0x80) != 0
    }
}
