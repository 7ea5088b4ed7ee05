public import VaultModel

extension RecordingID {
    /// A recording id read from a catalog row; any length but 16 bytes is a corrupt row.
    public init(bytes: [UInt8]) throws(CatalogError) {
        guard let id = RecordingID(exactly: bytes) else {
            throw .corruptRow(table: "recordings", id: "?", reason: "recording id of \(bytes.count) bytes")
        }
        self = id
    }
}
