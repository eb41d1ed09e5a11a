/// How a command's positional words fill its positional slots: the one reading of
/// `load <path> [as <table>]`-style declarations, shared by binding (which parses the values) and
/// completion (which offers what may come next).
///
/// Slots are filled in order. A keyword slot takes its keyword and the word after it; an optional
/// slot whose keyword is absent is skipped, and so is a slot given as `keyword=value` (`assigned`).
/// An optional slot without a keyword never swallows a later slot's keyword. A variadic slot takes
/// every remaining word.
struct PositionalFill {
    /// A slot and the words (indices into the positional words) that give its value.
    struct Filled {
        let slot: Int
        let words: Range<Int>
    }

    /// Why the words do not fit the slots; the first problem met, in order.
    enum Problem: Equatable {
        /// A required keyword slot's keyword is not at word `at` (`at == words.count`: they ended).
        case expectedKeyword(slot: Int, at: Int)
        /// The keyword at word `keywordAt` ends the words; its value is missing.
        case keywordWithoutValue(slot: Int, keywordAt: Int)
        /// The words ended before a required slot.
        case missingValue(slot: Int)
        /// Word `at` fills no slot.
        case unexpected(at: Int)
    }

    /// The slots filled before any problem, in order.
    private(set) var filled: [Filled] = []
    private(set) var problem: Problem?
    /// Keywords the next word may be (optional keyword slots reached when the words ended, or the
    /// required one that is missing).
    private(set) var nextKeywords: [String] = []
    /// The slot whose value the next word would be (after its keyword, when it has one).
    private(set) var nextValueSlot: Int?

    /// Fills `slots` with `words` (the positional tokens: quoted tokens never count as keywords),
    /// leaving out the slots whose names are in `assigned`.
    init(_ slots: [PositionalSpec], words: [Token], assigned: Set<String> = []) {
        func isKeyword(_ index: Int, _ keyword: String) -> Bool {
            words[index].kind == .word && words[index].text.lowercased() == keyword
        }
        var index = 0
        for (position, slot) in slots.enumerated() where !assigned.contains(slot.name) {
            let atEnd = index == words.count
            if let keyword = slot.keyword {
                guard !atEnd, isKeyword(index, keyword) else {
                    if atEnd { nextKeywords.append(keyword) }
                    if slot.isOptional { continue }
                    problem = .expectedKeyword(slot: position, at: index)
                    return
                }
                index += 1
                guard index < words.count else {
                    (nextKeywords, nextValueSlot) = ([], position)
                    problem = .keywordWithoutValue(slot: position, keywordAt: index - 1)
                    return
                }
            } else if slot.isOptional, !atEnd,
                slots[(position + 1)...].contains(where: { $0.keyword.map { isKeyword(index, $0) } ?? false })
            {
                continue
            }
            guard index < words.count else {
                if nextValueSlot == nil { nextValueSlot = position }
                if slot.isOptional { continue }
                problem = .missingValue(slot: position)
                return
            }
            let end = slot.isVariadic ? words.count : index + 1
            filled.append(Filled(slot: position, words: index..<end))
            if slot.isVariadic { nextValueSlot = position }
            index = end
        }
        if index < words.count { problem = .unexpected(at: index) }
    }
}
