import Foundation

/// How this process asks glibc's allocator to treat chunk buffers (MiBs each, allocated and freed
/// for every chunk read or written).
///
/// With glibc's defaults, or with a low fixed mmap threshold, every such buffer is a fresh `mmap`:
/// each of its pages is faulted in and zeroed by the kernel when first written, then unmapped at
/// free, so every byte read or written costs a page fault. Measured on `get` of 1 GiB (1 MiB
/// chunks): 264,800 page faults and 1.1–2.7 s; with the settings below about 2,700 faults and
/// 0.68 s; `serve` under load.sh went from 290 to 527 requests/s (Benchmarks/README.md). Freed buffers instead stay in the allocator's arenas and
/// are reused; memory stays bounded because the pipelines hold a bounded window of buffers.
///
/// Left alone when the operator tunes malloc through the environment (`GLIBC_TUNABLES` or
/// `MALLOC_*`).
enum MallocTuning {
    static func apply() {
        #if canImport(Glibc)
        let environment = ProcessInfo.processInfo.environment
        guard environment["GLIBC_TUNABLES"] == nil, !environment.keys.contains(where: { $0.hasPrefix("MALLOC_") }) else { return }
        // Blocks up to 32 MiB (the largest chunk size anyone should use) come from the arenas...
        _ = glibcMallopt(mmapThreshold, 32 << 20)
        // ...which keep up to 256 MiB of free memory at the top rather than returning it page by page...
        _ = glibcMallopt(trimThreshold, 256 << 20)
        // ...in one arena, so that a buffer freed by one thread is reused by the next allocation
        // whichever thread makes it (small allocations still go through per-thread caches). With
        // one arena per core, RSS of a 2 GiB pipe ingest was 50 MiB; with one, 44 MiB.
        _ = glibcMallopt(arenaMax, 1)
        #endif
    }

    // Parameter numbers from glibc's <malloc.h>, which the Glibc module does not import.
    private static let trimThreshold: Int32 = -1
    private static let mmapThreshold: Int32 = -3
    private static let arenaMax: Int32 = -8
}

#if canImport(Glibc)
/// glibc's `mallopt`.
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
