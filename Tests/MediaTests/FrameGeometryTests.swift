import Testing
@testable import Media

struct FrameGeometryTests {
    @Test func wideSourcesFillTheWidth() {
        #expect(FrameScaler.fit(width: 1280, height: 720, maxWidth: 640, maxHeight: 360) == (640, 360))
        #expect(FrameScaler.fit(width: 1920, height: 800, maxWidth: 640, maxHeight: 360) == (640, 266))
    }

    @Test func tallAndOddSourcesFillTheHeightWithEvenSizes() {
        #expect(FrameScaler.fit(width: 321, height: 241, maxWidth: 640, maxHeight: 360) == (480, 360))
        #expect(FrameScaler.fit(width: 720, height: 1280, maxWidth: 640, maxHeight: 360) == (202, 360))
    }

    @Test func frameRateReducerKeepsEveryOtherFrameOf30Fps() {
        var reducer = FrameRateReducer(maxFrameRate: 15)
        let kept = (0..<30).filter { reducer.keep(timestampNs: Int64($0) * 33_333_333 / 1_000_000 * 1_000_000) }
        #expect(kept.count == 15)
        #expect(kept.first == 0)
    }

    @Test func frameRateReducerKeepsAllOfASlowerStreamAndFifteenOf25Fps() {
        var slow = FrameRateReducer(maxFrameRate: 15)
        #expect((0..<10).allSatisfy { slow.keep(timestampNs: Int64($0) * 100_000_000) })
        var pal = FrameRateReducer(maxFrameRate: 15)
        #expect((0..<25).filter { pal.keep(timestampNs: Int64($0) * 40_000_000) }.count == 15)
    }

    @Test func interleaverReleasesPacketsInTimestampOrder() {
        var interleaver = PacketInterleaver(tracks: [1, 2])
        interleaver.push(MediaPacket(track: 1, timestampNs: 0, isKeyframe: true, data: []))
        interleaver.push(MediaPacket(track: 1, timestampNs: 66, isKeyframe: false, data: []))
        #expect(interleaver.pop().isEmpty)
        interleaver.push(MediaPacket(track: 2, timestampNs: 20, isKeyframe: true, data: []))
        #expect(interleaver.pop().map(\.timestampNs) == [0, 20])
        interleaver.close(2)
        #expect(interleaver.pop().map(\.timestampNs) == [66])
    }
}
