import Synchronization

/// Carries a chunk buffer across a task or thread boundary as its only owner.
///
/// A plain capture (or a value returned through a continuation) can keep a second reference to
/// the array alive for a moment, and the receiver's first in-place write (sealing) would then
/// copy the whole multi-MiB chunk. Taking the buffer out of this box leaves it uniquely referenced.
public final class BufferHandOff: Sendable {
    private let slot: Mutex<[UInt8]?>

    public init(_ buffer: consuming [UInt8]?) { slot = Mutex(buffer) }

    /// Takes the buffer out (once); nil if it was already taken.
    public func take() -> [UInt8]? {
        slot.withLock { value in
            var taken: [UInt8]? = nil
            swap(&taken, &value)
            return taken
        }
    }

    /// Moves the buffer out into `target` (left as it is if the buffer was already taken), with
    /// no intermediate copy of the reference, so that `target` is its only owner.
    public func take(into target: inout [UInt8]) {
        slot.withLock { value in
            guard value != nil else { return }
            swap(&target, &value!)
            value = nil
        }
    }

    /// Puts a buffer (back) in.
    public func put(_ buffer: consuming [UInt8]) {
        let moved = buffer
        slot.withLock { $0 = moved }
    }
}
