/// Whether a host name or address stays on this machine: `localhost`, an IPv4 address in
/// 127.0.0.0/8 (also IPv4-mapped, `::ffff:127.x.y.z`), `::1`, or a Unix socket (a path). Traffic
/// to such a host never crosses a network, so plain text there is not exposed to it. Any other
/// name counts as remote, even one that happens to resolve to loopback.
public enum LoopbackHost {
    public static func contains(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name.hasPrefix("/") || name == "localhost" || name == "localhost." || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let ipv4 = name.hasPrefix("::ffff:") ? String(name.dropFirst(7)) : name
        let octets = ipv4.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4,
              octets.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.utf8.allSatisfy { (48...57).contains($0) } && Int($0)! <= 255 }) else {
            return false
        }
        return octets[0] == "127"
    }
}
