import Media
import VaultCrypto
import VaultIndex
import VaultStore

/// Reads an opened recording front to back as a `MediaByteSource`, decrypting and verifying one
/// chunk at a time (the next one is fetched while the current one is consumed), so a transcoder
/// sees plaintext that never touches the disk.
struct RecordingSource: MediaByteSource {
    let vault: Vault
    let opened: OpenedRecording
    let sealedSizes: [Int]
    var nextIndex = 0
    var buffer: [UInt8] = []
    var position = 0
    var end = 0
    var prefetch: Task<([UInt8], Int), any Error>?

    init(vault: Vault, opened: OpenedRecording) async throws {
        self.vault = vault
        self.opened = opened
        self.sealedSizes = try await vault.verifiedSealedSizes(opened)
    }

    func fetch(_ index: Int) -> Task<([UInt8], Int), any Error> {
        let store = vault.store
        let sealer = opened.sealer
        let id = opened.record.id
        let isLast = index == sealedSizes.count - 1
        let size = sealedSizes[index]
        let generation = opened.manifest.chunkGeneration
        return Task { try await Vault.readChunk(store: store, sealer: sealer, recording: id, index: index, generation: generation,
                                                isLast: isLast, sealedSize: size) }
    }

    mutating func read(maxCount: Int) async throws -> [UInt8]? {
        while position >= end {
            guard nextIndex < sealedSizes.count else { return nil }
            let task = prefetch ?? fetch(nextIndex)
            let (bytes, count) = try await task.value
            nextIndex += 1
            prefetch = nextIndex < sealedSizes.count ? fetch(nextIndex) : nil
            buffer = bytes
            position = ChunkSealer.headerSize
            end = position + count
        }
        let take = min(maxCount, end - position)
        defer { position += take }
        return Array(buffer[position..<(position + take)])
    }
}
