/// Bech32 (BIP 173) as age uses it: no length limit, all-lowercase or all-uppercase, checksum over the
/// lowercase string.
///
/// Only what recipients need: decoding with checksum verification, and encoding (used to render keys
/// and to build test inputs).
enum Bech32 {
    /// The 32-character data alphabet; a character's index is its 5-bit value.
    private static let alphabet: [UInt8] = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)
    private static let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
    /// The six checksum characters at the end of every string.
    private static let checksumLength = 6

    /// Splits `string` into its human-readable part (lowercased) and data bytes, verifying the checksum
    /// and the 5-to-8-bit conversion (at most 4 bits of zero padding).
    static func decode(_ string: String) throws(AgeError) -> (hrp: String, data: [UInt8]) {
        let utf8 = Array(string.utf8)
        let hasLower = utf8.contains { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }
        let hasUpper = utf8.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
        guard !(hasLower && hasUpper) else { throw .invalidRecipient(reason: "mixes upper and lower case") }
        let lower = utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 }
        guard let separator = lower.lastIndex(of: UInt8(ascii: "1")), separator >= 1,
            lower.count - separator - 1 >= checksumLength
        else { throw .invalidRecipient(reason: "no '1' separator followed by a checksum") }
        let hrp = Array(lower[..<separator])
        guard hrp.allSatisfy({ $0 >= 33 && $0 <= 126 }) else {
            throw .invalidRecipient(reason: "prefix has a character outside printable ASCII")
        }
        var values: [UInt8] = []
        values.reserveCapacity(lower.count - separator - 1)
        for character in lower[(separator + 1)...] {
            guard let value = alphabet.firstIndex(of: character) else {
                throw .invalidRecipient(reason: "data has a character outside the Bech32 alphabet")
            }
            values.append(UInt8(value))
        }
        guard polymod(expand(hrp) + values) == 1 else { throw .invalidRecipient(reason: "checksum does not verify") }
        let data = try regroup(values.dropLast(checksumLength), from: 5, to: 8, pad: false)
        return (String(decoding: hrp, as: UTF8.self), data)
    }

    /// The lowercase Bech32 string of `data` under the lowercase human-readable part `hrp`.
    static func encode(hrp: String, data: [UInt8]) -> String {
        let hrpBytes = Array(hrp.utf8)
        // Regrouping 8-bit values into 5-bit groups with padding cannot fail.
        let values = (try? regroup(data[...], from: 8, to: 5, pad: true)) ?? []
        let mod = polymod(expand(hrpBytes) + values + [UInt8](repeating: 0, count: checksumLength)) ^ 1
        let checksum = (0..<checksumLength).map { UInt8(truncatingIfNeeded: mod >> (5 * (5 - UInt32($0)))) & 31 }
        return hrp + "1" + String(decoding: (values + checksum).map { alphabet[Int($0)] }, as: UTF8.self)
    }

    /// The BCH checksum polynomial over 5-bit values.
    private static func polymod(_ values: [UInt8]) -> UInt32 {
        var checksum: UInt32 = 1
        for value in values {
            let top = checksum >> 25
            checksum = (checksum & 0x1ff_ffff) << 5 ^ UInt32(value)
            for bit in 0..<5 where (top >> bit) & 1 == 1 {
                checksum ^= generator[bit]
            }
        }
        return checksum
    }

    /// The human-readable part as the checksum sees it: high bits, a zero, low bits.
    private static func expand(_ hrp: [UInt8]) -> [UInt8] {
        hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 }
    }

    /// Regroups `values` of `from` bits into groups of `to` bits. Decoding (`pad: false`) rejects a
    /// leftover of `from` bits or more, or leftover bits that are not zero.
    private static func regroup(
        _ values: ArraySlice<UInt8>,
        from: UInt32,
        to: UInt32,
        pad: Bool
    ) throws(AgeError) -> [UInt8] {
        var accumulator: UInt32 = 0
        var bits: UInt32 = 0
        let mask: UInt32 = (1 << to) - 1
        var output: [UInt8] = []
        output.reserveCapacity(values.count * Int(from) / Int(to) + 1)
        for value in values {
            accumulator = (accumulator << from | UInt32(value)) & 0xffff
            bits += from
            while bits >= to {
                bits -= to
                output.append(UInt8((accumulator >> bits) & mask))
            }
        }
        if pad {
            if bits > 0 { output.append(UInt8((accumulator << (to - bits)) & mask)) }
        } else if bits >= from {
            throw .invalidRecipient(reason: "data has a whole unused group of padding")
        } else if (accumulator << (to - bits)) & mask != 0 {
            throw .invalidRecipient(reason: "data has non-zero padding bits")
        }
        return output
    }
}
