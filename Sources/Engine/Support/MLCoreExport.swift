/// Engine's clients (the Interpreter, the front ends, SparkConnect, the tests) see the ML core
/// (target MLCore: data, statistics, transforms, models, validation, explanations) through
/// Engine, as one library; Engine's own files import it where they use it.
@_exported import MLCore
