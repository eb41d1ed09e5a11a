/// Engine's clients (the Interpreter, the front ends, SparkConnect, the tests) see the ML core
/// (target MLCore: data, statistics, transforms, models, validation, explanations), the charts
/// (target Plot) and the ONNX export (target ONNX) through Engine, as one library; Engine's own
/// files see them through these imports too.
@_exported import MLCore
@_exported import ONNX
@_exported import Plot
