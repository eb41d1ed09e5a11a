/// What a column's present cells were, counted for type inference: how many were numbers,
/// whether any of those was a real, how many were text, and where the first few text cells are.
struct ColumnTally: Sendable {
    /// How many text cells a tally keeps as samples for an error message.
    static let sampleLimit = 5

    var numbers = 0
    var anyReal = false
    var texts = 0
    var samples: [(line: Int, text: String)] = []

    /// Counts one text cell on `line`.
    mutating func addText(_ text: String, line: Int) {
        texts += 1
        if samples.count < Self.sampleLimit { samples.append((line, text)) }
    }

    /// Adds the counts of a later part of the file.
    mutating func add(_ later: ColumnTally) {
        numbers += later.numbers
        anyReal = anyReal || later.anyReal
        texts += later.texts
        samples += later.samples.prefix(Self.sampleLimit - samples.count)
    }

    /// Moves the samples' lines by `offset` (a part counted from line 1 before the lines before
    /// it were known).
    mutating func shiftLines(by offset: Int) {
        for index in samples.indices { samples[index].line += offset }
    }
}
