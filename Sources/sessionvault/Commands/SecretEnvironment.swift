#if canImport(Glibc)
import Glibc
#endif

/// The secrets a long-running process (`serve`, `sweeper`) may be handed in its environment, and
/// their removal once it has read them.
///
/// A process's environment stays readable for its whole life: by its own user and root in
/// /proc/PID/environ, by a core dump, and by every child it starts (which inherits it). `serve`
/// and `sweeper` read these variables once, at start, to unlock keys; after that they overwrite
/// each one's bytes in place and remove it, so /proc/PID/environ shows neither the name nor the
/// value and no child inherits it. `unsetenv` alone would not do: it drops the variable from the
/// process's list, but /proc/PID/environ shows the block the kernel wrote at exec, which still
/// holds the text until it is overwritten.
///
/// What it cannot reach: a copy already made of the value (the service's unlocked keys are in
/// guarded memory; a Swift string read from the environment may linger on the heap until reused),
/// and the environment of the parent that started the process (a shell, systemd: prefer
/// `LoadCredential=` / passphrase files, DEPLOYMENT.md).
enum SecretEnvironment {
    /// The variables removed: the vault and role passphrase, the officer passphrases, the catalog password.
    static let names = ["SESSIONVAULT_PASSPHRASE", "SESSIONVAULT_OFFICER_PASSPHRASE", "SESSIONVAULT_NEW_OFFICER_PASSPHRASE",
                        "SESSIONVAULT_PG_PASSWORD"]

    /// Overwrites and removes each variable in ``names``. Call it once every secret has been read,
    /// before the process starts serving (other threads must not be reading the environment).
    static func scrub(also extra: [String] = []) {
        for name in names + extra {
            let nameLength = name.utf8.count
            // A variable may be present more than once; getenv finds the first each time.
            while let value = getenv(name) {
                let entry = value - (nameLength + 1)  // getenv points just after "NAME=" in the entry
                let length = nameLength + 1 + strlen(value)
                unsetenv(name)
                memset(entry, 0, length)
            }
        }
    }
}
