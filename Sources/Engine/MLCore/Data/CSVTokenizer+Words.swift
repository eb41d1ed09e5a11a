/// The tokenizer's scans that read eight bytes at a time.
extension CSVTokenizer {
    /// Parses the record at `start` when it is plain, the common case: no quote and no NUL byte in
    /// the words it spans, and it ends in a line feed (or CR LF) before `filled`. Its separators
    /// and line end are found a word at a time. Nil otherwise, `fields` then holding a partial
    /// record: the general parser reads it again.
    @inline(__always)
    static func parsePlainRecord(
        _ buffer: UnsafeMutablePointer<UInt8>, from start: Int, filled: Int, separator: UInt8,
        fields: inout FieldBounds
    ) -> Int? {
        let separators = ByteWords.repeating(separator)
        var fieldStart = start
        var wordStart = start
        while wordStart < filled {
            let word = ByteWords.load(buffer + wordStart)
            if ByteWords.hasZeroByte(word ^ ByteWords.repeating(quote)) || ByteWords.hasZeroByte(word) { return nil }
            let separatorBytes = ByteWords.zeroBytes(word ^ separators)
            var hits =
                separatorBytes | ByteWords.zeroBytes(word ^ ByteWords.repeating(newline))
                | ByteWords.zeroBytes(word ^ ByteWords.repeating(carriageReturn))
            while hits != 0 {
                let lane = hits.trailingZeroBitCount / 8
                let position = wordStart + lane
                if position >= filled { return nil }
                fields.append(start: fieldStart, end: position, escaped: false)
                if separatorBytes & (0x80 << UInt64(lane * 8)) == 0 {
                    if buffer[position] == newline { return position + 1 }
                    return position + 1 < filled && buffer[position + 1] == newline ? position + 2 : nil
                }
                fieldStart = position + 1
                hits &= hits &- 1
            }
            wordStart += 8
        }
        return nil
    }

    /// The offset of the first separator, line break or NUL at or after `position`; stops early,
    /// at most 7 bytes before `filled`.
    @inline(__always)
    static func skipPlainBytes(
        _ buffer: UnsafeMutablePointer<UInt8>, from start: Int, filled: Int,
        separator: UInt8
    ) -> Int {
        let separators = ByteWords.repeating(separator)
        var position = start
        while position + 8 <= filled {
            let word = ByteWords.load(buffer + position)
            let hits =
                ByteWords.zeroBytes(word ^ separators) | ByteWords.zeroBytes(word ^ ByteWords.repeating(newline))
                | ByteWords.zeroBytes(word ^ ByteWords.repeating(carriageReturn)) | ByteWords.zeroBytes(word)
            if hits != 0 { return position + hits.trailingZeroBitCount / 8 }
            position += 8
        }
        return position
    }
}
