// Seal, open and SHA-256 of sealed chunks, by chunk size, with no I/O: the CPU cost per byte of
// ingest (seal + digest) and of retrieval (open), on one core and on every core.
//
// Each iteration processes 64 MiB laid out as consecutive sealed-chunk slots
// (header ‖ body ‖ tag), so that, as in the real pipeline, every chunk comes from memory rather
// than from a cache-resident buffer reused over and over. The custom metric `MB/s` is plaintext
// bytes per second (1 MB = 10^6 bytes) for that iteration.
//
// Uses VaultCrypto's public API (ChunkSealer, DataKey, ChunkDigest). VaultCrypto is a target of the
// root package, not a product; it is importable here only because the SessionVault product depends
// on it. See README.md ("VaultCrypto is not a product").
import Benchmark
import Dispatch
import VaultCrypto

#if canImport(Glibc)
import Glibc
#endif

/// Plaintext bytes per iteration.
let bytesPerIteration = 64 << 20

let chunkSizes: [(label: String, bytes: Int)] = [
    ("64KiB", 64 << 10),
    ("256KiB", 256 << 10),
    ("1MiB", 1 << 20),
    ("4MiB", 4 << 20),
    ("16MiB", 16 << 20),
]

/// One 64 MiB (plus per-chunk overhead) arena shared by every benchmark in this suite: they run
/// one after another, so one allocation serves them all and the process's footprint stays flat.
final class Arena: @unchecked Sendable {
    static let shared = Arena()

    let raw: UnsafeMutableRawBufferPointer
    /// Where opens write plaintext: chunk `i` of size `s` goes to `plain[i*s ..< (i+1)*s]`.
    let plain: UnsafeMutableRawBufferPointer

    private init() {
        // Enough for the smallest chunk size's overhead: 1024 slots × 56 bytes.
        let capacity = bytesPerIteration + 1024 * (ChunkSealer.headerSize + ChunkSealer.tagSize) + 4096
        raw = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 4096)
        plain = UnsafeMutableRawBufferPointer.allocate(byteCount: bytesPerIteration, alignment: 4096)
        // Incompressible, and every page touched before any measurement.
        var generator = SplitMix64(seed: 0x5E55_1014_7A01_7000)
        let words = raw.bindMemory(to: UInt64.self)
        for index in words.indices { words[index] = generator.next() }
        raw.bindMemory(to: UInt8.self)
        plain.initializeMemory(as: UInt8.self, repeating: 0)
    }

    /// The slot of chunk `index` for chunks of `size` plaintext bytes.
    func slot(_ index: Int, size: Int) -> UnsafeMutableRawBufferPointer {
        let stride = ChunkFormat.current.sealedSize(plaintextCount: size)
        return UnsafeMutableRawBufferPointer(rebasing: raw[(index * stride)..<((index + 1) * stride)])
    }

    /// Where chunk `index` of `size` bytes is opened to.
    func plaintext(_ index: Int, size: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: plain[(index * size)..<((index + 1) * size)])
    }

    /// Seals every slot for chunks of `size` bytes (the state an open benchmark starts from).
    func sealAll(_ sealer: ChunkSealer, size: Int) throws {
        for index in 0..<(bytesPerIteration / size) { _ = try sealSlot(sealer, self, index: index, size: size) }
    }
}

/// A tiny deterministic generator for incompressible benchmark data.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Seals chunk `index` of `size` bytes in place in its slot.
@inline(__always)
func sealSlot(_ sealer: ChunkSealer, _ arena: Arena, index: Int, size: Int) throws -> Int {
    let slot = arena.slot(index, size: size)
    let plaintext = UnsafeRawBufferPointer(rebasing: slot[ChunkSealer.headerSize..<(ChunkSealer.headerSize + size)])
    return try sealer.seal(plaintext, index: UInt64(index), isLast: false, into: slot)
}

let throughput = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)

/// Runs `body` over every chunk of one iteration and records plaintext MB/s.
func measure(_ benchmark: Benchmark, size: Int, parallel: Bool, _ body: @escaping @Sendable (Int) throws -> Void) throws {
    let count = bytesPerIteration / size
    let clock = ContinuousClock()
    let started = clock.now
    benchmark.startMeasurement()
    if parallel {
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: count) { index in
            do { try body(index) } catch { failures.record(error) }
        }
        if let error = failures.first { throw error }
    } else {
        for index in 0..<count { try body(index) }
    }
    benchmark.stopMeasurement()
    let elapsed = clock.now - started
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    benchmark.measurement(throughput, Int((Double(count * size) / seconds / 1e6).rounded()))
}

