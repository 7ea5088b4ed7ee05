import Testing
@testable import SessionVault

/// Issue #18: `[server] plaintext_buffers` sizes the service's pool of decryption buffers.
@Suite("Config: the service's plaintext buffers")
struct PlaintextBuffersConfigTests {
    @Test func configReadsThePlaintextBufferBudgetWithASaneDefault() throws {
        let base = VaultConfig.makeDefault(vaultID: "v")
        #expect(base.plaintextBuffers == 128 << 20)
        #expect(base.tomlText().contains("plaintext_buffers = \"128MiB\""))
        #expect(try VaultConfig.parse(base.tomlText(), path: "c").plaintextBuffers == 128 << 20)
        // A file written before the key existed gets the default.
        let old = base.tomlText().components(separatedBy: "\n[server]")[0]
        #expect(try VaultConfig.parse(old + "\n[server]\nupload_roles = [\"clinician\"]\n", path: "c").plaintextBuffers == 128 << 20)
        let custom = try VaultConfig.parse(old + "\n[server]\nplaintext_buffers = \"1GiB\"\n", path: "c")
        #expect(custom.plaintextBuffers == 1 << 30)
        #expect(try VaultConfig.parse(custom.tomlText(), path: "c").plaintextBuffers == 1 << 30)
    }

    @Test func configRefusesAPlaintextBufferBudgetOutsideItsRange() throws {
        let old = VaultConfig.makeDefault(vaultID: "v").tomlText().components(separatedBy: "\n[server]")[0]
        for value in ["\"1MiB\"", "\"32GiB\"", "\"lots\"", "134217728"] {
            do {
                _ = try VaultConfig.parse(old + "\n[server]\nplaintext_buffers = \(value)\n", path: "c")
                Issue.record("plaintext_buffers = \(value) was accepted")
            } catch {
                #expect(error.code == .config, "\(value)")
                #expect(error.description.contains("plaintext_buffers"), "\(value)")
            }
        }
    }
}
