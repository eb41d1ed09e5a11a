/// Random search over a model's declared search space, scored by cross-validation.
public enum Tuning {
    /// The candidates tried: the given settings first (so tuning never does worse than them),
    /// then `iterations − 1` draws, each parameter uniformly from its search space, distinct.
    public static func candidates(_ kind: ModelKind, base: ModelSettings, iterations: Int, seed: UInt64)
        -> [ModelSettings]
    {
        let tunable = kind.parameters.filter { !$0.searchSpace.isEmpty }
        var random = SeededRandom(seed: seed)
        var seen: Set<ModelSettings> = [base]
        var out = [base]
        var attempts = 0
        while out.count < iterations && !tunable.isEmpty && attempts < iterations * 50 {
            attempts += 1
            var settings = base
            for parameter in tunable {
                settings = settings.setting(
                    parameter.name, parameter.searchSpace[Int(random.next() % UInt64(parameter.searchSpace.count))])
            }
            if seen.insert(settings).inserted { out.append(settings) }
        }
        return out
    }
}
