import TestSupport
import Testing

@testable import Engine
@testable import MLCore

@Suite("Number parsing")
struct NumberParsingTests {
    private func classify(_ text: String) -> NumberParsing.Syntax {
        var copy = text
        return copy.withUTF8 { NumberParsing.classify($0) }
    }

    private func double(_ text: String) -> Double {
        var copy = text
        return copy.withUTF8 { NumberParsing.parseDouble($0) }
    }

    @Test("classifies integers, reals and words")
    func classification() {
        #expect(classify("42") == .integer)
        #expect(classify("-7") == .integer)
        #expect(classify(" 12 ") == .integer)
        #expect(classify("9223372036854775807") == .integer)
        #expect(classify("9223372036854775808") == .real, "past Int64 is a real")
        #expect(classify("0.0498") == .real)
        #expect(classify(".5") == .real)
        #expect(classify("1.") == .real)
        #expect(classify("1e-3") == .real)
        for word in ["", "-", ".", "e5", "1e", "NaN", "inf", "1,5", "12a", "--1", "1.2.3"] {
            #expect(classify(word) == .notNumber, "'\(word)'")
        }
    }

    @Test("converts decimals exactly as the standard library does (correctly rounded)")
    func exactConversion() {
        var generator = SystemRandomNumberGenerator()
        let samples = [
            "0.1", "0.0498", "2.4265", "-0.2913", "123456789012345678", "1e22", "1e23", "4.9e-324",
            "1.7976931348623157e308", "0.30000000000000004", "3.14159265358979323846", "1e-400",
        ]
        for text in samples { #expect(double(text) == Double(text)!, "\(text)") }
        for _ in 0..<20_000 {
            let mantissa = UInt64.random(in: 0...999_999_999_999, using: &generator)
            let scale = Int.random(in: 0...12, using: &generator)
            var text = String(mantissa)
            if scale > 0 {
                text = text.leftPadded(to: scale + 1)
                text.insert(".", at: text.index(text.endIndex, offsetBy: -scale))
            }
            #expect(double(text) == Double(text)!, "\(text)")
        }
    }

    @Test("integers overflow to nil, not to a wrong value")
    func integerOverflow() {
        var max = "-9223372036854775808"
        #expect(max.withUTF8 { NumberParsing.parseInteger($0) } == Int64.min)
        var over = "99999999999999999999"
        #expect(over.withUTF8 { NumberParsing.parseInteger($0) } == nil)
    }

    @Test("word-at-a-time parsing gives the same integers and doubles, bit for bit, whatever follows the cell")
    func wordAtATime() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789.-+e 9".utf8)
        let padding = NumberParsing.readableBytesPastStart
        let memory = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 12 + padding)
        defer { memory.deallocate() }
        var shapes: [String: Int] = [:]
        for _ in 0..<200_000 {
            let count = Int.random(in: 0...12, using: &generator)
            for index in memory.indices { memory[index] = alphabet.randomElement(using: &generator)! }
            let cell = UnsafeBufferPointer(rebasing: memory[0..<count])
            let integer = NumberParsing.parseIntegerByWords(cell)
            let real = NumberParsing.parseNumberByWords(cell)
            let text = String(decoding: cell, as: UTF8.self)
            #expect(integer == NumberParsing.parseInteger(cell), "'\(text)'")
            #expect(real?.bitPattern == NumberParsing.parseNumber(cell)?.bitPattern, "'\(text)'")
            if let real { shapes[real == real.rounded() ? "whole" : "fraction", default: 0] += 1 }
        }
        #expect(shapes["whole", default: 0] > 1000 && shapes["fraction", default: 0] > 1000, "\(shapes)")
    }
}
