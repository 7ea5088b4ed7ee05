import Foundation
import Testing
@testable import Media
#if canImport(Glibc)
import Glibc
#endif

/// Transcode stages run on threads of their own, at the CPU priority the options ask for, so that
/// a review copy made in the background yields the CPU to the service's other work.
@Suite(.timeLimit(.minutes(5)))
struct StageExecutorTests {
    /// The calling thread's nice value.
    static func niceness() -> Int32 {
        getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
    }

    /// The calling thread's name (as `top -H` shows it).
    static func threadName() -> String {
        let comm = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
        return comm.trimmingCharacters(in: .newlines)
    }

    /// Where a job of `executor` runs: its thread's name and nice value.
    static func probe(_ executor: StageExecutor) async -> (name: String, nice: Int32) {
        await Task(executorPreference: executor) { (threadName(), niceness()) }.value
    }

    @Test func aStageRunsOnAThreadOfItsOwnAtTheNiceItWasGiven() async {
        let base = Self.niceness()
        let plain = await Self.probe(StageExecutor(label: "stage.plain"))
        #expect(plain.name == "stage.plain")
        #expect(plain.nice == base)
        let lowered = await Self.probe(StageExecutor(label: "stage.niced", niceIncrement: 7))
        #expect(lowered.name == "stage.niced")
        #expect(lowered.nice == min(19, base + 7))
        #expect(Self.niceness() == base, "the caller's own priority is left as it was")
    }

    @Test func aCopyMadeAtLowerPriorityIsTheSameCopy() async throws {
        let input = try VP8Stream(frames: 60, keyframeInterval: 30).webm()
        let (plain, plainCopy) = try await VP8FastPathTests.review(input)
        var options = TranscodeOptions()
        options.niceIncrement = 10
        options.decoderLanes = 1
        let (niced, nicedCopy) = try await VP8FastPathTests.review(input, options)
        #expect(niced.framesEncoded == plain.framesEncoded)
        #expect(nicedCopy == plainCopy)
    }
}
