import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

@Suite("Metrics and folds")
struct ValidationTests {
    @Test("metrics equal scikit-learn's on a small example")
    func metrics() {
        let y = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2]
        let predicted = [0, 1, 0, 1, 1, 2, 2, 2, 0, 2]
        let p = Matrix(
            rows: 10, columns: 3,
            values: [
                0.7, 0.2, 0.1, 0.3, 0.4, 0.3, 0.6, 0.2, 0.2, 0.1, 0.8, 0.1, 0.2, 0.5, 0.3,
                0.1, 0.3, 0.6, 0.1, 0.1, 0.8, 0.2, 0.2, 0.6, 0.5, 0.2, 0.3, 0.3, 0.3, 0.4,
            ])
        let m = ClassificationMetrics(actual: y, predicted: predicted, probabilities: p, classCount: 3)
        // scikit-learn 1.9.1: accuracy_score, roc_auc_score(ovr, macro), recall/precision/f1 (macro, weighted),
        // cohen_kappa_score, matthews_corrcoef, log_loss on the same arrays.
        let expected: [(String, Double)] = [
            ("accuracy", 0.7), ("auc", 0.9037698412698413), ("recall", 0.6944444444444443),
            ("precision", 0.6944444444444443), ("f1", 0.6944444444444443), ("f1_weighted", 0.7),
            ("kappa", 0.5454545454545454), ("mcc", 0.5454545454545454), ("log_loss", 0.7045969619511042),
        ]
        for (name, value) in expected { #expect(abs(m.value(name)! - value) < 1e-12, "\(name)") }
    }

    @Test("stratified folds put every row in exactly one test part, each class spread evenly")
    func stratified() throws {
        let y = (0..<103).map { $0 < 60 ? 0 : ($0 < 90 ? 1 : 2) }
        let folds = try Folds.stratified(y, classCount: 3, folds: 10, seed: 7)
        #expect(folds.flatMap(\.test).sorted() == Array(0..<103))
        for fold in folds {
            #expect(Set(fold.train).isDisjoint(with: fold.test) && fold.train.count + fold.test.count == 103)
            let counts = (0..<3).map { k in fold.test.filter { y[$0] == k }.count }
            #expect(counts[0] == 6 && (3...3).contains(counts[1]) && (1...2).contains(counts[2]))
        }
        #expect(try Folds.stratified(y, classCount: 3, folds: 10, seed: 7) == folds, "a seed repeats")
        let error = engineError { _ = try Folds.stratified(y, classCount: 3, folds: 14, seed: 7) }
        #expect(error?.message == "folds=14 is more than the 13 rows of the smallest class (class 2)")
    }

    @Test("a holdout split keeps each class's share")
    func holdout() {
        let y = (0..<100).map { $0 < 70 ? 0 : 1 }
        let split = Folds.holdout(y, classCount: 2, testFraction: 0.3, stratify: true, seed: 1)
        #expect(split.test.count == 30 && split.test.filter { y[$0] == 1 }.count == 9)
    }

    @Test("folds from a file are matched to the frame by its rows")
    func foldsFile() throws {
        let directory = TemporaryDirectory()
        let path = directory.file(
            "folds.json",
            #"{"T": {"n_rows": 4, "original_row_index": [3, 5, 7, 9], "test_index_per_fold": [[0, 2], [1, 3]]}}"#)
        let (task, splits) = try Folds.load(path: path, sourceRows: [3, 5, 7, 9])
        #expect(
            task == "T"
                && splits == [Folds.Split(train: [1, 3], test: [0, 2]), Folds.Split(train: [0, 2], test: [1, 3])])
        #expect(
            engineError { _ = try Folds.load(path: path, sourceRows: [0, 1, 2, 3]) }?.message
                == "no task in '\(path)' has the current frame's 4 rows")
    }
}
