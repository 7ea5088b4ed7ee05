extension Array where Element == UInt8 {
    /// Makes the count `count` in place: drops bytes past it, or appends zeros up to it. The
    /// storage is kept when its capacity suffices, which is what lets a chunk buffer be reused.
    package mutating func resize(to count: Int) {
        if self.count > count {
            removeLast(self.count - count)
        } else if self.count < count {
            append(contentsOf: repeatElement(0, count: count - self.count))
        }
    }
}
