// A helper for VaultCryptoTests: writes through SecureBytes' read-only mapping, which must kill
// this process with SIGSEGV. A separate program rather than a Swift Testing exit test: an exit
// test's child-process monitor and Foundation's Process (used by many tests at once) both wait
// for children, and a full parallel run once hung with both waiting.
import VaultCrypto

let bytes = try SecureBytes(copying: [1, 2, 3])
bytes.withUnsafeBytes {
    UnsafeMutableRawPointer(mutating: $0.baseAddress!).storeBytes(of: 9, as: UInt8.self)
}
print("wrote through the read-only mapping: it is writable")
