// Which AES-256-GCM seals chunks (issue #18): (a) libsodium's precomputed state (the vault's cipher up
// to this benchmark), (b) swift-crypto's `AES.GCM` (BoringSSL), (c) OpenSSL's EVP with one context
// per direction reused across calls (key set once, then only the IV per call), and (d) OpenSSL with a
// fresh context copied from a keyed one for every call (what a lock-free design would pay).
//
//   swift build -c release --product aead-bench && .build/release/aead-bench
//
//   aead-bench [ROUNDS] [MIB]        (defaults: 9 rounds over 64 MiB, after one warm-up round)
//
// Every call is laid out as the vault lays it out: 40 bytes of associated data (the chunk header),
// a 12-byte nonce, the tag beside the ciphertext, and the data read from and written to memory
// that is not cache-resident (three 64 MiB arenas: plaintext, sealed, opened). Call sizes: 64 KiB
// (one format-2 segment: every call for new recordings), 1 MiB and 4 MiB (a format-1 chunk of old
// recordings; 4 MiB is the default chunk size). Within a round the candidates run one after the
// other for each size (interleaved); the output is the best and the median of the rounds in MB/s
// (10^6 plaintext bytes per second), one core.
//
// Each candidate's tags are compared with libsodium's and each opened arena with the plaintext,
// outside the timed part: a candidate that computed something else would stop the run.
//
// swift-crypto has no non-allocating public path: `AES.GCM.seal` returns a `SealedBox` holding a new
// `Data` (ciphertext and tag), `AES.GCM.open` takes a `SealedBox` (its initialiser copies the
// ciphertext into one) and returns a new `Data`, and every call sets up a fresh BoringSSL
// `EVP_AEAD_CTX` from the key. Its figures here include those allocations and the copies into the
// caller's buffers, which an implementation behind `AEADCipher` would have to make too.
import COpenSSL
import CSodium
import Crypto
import Foundation

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let rounds = arguments.first ?? 9
let arenaBytes = (arguments.dropFirst().first ?? 64) << 20
let callSizes: [(label: String, bytes: Int)] = [("64 KiB", 64 << 10), ("1 MiB", 1 << 20), ("4 MiB", 4 << 20)]
let tagSize = 16
let associatedData: [UInt8] = (0..<40).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
let keyBytes: [UInt8] = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }

/// One AES-256-GCM implementation, called as `AEADCipher` calls its cipher.
protocol Candidate: AnyObject {
    var name: String { get }
    func seal(_ plaintext: UnsafeRawBufferPointer, into ciphertext: UnsafeMutableRawBufferPointer,
              tag: UnsafeMutableRawBufferPointer, ad: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer)
    func open(_ ciphertext: UnsafeRawBufferPointer, tag: UnsafeRawBufferPointer, ad: UnsafeRawBufferPointer,
              nonce: UnsafeRawBufferPointer, into plaintext: UnsafeMutableRawBufferPointer) -> Bool
}

/// (a) libsodium 1.0.18: `crypto_aead_aes256gcm_beforenm` once, `_afternm` per call.
final class SodiumCandidate: Candidate {
    let name = "libsodium aes256gcm (precomputed)"
    private let state: UnsafeMutablePointer<crypto_aead_aes256gcm_state>

    init() {
        precondition(sodium_init() >= 0 && crypto_aead_aes256gcm_is_available() == 1, "libsodium AES-GCM unavailable")
        state = UnsafeMutableRawPointer.allocate(byteCount: crypto_aead_aes256gcm_statebytes(), alignment: 64)
            .bindMemory(to: crypto_aead_aes256gcm_state.self, capacity: 1)
        precondition(crypto_aead_aes256gcm_beforenm(state, keyBytes) == 0)
    }

    deinit { UnsafeMutableRawPointer(state).deallocate() }

    func seal(_ p: UnsafeRawBufferPointer, into c: UnsafeMutableRawBufferPointer, tag: UnsafeMutableRawBufferPointer,
              ad: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer) {
        let code = crypto_aead_aes256gcm_encrypt_detached_afternm(
            c.baseAddress!.assumingMemoryBound(to: UInt8.self), tag.baseAddress!.assumingMemoryBound(to: UInt8.self), nil,
            p.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(p.count),
            ad.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(ad.count), nil,
            nonce.baseAddress!.assumingMemoryBound(to: UInt8.self), state)
        precondition(code == 0)
    }

