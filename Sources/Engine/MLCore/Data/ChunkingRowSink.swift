/// Collects rows into tables of at most `rowsPerChunk` rows and hands each to `deliver` as soon as
/// it is full: a file converted chunk by chunk, in memory bounded by one chunk, for a store that
/// takes rows in batches (Spark). `finish()` delivers the last, shorter chunk — and an empty table
/// when no row came, so the receiver still learns the columns.
public struct ChunkingRowSink: RowSink {
    private let schema: [ColumnSchema]
    private let rowsPerChunk: Int
    private let deliver: (Table) throws -> Void
    private var builder: TableBuilder
    private var rows = 0
    private var delivered = false

    public init(schema: [ColumnSchema], rowsPerChunk: Int, deliver: @escaping (Table) throws -> Void) {
        self.schema = schema
        self.rowsPerChunk = max(1, rowsPerChunk)
        self.deliver = deliver
        // One more than a chunk: the builder grows when it is full, before `endRow` hands it over.
        builder = TableBuilder(schema: schema, expectedRows: self.rowsPerChunk + 1)
    }

    public mutating func setInteger(_ value: Int64, column: Int) { builder.setInteger(value, column: column) }
    public mutating func setReal(_ value: Double, column: Int) { builder.setReal(value, column: column) }
    public mutating func setText(_ bytes: UnsafeBufferPointer<UInt8>, column: Int) {
        builder.setText(bytes, column: column)
    }
    public mutating func setMissing(column: Int) { builder.setMissing(column: column) }

    public mutating func endRow() throws {
        try builder.endRow()
        rows += 1
        if rows == rowsPerChunk { try deliverChunk() }
    }

    /// Delivers the rows not yet delivered (or an empty table when none ever came).
    public mutating func finish() throws {
        if rows > 0 || !delivered { try deliverChunk() }
    }

    private mutating func deliverChunk() throws {
        let chunk = try builder.build()
        builder = TableBuilder(schema: schema, expectedRows: rowsPerChunk + 1)
        rows = 0
        delivered = true
        try deliver(chunk)
    }
}
