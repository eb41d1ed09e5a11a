// swift-tools-version:6.1
// PlateShell: an interactive shell for the Steel Plates Faults workflow.
//
// Layers (imports point one way only): PlateShell (executable: the terminal, the scoring server's
// foreground and the Jupyter kernel) → Interpreter (language, session, replay, renderers) → Engine
// (data, store, statistics, ...). C libraries come in through thin system-library targets that
// hold only a module map and a shim header, or, for those opened on first use, small C targets
// that forward each function PlateShell calls.
import PackageDescription

let package = Package(
    name: "PlateShell",
    products: [
        .executable(name: "plateshell", targets: ["PlateShell"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        .systemLibrary(name: "CEditLine", providers: [.apt(["libedit-dev"])]),
        .systemLibrary(name: "CCrypto", providers: [.apt(["libssl-dev"])]),
        // LAPACK/OpenBLAS, cairo, ZeroMQ, ISA-L, libcurl and libmicrohttpd are opened on first use
        // (CLazyLibrary), not at start-up: their shared libraries cost ~6 ms of every start (ZeroMQ ~1 ms
        // more, libcurl with its ~30 libraries ~8 ms). Headers: liblapacke-dev, libopenblas-dev,
        // libcairo2-dev, libzmq3-dev, libisal-dev, libcurl4-openssl-dev, libmicrohttpd-dev.
        .target(name: "CLazyLibrary"),
        .target(name: "CLapack", dependencies: ["CLazyLibrary"]),
        .target(name: "CCairo", dependencies: ["CLazyLibrary"]),
        .target(name: "CZMQ", dependencies: ["CLazyLibrary"]),
        .target(name: "CIsal", dependencies: ["CLazyLibrary"]),
        .target(name: "CCurl", dependencies: ["CLazyLibrary"]),
        .target(name: "CMicroHTTPD", dependencies: ["CLazyLibrary"]),
        .target(name: "CPrefetch"),
        .target(name: "CSplitScan"),
        // The ML core (data, statistics, transforms, models, validation, explanations) is a target
        // of its own with no SQLite, HTTP, YAML or cairo: it builds beside GRDB and Yams, and Engine
        // (stores, tracking, the registry, serving) re-exports it to its clients. Cross-module
        // optimization lets the store specialize the core's generic row paths (the CSV reader
        // writing into a store's writer) as it did within one module.
        .target(
            name: "MLCore", dependencies: ["CLapack", "CPrefetch", "CSplitScan"], path: "Sources/Engine/MLCore",
            swiftSettings: [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]),
        // Charts (cairo, PNG, sixel) and the ONNX export need only the ML core: targets of their own,
        // they compile while GRDB does, and Engine re-exports them.
        .target(name: "Plot", dependencies: ["MLCore", "CCairo", "CIsal"], path: "Sources/Engine/Plot"),
        .target(name: "ONNX", dependencies: ["MLCore"], path: "Sources/Engine/ONNX"),
        .target(
            name: "Engine",
            dependencies: [
                "MLCore", "Plot", "ONNX", "CCrypto", "CCurl",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: [
                "MLCore", "Plot", "ONNX", "SparkConnect", "SparkConnectProtocol", "ScoringHTTP", "StandardConnectors",
            ]),
        // The scoring server's HTTP listener (GNU libmicrohttpd, through CMicroHTTPD) is a target of
        // its own beside Engine, which holds the scoring protocol itself (ScoringService). It was
        // Hummingbird over SwiftNIO, whose packages took 40% of a fresh release build's CPU time.
        .target(name: "ScoringHTTP", dependencies: ["Engine", "CMicroHTTPD"], path: "Sources/Engine/ScoringHTTP"),
        // Spark Connect: the messages PlateShell uses, generated once by protoc-gen-swift from a
        // subset of Spark's .proto files (committed; scripts/generate-spark-protocol makes them
        // again), and the client and table store built on them. gRPC goes over HTTP/2 through the
        // libcurl PlateShell already opens on first use, so neither gRPC's nor NIO's HTTP/2 stack
        // is built.
        .target(
            name: "SparkConnectProtocol",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Sources/Engine/SparkConnectProtocol"),
        .target(
            name: "SparkConnect",
            dependencies: [
                "Engine", "CCurl", "SparkConnectProtocol", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/Engine/SparkConnect"),
        // The front end hands each session the Spark Connect store and the scoring server through
        // `Connectors.standard`, so the Interpreter, which imports neither, builds beside them.
        .target(
            name: "StandardConnectors", dependencies: ["Engine", "SparkConnect", "ScoringHTTP"],
            path: "Sources/Engine/StandardConnectors"),
        .target(name: "Interpreter", dependencies: ["Engine"]),
        .executableTarget(
            name: "PlateShell",
            dependencies: [
                "Interpreter", "Engine", "StandardConnectors", "ScoringHTTP", "SparkConnect", "CEditLine", "CZMQ",
                "CCrypto",
                "CCairo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .target(
            name: "TestSupport", dependencies: ["Engine", "Interpreter", "StandardConnectors"],
            path: "Tests/TestSupport"),
        .testTarget(
            name: "EngineTests",
            dependencies: [
                "Engine", "MLCore", "Plot", "ONNX", "ScoringHTTP", "TestSupport", "CCairo",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "InterpreterTests",
            dependencies: [
                "Interpreter", "Engine", "MLCore", "StandardConnectors", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .testTarget(name: "SparkConnectTests", dependencies: ["SparkConnect", "Engine"], exclude: ["Fixtures"]),
        .testTarget(name: "EndToEndTests", dependencies: ["Engine", "TestSupport"]),
        .testTarget(name: "FrontEndTests", dependencies: ["PlateShell", "Interpreter", "Engine", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