    func open(_ c: UnsafeRawBufferPointer, tag: UnsafeRawBufferPointer, ad: UnsafeRawBufferPointer,
              nonce: UnsafeRawBufferPointer, into p: UnsafeMutableRawBufferPointer) -> Bool {
        crypto_aead_aes256gcm_decrypt_detached_afternm(
            p.baseAddress!.assumingMemoryBound(to: UInt8.self), nil,
            c.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(c.count),
            tag.baseAddress!.assumingMemoryBound(to: UInt8.self),
            ad.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(ad.count),
            nonce.baseAddress!.assumingMemoryBound(to: UInt8.self), state) == 0
    }
}

/// (b) swift-crypto `AES.GCM` (BoringSSL), through its public API with as few copies as it allows.
final class SwiftCryptoCandidate: Candidate {
    let name = "swift-crypto AES.GCM (BoringSSL)"
    private let key = SymmetricKey(data: keyBytes)

    func seal(_ p: UnsafeRawBufferPointer, into c: UnsafeMutableRawBufferPointer, tag: UnsafeMutableRawBufferPointer,
              ad: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer) {
        let box = try! AES.GCM.seal(p, using: key, nonce: try! AES.GCM.Nonce(data: nonce), authenticating: ad)
        box.ciphertext.withUnsafeBytes { c.copyMemory(from: $0) }
        box.tag.withUnsafeBytes { tag.copyMemory(from: $0) }
    }

    func open(_ c: UnsafeRawBufferPointer, tag: UnsafeRawBufferPointer, ad: UnsafeRawBufferPointer,
              nonce: UnsafeRawBufferPointer, into p: UnsafeMutableRawBufferPointer) -> Bool {
        do {
            let box = try AES.GCM.SealedBox(nonce: try AES.GCM.Nonce(data: nonce), ciphertext: c, tag: tag)
            let plaintext = try AES.GCM.open(box, using: key, authenticating: ad)
            plaintext.withUnsafeBytes { p.copyMemory(from: $0) }
            return true
        } catch {
            return false
        }
    }
}

/// (c) OpenSSL 3 EVP: one `EVP_CIPHER_CTX` per direction, keyed once; per call only the IV is set.
final class OpenSSLCandidate: Candidate {
    let name = "OpenSSL EVP (context reused)"
    private let cipher: OpaquePointer
    private let encryptor: OpaquePointer
    private let decryptor: OpaquePointer

    init() {
        cipher = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil)!
        encryptor = EVP_CIPHER_CTX_new()!
        decryptor = EVP_CIPHER_CTX_new()!
        precondition(EVP_EncryptInit_ex(encryptor, cipher, nil, keyBytes, nil) == 1)
        precondition(EVP_DecryptInit_ex(decryptor, cipher, nil, keyBytes, nil) == 1)
    }

    deinit {
        EVP_CIPHER_CTX_free(encryptor)
        EVP_CIPHER_CTX_free(decryptor)
        EVP_CIPHER_free(cipher)
    }

    func seal(_ p: UnsafeRawBufferPointer, into c: UnsafeMutableRawBufferPointer, tag: UnsafeMutableRawBufferPointer,
              ad: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer) {
        var written: Int32 = 0
        let out = c.baseAddress!.assumingMemoryBound(to: UInt8.self)
        precondition(EVP_EncryptInit_ex(encryptor, nil, nil, nil, nonce.baseAddress!.assumingMemoryBound(to: UInt8.self)) == 1)
        precondition(EVP_EncryptUpdate(encryptor, nil, &written, ad.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(ad.count)) == 1)
        precondition(EVP_EncryptUpdate(encryptor, out, &written, p.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(p.count)) == 1)
        precondition(EVP_EncryptFinal_ex(encryptor, out + Int(written), &written) == 1)
        precondition(EVP_CIPHER_CTX_ctrl(encryptor, EVP_CTRL_GCM_GET_TAG, Int32(tagSize), tag.baseAddress) == 1)
    }

    func open(_ c: UnsafeRawBufferPointer, tag: UnsafeRawBufferPointer, ad: UnsafeRawBufferPointer,
              nonce: UnsafeRawBufferPointer, into p: UnsafeMutableRawBufferPointer) -> Bool {
        var written: Int32 = 0
        let out = p.baseAddress!.assumingMemoryBound(to: UInt8.self)
        guard EVP_DecryptInit_ex(decryptor, nil, nil, nil, nonce.baseAddress!.assumingMemoryBound(to: UInt8.self)) == 1,
              EVP_DecryptUpdate(decryptor, nil, &written, ad.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(ad.count)) == 1,
              EVP_DecryptUpdate(decryptor, out, &written, c.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(c.count)) == 1,
              EVP_CIPHER_CTX_ctrl(decryptor, EVP_CTRL_GCM_SET_TAG, Int32(tagSize), UnsafeMutableRawPointer(mutating: tag.baseAddress)) == 1
        else { return false }
        return EVP_DecryptFinal_ex(decryptor, out + Int(written), &written) == 1
    }
}