final class Failures: @unchecked Sendable {
    private let lock = PthreadLock()
    private var errors: [any Error] = []
    func record(_ error: any Error) { lock.withLock { errors.append(error) } }
    var first: (any Error)? { lock.withLock { errors.first } }
}

/// A pthread mutex (this file uses no Foundation).
final class PthreadLock: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, throughput],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(3),
        maxIterations: 30
    )
    let arena = Arena.shared
    let cores = Cores.activeCores

    for algorithm in [ChunkAlgorithm.aes256gcm, .xchacha20poly1305] where algorithm.isAvailable {
        // XChaCha20-Poly1305 is only the fallback for CPUs without AES-NI: one size is enough.
        let sizes = algorithm == .aes256gcm ? chunkSizes : chunkSizes.filter { $0.bytes == 4 << 20 }
        let name = algorithm == .aes256gcm ? "AES-256-GCM" : "XChaCha20-Poly1305"
        for (label, size) in sizes {
            Benchmark("seal \(name) \(label)") { benchmark, sealer in
                try measure(benchmark, size: size, parallel: false) { index in
                    _ = try sealSlot(sealer, arena, index: index, size: size)
                }
            } setup: {
                try ChunkSealer(key: try DataKey.generate(), algorithm: algorithm, recordingID: Array(repeating: 7, count: 16), format: .current)
            }

            Benchmark("open \(name) \(label)") { benchmark, sealer in
                try measure(benchmark, size: size, parallel: false) { index in
                    // Out of place, so that the sealed slot survives for the next iteration; retrieval
                    // opens in place, which is the same AEAD work.
                    _ = try sealer.open(UnsafeRawBufferPointer(arena.slot(index, size: size)), index: UInt64(index), isLast: false,
                                        into: arena.plaintext(index, size: size))
                }
            } setup: {
                let sealer = try ChunkSealer(key: try DataKey.generate(), algorithm: algorithm, recordingID: Array(repeating: 7, count: 16), format: .current)
                try arena.sealAll(sealer, size: size)
                return sealer
            }
        }
    }

    for (label, size) in chunkSizes {
        Benchmark("sha256 sealed chunk \(label)") { benchmark in
            try measure(benchmark, size: size, parallel: false) { index in
                blackHole(ChunkDigest.sha256(UnsafeRawBufferPointer(arena.slot(index, size: size))))
            }
        }
    }

    // What ingest does to each chunk before writing it (seal in place, then SHA-256 of the sealed
    // bytes), on one core and on all cores: the CPU ceiling of ingest with no I/O at all.
    for (label, size) in chunkSizes where size >= 1 << 20 {
        for parallel in [false, true] {
            let suffix = parallel ? " ×\(cores) cores" : ""
            Benchmark("seal+sha256 AES-256-GCM \(label)\(suffix)") { benchmark, sealer in
                try measure(benchmark, size: size, parallel: parallel) { index in
                    let count = try sealSlot(sealer, arena, index: index, size: size)
                    blackHole(ChunkDigest.sha256(UnsafeRawBufferPointer(rebasing: arena.slot(index, size: size)[0..<count])))
                }
            } setup: {
                try ChunkSealer(key: try DataKey.generate(), algorithm: .aes256gcm, recordingID: Array(repeating: 7, count: 16), format: .current)
            }
        }
        Benchmark("open AES-256-GCM \(label) ×\(cores) cores") { benchmark, sealer in
            try measure(benchmark, size: size, parallel: true) { index in
                _ = try sealer.open(UnsafeRawBufferPointer(arena.slot(index, size: size)), index: UInt64(index), isLast: false,
                                    into: arena.plaintext(index, size: size))
            }
        } setup: {
            let sealer = try ChunkSealer(key: try DataKey.generate(), algorithm: .aes256gcm, recordingID: Array(repeating: 7, count: 16), format: .current)
            try arena.sealAll(sealer, size: size)
            return sealer
        }
    }
}

enum Cores {
    /// Online CPUs.
    static var activeCores: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}
