import Testing

@testable import PlateShell

/// The terminal's pieces that are pure: teaching-mode answers and picture-protocol detection.
@Suite("Terminal: step answers and picture protocols")
struct TerminalFrontEndTests {
    @Test("whole lines: empty runs, s/b/q act, anything else (or :TEXT) is a command")
    func lines() {
        #expect(StepAnswer.parse(line: "") == .run)
        #expect(StepAnswer.parse(line: "  s ") == .skip)
        #expect(StepAnswer.parse(line: "back") == .back)
        #expect(StepAnswer.parse(line: "Q") == .quit)
        #expect(StepAnswer.parse(line: "describe Pixels_Areas") == .command("describe Pixels_Areas"))
        #expect(StepAnswer.parse(line: ":state") == .command("state"))
        #expect(StepAnswer.parse(line: "help pca") == .command("help pca"))
    }

    @Test("single keys: Enter, s, b, q act at once; : and other keys start a command line")
    func keys() {
        #expect(StepAnswer.key(13).answer == .run)
        #expect(StepAnswer.key(10).answer == .run)
        #expect(StepAnswer.key(UInt8(ascii: "s")).answer == .skip)
        #expect(StepAnswer.key(UInt8(ascii: "b")).answer == .back)
        #expect(StepAnswer.key(UInt8(ascii: "q")).answer == .quit)
        #expect(StepAnswer.key(4).answer == .end)
        let colon = StepAnswer.key(UInt8(ascii: ":"))
        #expect(colon.answer == nil && colon.typed == "")
        let letter = StepAnswer.key(UInt8(ascii: "d"))
        #expect(letter.answer == nil && letter.typed == "d")
    }

    @Test("the terminal's replies pick the protocol; none announced gives none")
    func detection() {
        let da1Plain = Array("\u{1B}[?62;22c".utf8)
        #expect(TerminalImages.parse(reply: Array("\u{1B}_Gi=31;OK\u{1B}\\".utf8) + da1Plain) == .kitty)
        #expect(TerminalImages.parse(reply: Array("\u{1B}P>|iTerm2 3.5.0\u{1B}\\".utf8) + da1Plain) == .iTerm2)
        #expect(
            TerminalImages.parse(reply: Array("\u{1B}P>|XTerm(388)\u{1B}\\\u{1B}[?63;1;2;4;6;9;15;22c".utf8)) == .sixel)
        #expect(TerminalImages.parse(reply: Array("\u{1B}P>|XTerm(388)\u{1B}\\".utf8) + da1Plain) == nil)
        #expect(TerminalImages.parse(reply: []) == nil)
        #expect(TerminalImages.isComplete(da1Plain))
        #expect(!TerminalImages.isComplete(Array("\u{1B}_Gi=31;OK\u{1B}\\".utf8)))
    }

    @Test("kitty's sequence sends the PNG in 4096-byte chunks, the first with the placement keys")
    func kittyChunks() throws {
        let directory = TemporaryDirectoryForPNG()
        let sequence = try #require(TerminalImages.sequence(.kitty, png: directory.png, columns: 80))
        #expect(sequence.hasPrefix("\u{1B}_Ga=T,f=100,c=80,m=1;"))
        #expect(sequence.hasSuffix("\u{1B}\\"))
        #expect(sequence.contains("\u{1B}_Gm=0;"))
        let iterm = try #require(TerminalImages.sequence(.iTerm2, png: directory.png, columns: 80))
        #expect(iterm.hasPrefix("\u{1B}]1337;File=inline=1;size=") && iterm.hasSuffix("\u{07}"))
        let sixel = try #require(TerminalImages.sequence(.sixel, png: directory.png, columns: 10))
        #expect(sixel.hasPrefix("\u{1B}Pq\"1;1;90;") && sixel.hasSuffix("\u{1B}\\"))
    }
}