/// (d) OpenSSL 3 EVP, thread-safe without a lock: a keyed template context that is never used itself,
/// and per call a fresh context copied from it (`EVP_CIPHER_CTX_copy`) and freed afterwards. Measures
/// what a pool of reused contexts would save.
final class OpenSSLCopyCandidate: Candidate {
    let name = "OpenSSL EVP (context copied per call)"
    private let cipher: OpaquePointer
    private let template: OpaquePointer

    init() {
        cipher = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil)!
        template = EVP_CIPHER_CTX_new()!
        precondition(EVP_CipherInit_ex(template, cipher, nil, keyBytes, nil, 1) == 1)
    }

    deinit {
        EVP_CIPHER_CTX_free(template)
        EVP_CIPHER_free(cipher)
    }

    private func withContext<R>(_ body: (OpaquePointer) -> R) -> R {
        let context = EVP_CIPHER_CTX_new()!
        defer { EVP_CIPHER_CTX_free(context) }
        precondition(EVP_CIPHER_CTX_copy(context, template) == 1)
        return body(context)
    }

    func seal(_ p: UnsafeRawBufferPointer, into c: UnsafeMutableRawBufferPointer, tag: UnsafeMutableRawBufferPointer,
              ad: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer) {
        withContext { context in
            var written: Int32 = 0
            let out = c.baseAddress!.assumingMemoryBound(to: UInt8.self)
            precondition(EVP_CipherInit_ex(context, nil, nil, nil, nonce.baseAddress!.assumingMemoryBound(to: UInt8.self), 1) == 1)
            precondition(EVP_CipherUpdate(context, nil, &written, ad.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(ad.count)) == 1)
            precondition(EVP_CipherUpdate(context, out, &written, p.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(p.count)) == 1)
            precondition(EVP_CipherFinal_ex(context, out + Int(written), &written) == 1)
            precondition(EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagSize), tag.baseAddress) == 1)
        }
    }

    func open(_ c: UnsafeRawBufferPointer, tag: UnsafeRawBufferPointer, ad: UnsafeRawBufferPointer,
              nonce: UnsafeRawBufferPointer, into p: UnsafeMutableRawBufferPointer) -> Bool {
        withContext { context in
            var written: Int32 = 0
            let out = p.baseAddress!.assumingMemoryBound(to: UInt8.self)
            guard EVP_CipherInit_ex(context, nil, nil, nil, nonce.baseAddress!.assumingMemoryBound(to: UInt8.self), 0) == 1,
                  EVP_CipherUpdate(context, nil, &written, ad.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(ad.count)) == 1,
                  EVP_CipherUpdate(context, out, &written, c.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(c.count)) == 1,
                  EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagSize), UnsafeMutableRawPointer(mutating: tag.baseAddress)) == 1
            else { return false }
            return EVP_CipherFinal_ex(context, out + Int(written), &written) == 1
        }
    }
}

/// Three arenas, every page touched before any measurement.
let source = UnsafeMutableRawBufferPointer.allocate(byteCount: arenaBytes, alignment: 4096)
let sealed = UnsafeMutableRawBufferPointer.allocate(byteCount: arenaBytes, alignment: 4096)
let opened = UnsafeMutableRawBufferPointer.allocate(byteCount: arenaBytes, alignment: 4096)
let tags = UnsafeMutableRawBufferPointer.allocate(byteCount: arenaBytes / (64 << 10) * tagSize, alignment: 64)
let referenceTags = UnsafeMutableRawBufferPointer.allocate(byteCount: tags.count, alignment: 64)
var seed: UInt64 = 0x5E55_1014_7A01_7000
for index in source.bindMemory(to: UInt64.self).indices {
    seed &+= 0x9E37_79B9_7F4A_7C15
    var z = seed
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    source.bindMemory(to: UInt64.self)[index] = z ^ (z >> 31)
}
sealed.initializeMemory(as: UInt8.self, repeating: 0)
opened.initializeMemory(as: UInt8.self, repeating: 0)
tags.initializeMemory(as: UInt8.self, repeating: 0)

