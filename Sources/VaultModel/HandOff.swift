import Synchronization

/// Carries a value (a chunk buffer, or a buffer that holds one) across a task or thread boundary as
/// its only owner.
///
/// A plain capture (or a value returned through a continuation) can keep a second reference to an
/// array's storage alive for a moment, and the receiver's first in-place write (sealing, reading,
/// decrypting) would then copy the whole multi-MiB chunk. Taking the value out of this box leaves it
/// uniquely referenced.
public final class HandOff<Value: Sendable>: Sendable {
    private let slot: Mutex<Value?>

    public init(_ value: consuming Value?) { slot = Mutex(value) }

    /// Takes the value out (once); nil if it was already taken.
    public func take() -> Value? {
        slot.withLock { value in
            var taken: Value? = nil
            swap(&taken, &value)
            return taken
        }
    }

    /// Moves the value out into `target` (left as it is if the value was already taken), with
    /// no intermediate copy of the reference, so that `target` is its only owner.
    public func take(into target: inout Value) {
        slot.withLock { value in
            guard value != nil else { return }
            swap(&target, &value!)
            value = nil
        }
    }

    /// Puts a value (back) in.
    public func put(_ value: consuming Value) {
        let moved = value
        slot.withLock { $0 = moved }
    }
}
