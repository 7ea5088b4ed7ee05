// Whole-vault ingest and retrieval through SessionVault's public API, on a temporary vault under
// $TMPDIR (default /tmp; keep it on the same disk as real vaults):
//
// - "ingest 256MiB file, chunk C": FileChunkReader over a 256 MiB incompressible file (in the page
//   cache) → Vault.ingest: seal in parallel, one blob file per chunk (temp, fsync, link), directory
//   fsync, one SQLite commit. Every chunk is durable before the commit, as in production.
// - "get 256MiB → file / → null": Vault.open + Vault.stream of the whole recording into a new file
//   (as `sessionvault get -o`, without its final rename) or into a sink that drops the bytes.
//
// Each benchmark gets its own vault (made in setup, deleted in teardown), so disk use stays
// bounded by maxIterations × 256 MiB. Metrics: wall clock, CPU, `MB/s` (plaintext, 10^6 bytes/s),
// peak resident memory of the whole benchmark process (sampled every 10 ms by the framework) and
// its rise during the benchmark (peakMemoryResidentDelta).
import Benchmark
import Foundation
import SessionVault
import VaultCrypto
import VaultIndex

#if canImport(Glibc)
import Glibc
#endif

let inputBytes = 256 << 20
let session = "S-BENCH-1"
let throughput = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)

/// The benchmark's scratch directory and its 256 MiB input file, made once per process.
final class Fixture: @unchecked Sendable {
    static let shared = Fixture()

    let directory: URL
    let inputPath: String

    private init() {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/sessionvault-bench-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            fatalError("cannot create a temporary directory under \(base)")
        }
        directory = URL(fileURLWithPath: String(cString: made))
        inputPath = directory.appendingPathComponent("input.bin").path
        // Incompressible input from the kernel's CSPRNG, written once.
        let random = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        let output = open(inputPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        precondition(random >= 0 && output >= 0, "cannot open /dev/urandom or \(inputPath)")
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 4096)
        defer { block.deallocate() }
        var left = inputBytes
        while left > 0 {
            let want = min(left, block.count)
            var got = 0
            while got < want { got += max(0, read(random, block.baseAddress! + got, want - got)) }
            precondition(write(output, block.baseAddress!, want) == want, "short write to \(inputPath)")
            left -= want
        }
        close(random)
        close(output)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A vault with the roles and consent that ingest needs, in a fresh directory.
struct BenchVault: @unchecked Sendable {
    let vault: Vault
    let root: URL
    let passphrase: SecureBytes

    static func make(chunkSize: Int) async throws -> BenchVault {
        let root = Fixture.shared.directory.appendingPathComponent("vault-\(UUID().uuidString.lowercased())")
        let passphrase = try SecureBytes(copying: Array("benchmark passphrase".utf8))
        let vault = try await Vault.create(at: VaultLayout(root: root),
                                           options: .init(chunkSize: chunkSize, kdf: .interactive,
                                                          schedule: (DefaultSchedule.fileName, DefaultSchedule.text)),
                                           passphrase: passphrase)
        _ = try await vault.addRole("clinician", passphrase: passphrase, actor: "bench")
        _ = try await vault.addRole("records-officer", passphrase: passphrase, actor: "bench")
        _ = try await vault.recordConsent(ConsentRequest(session: session, patientIdentifier: "943 476 5919", scopes: ["care"],
                                                         evidence: "benchmark"),
                                          vaultPassphrase: passphrase, actor: "bench")
        return BenchVault(vault: vault, root: root, passphrase: passphrase)
    }

    func ingestInput(chunkSize: Int) async throws -> IngestSummary {
        var reader = try FileChunkReader(path: Fixture.shared.inputPath)
        defer { reader.close() }
        return try await vault.ingest(IngestRequest(session: session, clinician: "dr-bench", retentionClass: "care",
                                                    chunkSize: chunkSize, actor: "bench"),
                                      from: &reader)
    }

