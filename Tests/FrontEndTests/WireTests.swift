import Engine
import Foundation
import TestSupport
import Testing

@testable import PlateShell

/// The kernel's wire format: HMAC-SHA256 signatures, message framing, the connection file.
@Suite("Kernel: wire format and connection file")
struct WireTests {
    let signer = MessageSigner(key: Array("Jefe".utf8))

    @Test("HMAC-SHA256 matches RFC 4231 test case 2, over frames split anywhere")
    func knownVector() {
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        #expect(signer.signature([Array("what do ya want for nothing?".utf8)]) == expected)
        #expect(
            signer.signature([Array("what do ya ".utf8), Array("want for ".utf8), Array("nothing?".utf8)]) == expected)
        #expect(signer.verify(Array(expected.utf8), [Array("what do ya want for nothing?".utf8)]))
        #expect(!signer.verify(Array(expected.utf8), [Array("what do ya want for nothing!".utf8)]))
        #expect(!signer.verify(Array(expected.dropLast().utf8), [Array("what do ya want for nothing?".utf8)]))
    }

    @Test("without a key nothing is signed and anything passes")
    func emptyKey() {
        let open = MessageSigner(key: [])
        #expect(open.signature([Array("x".utf8)]) == "")
        #expect(open.verify(Array("whatever".utf8), [Array("x".utf8)]))
    }

    @Test("a message survives encode and decode with its identities, and its signature covers the four parts")
    func roundTrip() throws {
        var message = WireMessage(
            type: "execute_request", content: .object([("code", .string("describe")), ("silent", .bool(false))]),
            parent: nil, session: "s1", identities: [Array("client-1".utf8)])
        message.buffers = [[1, 2, 3]]
        let frames = message.encode(signer: signer)
        #expect(frames[0] == Array("client-1".utf8))
        #expect(frames[1] == WireMessage.delimiter)
        #expect(frames[2] == Array(signer.signature(Array(frames[3...6])).utf8))
        let decoded = try WireMessage.decode(frames, signer: signer)
        #expect(decoded.type == "execute_request")
        #expect(decoded.identities == [Array("client-1".utf8)])
        #expect(decoded.content["code"]?.stringValue == "describe")
        #expect(decoded.content["silent"]?.boolValue == false)
        #expect(decoded.header["session"]?.stringValue == "s1")
        #expect(decoded.buffers == [[1, 2, 3]])
        let date = try #require(decoded.header["date"]?.stringValue)
        #expect(date.count == 27 && date.hasSuffix("Z"), "ISO 8601 with microseconds: \(date)")
    }

    @Test("malformed or forged frames are refused with a specific reason")
    func refusals() {
        let good = WireMessage(type: "kernel_info_request", content: .object([]), parent: nil, session: "s").encode(
            signer: signer)
        var forged = good
        forged[forged.count - 1] = Array("{\"code\":\"load evil.csv\"}".utf8)
        #expect(throws: WireError.badSignature) { try WireMessage.decode(forged, signer: signer) }
        let wrongKey = WireMessage(type: "kernel_info_request", content: .object([]), parent: nil, session: "s")
            .encode(signer: MessageSigner(key: Array("other".utf8)))
        #expect(throws: WireError.badSignature) { try WireMessage.decode(wrongKey, signer: signer) }
        #expect(throws: WireError.noDelimiter) { try WireMessage.decode([Array("{}".utf8)], signer: signer) }
        #expect(throws: WireError.missingFrames(3)) {
            try WireMessage.decode([WireMessage.delimiter, [], [], []], signer: signer)
        }
        let parts = [Array("[1]".utf8), Array("{}".utf8), Array("{}".utf8), Array("{}".utf8)]
        #expect(throws: WireError.notAnObject("header")) {
            try WireMessage.decode(
                [WireMessage.delimiter, Array(signer.signature(parts).utf8)] + parts, signer: signer)
        }
        let untyped = [Array("{}".utf8), Array("{}".utf8), Array("{}".utf8), Array("{}".utf8)]
        #expect(throws: WireError.noMessageType) {
            try WireMessage.decode(
                [WireMessage.delimiter, Array(signer.signature(untyped).utf8)] + untyped, signer: signer)
        }
    }

    @Test("a validly signed message sent again is refused as a replay; unsigned traffic is not tracked")
    func replays() throws {
        let history = SignatureHistory()
        let frames = WireMessage(type: "execute_request", content: .object([]), parent: nil, session: "s").encode(
            signer: signer)
        #expect(try WireMessage.decode(frames, signer: signer, history: history).type == "execute_request")
        #expect(throws: WireError.replayedSignature) {
            try WireMessage.decode(frames, signer: signer, history: history)
        }
        let another = WireMessage(type: "execute_request", content: .object([]), parent: nil, session: "s").encode(
            signer: signer)
        #expect(try WireMessage.decode(another, signer: signer, history: history).type == "execute_request")
        let open = MessageSigner(key: [])
        let unsigned = WireMessage(type: "kernel_info_request", content: .object([]), parent: nil, session: "s")
            .encode(signer: open)
        for _ in 0..<2 { #expect(try WireMessage.decode(unsigned, signer: open, history: history).type != "") }
    }

    @Test("the signature history forgets its oldest tenth when full, never the newest")
    func historyLimit() {
        let history = SignatureHistory(limit: 20)
        for index in 0..<21 { #expect(history.admit(Array("sig\(index)".utf8))) }
        #expect(history.admit(Array("sig0".utf8)), "the oldest were forgotten")
        #expect(!history.admit(Array("sig20".utf8)), "the newest is still known")
    }

    @Test("the connection file gives endpoints and the key; bad ones name the problem")
    func connectionFile() throws {
        let text = """
            {"transport": "tcp", "ip": "127.0.0.1", "shell_port": 5001, "iopub_port": 5002, "stdin_port": 5003,
             "control_port": 5004, "hb_port": 5005, "key": "abc", "signature_scheme": "hmac-sha256", "kernel_name": "plateshell"}
            """
        let connection = try ConnectionFile(text: text, path: "k.json")
        #expect(connection.endpoint(.shell) == "tcp://127.0.0.1:5001")
        #expect(connection.endpoint(.hb) == "tcp://127.0.0.1:5005")
        #expect(connection.key == Array("abc".utf8))
        func problem(_ text: String) -> String? {
            do {
                _ = try ConnectionFile(text: text, path: "k.json")
                return nil
            } catch let error as KernelError { return error.message } catch { return "\(error)" }
        }
        #expect(
            problem(text.replacingOccurrences(of: "\"hb_port\": 5005,", with: ""))
                == "connection file k.json: 'hb_port' is missing or not a port number (1 to 65535)")
        #expect(
            problem(text.replacingOccurrences(of: "hmac-sha256", with: "hmac-md5"))
                == "connection file k.json: signature_scheme 'hmac-md5' is not supported; PlateShell signs with hmac-sha256"
        )
        #expect(
            problem(text.replacingOccurrences(of: "\"tcp\"", with: "\"udp\""))
                == "connection file k.json: transport 'udp' is not supported; expected tcp or ipc")
        #expect(
            problem("{\"ip\": ") ?? ""
                == "connection file k.json: not JSON (malformed JSON at byte 7 (ip): expected a value, found the end)")
        #expect(problem("[1, 2]") == "connection file k.json: not a JSON object")
        #expect(throws: KernelError.connectionFile("/no/such/file.json", "no such file")) {
            try ConnectionFile(path: "/no/such/file.json")
        }
    }

    @Test("kernel.json starts this binary with the connection file, interrupts by signal")
    func kernelSpec() throws {
        let json = try JSON.parse(KernelSpec.kernelJSON(executable: "/opt/plateshell"))
        #expect(
            json["argv"]
                == .array([.string("/opt/plateshell"), .string("kernel"), .string("-f"), .string("{connection_file}")]))
        #expect(json["display_name"]?.stringValue == "PlateShell")
        #expect(json["language"]?.stringValue == "plateshell")
        #expect(json["interrupt_mode"]?.stringValue == "signal")
        #expect(KernelSpec.directory(user: false, prefix: "/venv", name: "ps") == "/venv/share/jupyter/kernels/ps")
        #expect(
            KernelSpec.directory(user: true, prefix: nil, name: "ps", environment: ["HOME": "/home/a"])
                == "/home/a/.local/share/jupyter/kernels/ps")
        #expect(
            KernelSpec.directory(user: true, prefix: nil, name: "ps", environment: ["JUPYTER_DATA_DIR": "/d"])
                == "/d/kernels/ps")
        let directory = TemporaryDirectory()
        try KernelSpec.install(in: directory.path + "/k", executable: "/opt/plateshell")
        for file in ["kernel.json", "logo-32x32.png", "logo-64x64.png", "logo-svg.svg", "help.html"] {
            #expect(FileManager.default.fileExists(atPath: directory.path + "/k/" + file), "\(file)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/k/logo-svg.png"))
        let spec = try JSON.parse(String(contentsOfFile: directory.path + "/k/kernel.json", encoding: .utf8))
        #expect(spec["env"]?[KernelSpec.nameVariable]?.stringValue == "k", "the kernel learns its spec's name")
        let help = try String(contentsOfFile: directory.path + "/k/help.html", encoding: .utf8)
        #expect(help.contains("<h3><code>describe</code></h3>") && help.contains("<pre><code>describe\n"))
        let png = try #require(FileManager.default.contents(atPath: directory.path + "/k/logo-64x64.png"))
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(png[16..<24] == Data([0, 0, 0, 64, 0, 0, 0, 64]), "64 × 64 pixels")
    }
}
