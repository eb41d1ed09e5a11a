import Foundation
import Testing

@testable import Engine
@testable import MLCore

@Suite("Background work")
struct BackgroundWorkTests {
    struct Refusal: Error, Equatable {}

    @Test("each piece of work gives its own result, however many run at once, and asking twice gives it again")
    func results() throws {
        let works = (0..<64).map { n in
            BackgroundWork { () -> [Int] in
                (0..<1000).map { $0 * n }
            }
        }
        for (n, work) in works.enumerated() {
            #expect(try work.value() == (0..<1000).map { $0 * n })
            #expect(try work.value().last == 999 * n, "a second value() does not wait forever")
        }
    }

    @Test("what the work throws is rethrown to the one who collects it")
    func errors() {
        let work = BackgroundWork { () throws -> Int in throw Refusal() }
        #expect(throws: Refusal()) { try work.value() }
        #expect(throws: Refusal()) { try work.value() }
    }
}