    func remove() {
        try? FileManager.default.removeItem(at: root)
    }
}

/// Drops the bytes (counts them so the work cannot be optimised away).
struct NullSink: ByteSink {
    var count = 0
    mutating func write(_ bytes: ArraySlice<UInt8>) async throws { count += bytes.count }
}

/// Writes to a new file with plain write(2), as the CLI's `get -o` does (without its final link).
struct NewFileSink: ByteSink {
    let fd: Int32
    init(path: String) throws {
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }
    mutating func write(_ bytes: ArraySlice<UInt8>) async throws {
        try bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                }
                done += n
            }
        }
    }
    func close() { _ = Glibc.close(fd) }
}

/// Mutable per-benchmark state shared between setup, the measured closure and teardown.
final class Slot: @unchecked Sendable {
    var bench: BenchVault?
    var opened: OpenedRecording?
}

func recordThroughput(_ benchmark: Benchmark, bytes: Int, since started: ContinuousClock.Instant) {
    let elapsed = ContinuousClock.now - started
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    benchmark.measurement(throughput, Int((Double(bytes) / seconds / 1e6).rounded()))
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, throughput, .peakMemoryResident, .peakMemoryResidentDelta, .mallocCountTotal],
        timeUnits: .milliseconds,
        units: [.peakMemoryResident: .mega, .peakMemoryResidentDelta: .mega],
        warmupIterations: 1,
        maxDuration: .seconds(10),
        maxIterations: 8
    )
    Benchmark.teardown = { Fixture.shared.remove() }

    for (label, chunkSize) in [("1MiB", 1 << 20), ("4MiB", 4 << 20), ("16MiB", 16 << 20)] {
        let slot = Slot()
        Benchmark("ingest 256MiB file, chunk \(label), fsync") { benchmark in
            guard let bench = slot.bench else { return benchmark.error("no vault") }
            let started = ContinuousClock.now
            benchmark.startMeasurement()
            do {
                blackHole(try await bench.ingestInput(chunkSize: chunkSize))
            } catch {
                benchmark.error("ingest failed: \(error)")
            }
            benchmark.stopMeasurement()
            recordThroughput(benchmark, bytes: inputBytes, since: started)
        } setup: {
            _ = Fixture.shared
            slot.bench = try await BenchVault.make(chunkSize: chunkSize)
        } teardown: {
            slot.bench?.remove()
            slot.bench = nil
        }
    }

    for (label, chunkSize) in [("1MiB", 1 << 20), ("4MiB", 4 << 20)] {
        for toFile in [true, false] {
            let slot = Slot()
            let sinkName = toFile ? "new file" : "null sink"
            Benchmark("get 256MiB, chunk \(label) → \(sinkName)") { benchmark in
                guard let bench = slot.bench, let opened = slot.opened else { return benchmark.error("no recording") }
                let outPath = bench.root.appendingPathComponent("out-\(benchmark.currentIteration).bin").path
                let started = ContinuousClock.now
                benchmark.startMeasurement()
                do {
                    if toFile {
                        var sink = try NewFileSink(path: outPath)
                        defer { sink.close() }
                        blackHole(try await bench.vault.stream(opened, to: &sink))
                    } else {
                        var sink = NullSink()
                        blackHole(try await bench.vault.stream(opened, to: &sink))
                        blackHole(sink.count)
                    }
                } catch {
                    benchmark.error("stream failed: \(error)")
                }
                benchmark.stopMeasurement()
                recordThroughput(benchmark, bytes: inputBytes, since: started)
                unlink(outPath)
            } setup: {
                _ = Fixture.shared
                let bench = try await BenchVault.make(chunkSize: chunkSize)
                let summary = try await bench.ingestInput(chunkSize: chunkSize)
                let role = try await bench.vault.unlockRole("clinician", passphrase: bench.passphrase)
                slot.opened = try await bench.vault.open(summary.id, as: role, actor: "bench")
                slot.bench = bench
            } teardown: {
                slot.bench?.remove()
                slot.bench = nil
                slot.opened = nil
            }
        }
    }
}
