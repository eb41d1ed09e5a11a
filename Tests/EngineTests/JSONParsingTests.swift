import Engine
import Testing

@Suite("JSON parsing")
struct JSONParsingTests {
    @Test("values keep their kinds and objects their key order; it round-trips through serialized()")
    func values() throws {
        let text = #"{"b":1,"a":[true,false,null,-2.5e3,"x\n\u00e9\ud83d\ude00"],"c":{"d":9007199254740993}}"#
        let value = try JSON.parse(text)
        #expect(value.objectPairs?.map(\.0) == ["b", "a", "c"])
        #expect(value["b"] == .integer(1))
        #expect(value["a"] == .array([.bool(true), .bool(false), .null, .number(-2500), .string("x\né😀")]))
        #expect(value["c"]?["d"]?.intValue == 9_007_199_254_740_993)
        #expect(try JSON.parse(value.serialized()) == value)
        #expect(try JSON.parse("  [ ] ") == .array([]))
        #expect(JSON.integer(3).intValue == 3 && JSON.number(3).intValue == 3 && JSON.number(3.5).intValue == nil)
    }

    @Test("malformed text is refused with the byte offset, the place in the document and what was expected")
    func errors() throws {
        func message(_ text: String) -> String? {
            do {
                _ = try JSON.parse(text)
                return nil
            } catch let error as EngineError { return error.message } catch { return "\(error)" }
        }
        #expect(message("{\"a\" 1}") == "malformed JSON at byte 5: expected ':', found '1'")
        #expect(message("[1,]") == "malformed JSON at byte 3 ([1]): expected a value, found ']'")
        #expect(
            message(#"{"rows": [[1, 2], [3, x]]}"#)
                == "malformed JSON at byte 22 (rows[1][1]): expected a value, found 'x'")
        #expect(message(#"{"a": [1e400]}"#) == "a number beyond the range of a double (about ±1.8e308) at a[0]")
        #expect(message("-1e309") == "a number beyond the range of a double (about ±1.8e308) at byte 0")
        #expect(
            message(#"["ok", "\ud800"]"#)
                == "malformed JSON at byte 8 ([1]): expected an escape of a character (a lone surrogate is none), found '\\'"
        )
        let notUTF8: [UInt8] = Array(#"["é", "a"#.utf8) + [0xFF] + Array(#""]"#.utf8)
        do {
            _ = try JSON.parse(utf8: notUTF8)
            Issue.record("bytes that are not UTF-8 were accepted")
        } catch let error as EngineError {
            #expect(error.message == "malformed JSON at byte 9 ([1]): expected UTF-8 text, found '\u{FFFD}'")
        }
        #expect(message("\"abc") == "malformed JSON at byte 4: expected a closing '\"', found the end")
        #expect(message("{} x") == "malformed JSON at byte 3: expected the end of the document, found 'x'")
        #expect(message("tru") == "malformed JSON at byte 0: expected a value, found 't'")
        #expect(message("1.") == "malformed JSON at byte 2: expected a digit after '.', found the end")
        #expect(message(String(repeating: "[", count: 600)) == "malformed JSON: nested deeper than 512 levels")
    }
}