/// Calls `body(index, plaintext range)` for every call of `size` bytes in the arena, with the nonce
/// the vault would use for chunk `index` (index ‖ flags 0 ‖ segment 0), and returns the seconds taken.
@MainActor func timed(size: Int, _ body: (Int, Range<Int>, UnsafeRawBufferPointer) -> Void) -> Double {
    var nonce = [UInt8](repeating: 0, count: 12)
    let start = DispatchTime.now().uptimeNanoseconds
    nonce.withUnsafeMutableBytes { raw in
        for index in 0..<(arenaBytes / size) {
            raw.storeBytes(of: UInt64(index).bigEndian, toByteOffset: 0, as: UInt64.self)
            body(index, (index * size)..<((index + 1) * size), UnsafeRawBufferPointer(raw))
        }
    }
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

@MainActor func tag(_ index: Int) -> UnsafeMutableRawBufferPointer {
    UnsafeMutableRawBufferPointer(rebasing: tags[(index * tagSize)..<((index + 1) * tagSize)])
}

let candidates: [any Candidate] = [SodiumCandidate(), SwiftCryptoCandidate(), OpenSSLCandidate(), OpenSSLCopyCandidate()]
let ad = associatedData.withUnsafeBytes { UnsafeRawBufferPointer(UnsafeMutableRawBufferPointer.allocate(byteCount: $0.count, alignment: 16)) }
UnsafeMutableRawBufferPointer(mutating: ad).copyMemory(from: associatedData.withUnsafeBytes { $0 })

var sealRates: [String: [String: [Double]]] = [:]
var openRates: [String: [String: [Double]]] = [:]
for round in 0...rounds {  // round 0 is the warm-up
    for (label, size) in callSizes {
        let callCount = arenaBytes / size
        for candidate in candidates {
            let sealSeconds = timed(size: size) { index, range, nonce in
                candidate.seal(UnsafeRawBufferPointer(rebasing: source[range]), into: UnsafeMutableRawBufferPointer(rebasing: sealed[range]),
                               tag: tag(index), ad: ad, nonce: nonce)
            }
            let tagBytes = callCount * tagSize
            if candidate is SodiumCandidate {
                UnsafeMutableRawBufferPointer(rebasing: referenceTags[0..<tagBytes]).copyMemory(from: UnsafeRawBufferPointer(rebasing: tags[0..<tagBytes]))
            } else {
                precondition(memcmp(tags.baseAddress!, referenceTags.baseAddress!, tagBytes) == 0, "\(candidate.name): tags differ from libsodium's")
            }
            let openSeconds = timed(size: size) { index, range, nonce in
                let ok = candidate.open(UnsafeRawBufferPointer(rebasing: sealed[range]), tag: UnsafeRawBufferPointer(tag(index)), ad: ad,
                                        nonce: nonce, into: UnsafeMutableRawBufferPointer(rebasing: opened[range]))
                precondition(ok, "\(candidate.name): open failed")
            }
            precondition(memcmp(opened.baseAddress!, source.baseAddress!, arenaBytes) == 0, "\(candidate.name): opened bytes differ")
            opened.initializeMemory(as: UInt8.self, repeating: 0)
            if round > 0 {
                sealRates[label, default: [:]][candidate.name, default: []].append(Double(arenaBytes) / sealSeconds / 1e6)
                openRates[label, default: [:]][candidate.name, default: []].append(Double(arenaBytes) / openSeconds / 1e6)
            }
        }
    }
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
func format(_ value: Double) -> String { String(Int(value.rounded())).padding(toLength: 6, withPad: " ", startingAt: 0) }

print("aead-bench: \(rounds) rounds (after one warm-up) over \(arenaBytes >> 20) MiB, MB/s of plaintext, one core")
print("| call size | candidate | seal best | seal median | open best | open median |")
print("|---|---|---:|---:|---:|---:|")
for (label, _) in callSizes {
    for candidate in candidates {
        let seal = sealRates[label]![candidate.name]!
        let open = openRates[label]![candidate.name]!
        print("| \(label) | \(candidate.name) | \(format(seal.max()!)) | \(format(median(seal))) | \(format(open.max()!)) | \(format(median(open))) |")
    }
}
