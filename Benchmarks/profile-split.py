#!/usr/bin/env python3
"""Groups a `perf report --stdio --no-children --sort dso,sym -g none` of `sessionvault serve`
into where the CPU goes per 1 MiB range: share of samples per group, and milliseconds of CPU per
request when given load.sh's RESULT line (requests=… cpu_s=…).

    python3 Benchmarks/profile-split.py REPORT ["RESULT requests=… cpu_s=…"]
"""
import re, sys

GROUPS = [  # first match wins: (group, dso pattern, symbol pattern)
    # libcrypto's symbols are mostly the AES-GCM assembly (aesni_gcm_*, gcm_ghash_*, unnamed in a stripped build).
    ("AES-GCM decryption (OpenSSL libcrypto)", r"libcrypto", r""),
    ("memset (zeroing buffers)", r"libc", r"memset"),
    ("memcpy/memmove (user space copies)", r"libc", r"memcpy|memmove"),
    ("malloc/free", r"libc", r"malloc|free|_int_|arena|tcache|calloc|realloc"),
    ("kernel: TCP send/receive and its copy", r"kernel", r"tcp|skb|sock|ip_|__dev|net_|sendmsg|recvmsg|copy_user|csum|loopback|xmit|nf_|napi|inet|__sys_sendto|_copy_from_iter|copy_from_user|rep_movs"),
    ("kernel: pread of ciphertext (page cache)", r"kernel", r"filemap|pread|copy_page_to_iter|_copy_to_iter|page_cache|folio|ext4|vfs_read|generic_file"),
    ("kernel: page faults, mmap/munmap", r"kernel", r"fault|munmap|mmap|zap_|tlb|clear_page|do_anonymous|mprotect"),
    ("kernel: scheduling, futex, epoll, syscalls", r"kernel", r""),
    ("SQLite (audit entry, catalog reads)", r"sqlite", r""),
    ("Swift runtime (reference counting, allocation, metadata)", r"libswiftCore|libswift_|libFoundation|libdispatch", r""),
    ("NIO, Hummingbird (HTTP)", r"", r"NIO|Hummingbird|HTTP"),
    ("sessionvault: other (vault, routes, audit, JSON)", r"sessionvault", r""),
    ("libc, other", r"libc", r""),
    ("other", r"", r""),
]

def main():
    shares = {g[0]: 0.0 for g in GROUPS}
    line_re = re.compile(r"^\s*([\d.]+)%\s+(\S+)\s+\[[.k]\]\s+(.*)$")
    for line in open(sys.argv[1], errors="replace"):
        m = line_re.match(line)
        if not m:
            continue
        pct, dso, sym = float(m.group(1)), m.group(2), m.group(3)
        for name, dso_re, sym_re in GROUPS:
            if re.search(dso_re, dso) and (not sym_re or re.search(sym_re, sym)):
                shares[name] += pct
                break
    total = sum(shares.values()) or 1
    per_request = None
    if len(sys.argv) > 2:
        kv = dict(x.split("=") for x in sys.argv[2].split() if "=" in x)
        per_request = 1000 * float(kv["cpu_s"]) / max(float(kv["requests"]), 1)
    print(f"{'where':58} {'share':>7}" + (f" {'ms/MiB':>8}" if per_request else ""))
    for name, pct in sorted(shares.items(), key=lambda kv: -kv[1]):
        if pct < 0.05:
            continue
        share = pct / total
        print(f"{name:58} {100 * share:6.1f}%" + (f" {share * per_request:8.3f}" if per_request else ""))
    if per_request:
        print(f"{'in all':58} {100.0:6.1f}% {per_request:8.3f}")

main()
