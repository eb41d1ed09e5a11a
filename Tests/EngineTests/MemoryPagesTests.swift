import Testing

@testable import Engine
@testable import MLCore

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Memory pages")
struct MemoryPagesTests {
    #if os(Linux)
        /// How many of the pages of `bytes` bytes from `memory` (page-aligned) are in memory.
        private func residentPages(_ memory: UnsafeMutableRawPointer, bytes: Int) -> Int {
            let pages = bytes / Int(getpagesize())
            var flags = [UInt8](repeating: 0, count: pages)
            #expect(mincore(memory, bytes, &flags) == 0)
            return flags.filter { $0 & 1 == 1 }.count
        }

        @Test("prefaulting maps in a buffer's pages before they are written")
        func prefault() {
            let bytes = 8 << 20
            let memory = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
            defer { munmap(memory, bytes) }
            #expect(residentPages(memory, bytes: bytes) == 0)
            MemoryPages.prefault(memory + 100, bytes: bytes - 100)
            #expect(
                residentPages(memory, bytes: bytes) == bytes / Int(getpagesize()) - 1, "all but the partial first page")
        }
    #endif
}
