import Foundation
import Synchronization

/// A one-line progress bar on stderr, shown only when stderr is a terminal and the work is
/// large enough to wait for. Safe to update from any task.
final class ProgressBar: Sendable {
    private struct State {
        var lastDraw = Date.distantPast
        var drawn = false
    }

    private let total: Int64?
    private let label: String
    private let enabled: Bool
    private let started = Date()
    private let state = Mutex(State())

    init(label: String, total: Int64?, minimum: Int64 = 32 << 20) {
        self.label = label
        self.total = total
        self.enabled = isatty(STDERR_FILENO) != 0 && (total.map { $0 >= minimum } ?? true)
    }

    func update(_ done: Int64) {
        guard enabled else { return }
        let now = Date()
        let shouldDraw = state.withLock { state -> Bool in
            guard now.timeIntervalSince(state.lastDraw) >= 0.1 else { return false }
            state.lastDraw = now
            state.drawn = true
            return true
        }
        guard shouldDraw else { return }
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let rate = Double(done) / elapsed
        var line = "\r\(label) \(ByteCount.format(done))"
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let width = 30
            let filled = Int(fraction * Double(width))
            line = "\r\(label) [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
                + String(format: "%3.0f%% ", fraction * 100) + "\(ByteCount.format(done)) / \(ByteCount.format(total))"
        }
        line += " \(ByteCount.format(Int64(rate)))/s   "
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard enabled, state.withLock({ $0.drawn }) else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

import SessionVault
