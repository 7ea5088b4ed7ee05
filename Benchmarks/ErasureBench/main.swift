// The cost of one erasure in a tree of many leaves (issue: "under 10 ms with 1M recordings").
//
//   erasure-bench [LEAVES] [ERASURES]     (defaults: 3,000,000 leaves, i.e. 1M recordings with three
//                                          wraps each; 200 erasures of random single leaves)
//
// Builds a tree of LEAVES leaves in a temporary directory on $TMPDIR's disk (fsynced like a vault's),
// then erases ERASURES random leaves one at a time, each one a full durable erasure (new root written
// and fsynced, tree committed, old root overwritten and fsynced, WAL truncated), and prints the
// median, p90 and p99 time of one erasure and of one leaf-key read.
import Foundation
@_spi(Benchmarks) import SessionVault
import VaultIndex

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let leafCount = arguments.first ?? 3_000_000
let erasures = arguments.dropFirst().first ?? 200
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("erasure-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }

let store = try SQLiteErasureNodeStore(path: directory.appendingPathComponent("tree.sqlite").path)
let tree = try await ErasureTree.open(store: store, rootPath: directory.appendingPathComponent("root").path, clock: { Date() })
let fillStart = Date()
var made = 0
while made < leafCount {
    // Batches of 5,000: each leaf key handed back is a guarded allocation of its own (several mappings),
    // and 20,000 at once exhausted the process's mapping count.
    let batch = min(5000, leafCount - made)
    _ = try await tree.allocateLeaves(batch)
    made += batch
    if made % 100_000 == 0 || made == leafCount {
        FileHandle.standardError.write("\rleaves: \(made)/\(leafCount)".data(using: .utf8)!)
    }
}
FileHandle.standardError.write("\n".data(using: .utf8)!)
let fillSeconds = Date().timeIntervalSince(fillStart)

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

var generator = SystemRandomNumberGenerator()
var eraseTimes: [Double] = [], readTimes: [Double] = []
for _ in 0..<erasures {
    let leaf = UInt64.random(in: 0..<UInt64(leafCount), using: &generator)
    let readStart = DispatchTime.now().uptimeNanoseconds
    _ = try? await tree.leafKey(UInt64.random(in: 0..<UInt64(leafCount), using: &generator))
    readTimes.append(Double(DispatchTime.now().uptimeNanoseconds - readStart) / 1e6)
    let start = DispatchTime.now().uptimeNanoseconds
    try await tree.erase([leaf])
    eraseTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
}
let size = (try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("tree.sqlite").path)[.size] as? Int) ?? 0
print(String(format: "leaves %d (built in %.1f s, tree file %.0f MiB); %d erasures", leafCount, fillSeconds, Double(size) / 1048576, erasures))
print(String(format: "one erasure:  median %.2f ms  p90 %.2f ms  p99 %.2f ms", percentile(eraseTimes, 0.5), percentile(eraseTimes, 0.9), percentile(eraseTimes, 0.99)))
print(String(format: "one leaf key: median %.3f ms  p90 %.3f ms  p99 %.3f ms", percentile(readTimes, 0.5), percentile(readTimes, 0.9), percentile(readTimes, 0.99)))
