import Foundation
import Synchronization

/// A settable clock for tests of time-dependent behaviour (retention, sweeps).
final class TestClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: String) { current = Mutex(TestClock.date(start)) }

    init(_ start: Date) { current = Mutex(start) }

    var now: Date { current.withLock { $0 } }

    func set(_ day: String) { current.withLock { $0 = TestClock.date(day) } }

    func advance(minutes: Int) { current.withLock { $0 = $0.addingTimeInterval(Double(minutes) * 60) } }

    func advance(days: Int) { current.withLock { $0 = $0.addingTimeInterval(Double(days) * 86_400) } }

    var function: @Sendable () -> Date { { [self] in self.now } }

    static func date(_ day: String) -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: day)!.addingTimeInterval(12 * 3600)
    }
}
