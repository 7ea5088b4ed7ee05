# Sourced by the test-server scripts (postgres.sh, seaweedfs.sh, oidc-provider.sh).

# free_ports COUNT [TWIN]: COUNT free loopback ports, space-separated, below the kernel's ephemeral
# range where it can, so that no client connection made elsewhere in a parallel test run takes one
# between this check and the server's bind. With TWIN (SeaweedFS's gRPC ports are port + 10000),
# each port's twin is free and below that range too. A server can still lose a port to another
# server starting at the same moment: callers retry a start that fails with new ports.
free_ports() {
    python3 - "$1" "${2:-0}" <<'PY'
import random, socket, sys
wanted, twin, chosen = int(sys.argv[1]), int(sys.argv[2]), []
try:
    ephemeral = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except (OSError, ValueError, IndexError):
    ephemeral = 32768
low, high = (10000, ephemeral - twin) if ephemeral - twin >= 10000 + 1000 else (20000, 45000)
def free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False
def clashes(p):
    taken = chosen + [c + twin for c in chosen] if twin else chosen
    mine = [p, p + twin] if twin else [p]
    return any(abs(a - b) < 2 for a in mine for b in taken)
for _ in range(10000):
    if len(chosen) == wanted:
        break
    p = random.randrange(low, high)
    if not clashes(p) and free(p) and (not twin or free(p + twin)):
        chosen.append(p)
if len(chosen) < wanted:
    sys.exit("no free ports found")
print(" ".join(map(str, chosen)))
PY
}

# close_inherited_fds: a server must not inherit the caller's descriptors: a caller that waits for
# the start script to end through one of them (Foundation's Process does, with a socket) would
# wait as long as the server runs.
close_inherited_fds() {
    local fd
    for fd in /proc/$$/fd/*; do
        fd=${fd##*/}
        if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
}
