/// "Did you mean" candidates by edit distance.
///
/// A candidate is offered only when it is close enough to be a plausible typo: the distance must be
/// at most a third of the longer name (and at least 1), or the candidate must differ only in case.
public enum Suggestions {
    /// The known names closest to `name`, best first; empty when none is close enough.
    public static func closest(to name: String, among known: [String], limit: Int = 3) -> [String] {
        let target = name.lowercased()
        var scored: [(name: String, distance: Int)] = []
        for candidate in known {
            let lowered = candidate.lowercased()
            if lowered == target {
                scored.append((candidate, 0))
                continue
            }
            let cutoff = max(1, max(target.count, lowered.count) / 3)
            let isPrefix = lowered.hasPrefix(target) && target.count >= 3
            // The distance is at least the difference in scalars: skip the quadratic comparison
            // when that alone is past the cutoff (a 10 MB "name" against short ones).
            guard isPrefix || abs(target.unicodeScalars.count - lowered.unicodeScalars.count) <= cutoff else {
                continue
            }
            let distance = editDistance(target, lowered)
            if distance <= cutoff || isPrefix {
                scored.append((candidate, distance))
            }
        }
        scored.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.name < $1.name }
        return Array(scored.prefix(limit).map(\.name))
    }

    /// Levenshtein distance (insertions, deletions, substitutions, adjacent transpositions).
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    best = min(best, previousPrevious[j - 2] + 1)
                }
                current[j] = best
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }
}
