#!/usr/bin/env python3
"""SessionVault soak test driver (Python 3 standard library only). Run it through scripts/soak.sh.

One fresh vault (256 KiB chunks, so ranges cross chunks), `sessionvault serve` on 127.0.0.1 on a
free port, and for SOAK_SECONDS, at the same time:

  uploaders  streaming POSTs (Content-Length or chunked) of random-sized bodies, each regenerated
             from a seed, so no body is stored; every status must be the expected one (201, or the
             403/400/401 a refused upload must get) and every 201 must describe the body sent;
  readers    range reads (crossing chunk boundaries, open-ended, suffix, clipped, unsatisfiable,
             malformed, If-Range) compared byte-exact with the expected slice, full reads compared
             by SHA-256, metadata, listings, bad and revoked tokens, as five users in four roles;
  admin      CLI commands against the same vault while the server runs: consent for new
             sessions, withdrawal of the training scope (then: the trainer is refused, the
             clinician is not, due dates moved), legal holds, `sweep` (today: must destroy
             nothing) and a sweep as of a far-future day (the test build's
             injected-clock driver: the CLI sweeps only as of today) (must destroy exactly the recordings whose
             class or withdrawn consent makes them due, and no other), checked against
             `destroyed ls` and over HTTP; and a probe that withdraws consent while an upload to
             that session is in flight;
  sampler    the server's VmRSS every second.

Then, on the warm server, a leak probe: each request path alone (accepted upload, refused upload,
range read, metadata, listing, whoami) N times; RssAnon may not grow by more than
SOAK_LEAK_KIB_PER_OP per request (a warm bounded cache does not; a per-request leak does).

The model of what must be true is kept here: each recording is *kept* (care; training with
consent; anything on hold) or *doomed* (supervision, 90 days; training whose consent was
withdrawn, 30 days' grace), and each answer is checked against the state the recording must be
in at that moment, with an explicit "either" only where an operation overlapped the request.

At the end: SIGTERM (exit 0 within 30 s), a last far-future sweep, `verify`, `fsck` (no finding
at all), `audit verify`, `ls`/`destroyed ls` equal to the model, a CLI `get` of every kept
recording (SHA-256), and memory: the median RSS of the last quarter may exceed that of the second
quarter by at most max(SOAK_RSS_MARGIN_MIB, SOAK_RSS_MARGIN_PCT %).
"""

import atexit
import collections
import concurrent.futures
import datetime
import hashlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback

# The caller's own SessionVault settings (their vault, officer, passphrases) never reach the
# processes under test: the soak sets what it needs itself.
for _name in list(os.environ):
    if _name.startswith("SESSIONVAULT_") and (_name in ("SESSIONVAULT_DIR", "SESSIONVAULT_OFFICER", "SESSIONVAULT_CONFIG")
                                              or "PASSPHRASE" in _name or "TOKEN" in _name):
        del os.environ[_name]

KIB = 1024
MIB = 1024 * 1024
CHUNK = 256 * KIB
FAR = "2100-01-01"
PASSPHRASE = "soak passphrase - not for production"

BIN = os.environ.get("SESSIONVAULT_BIN", ".build/debug/sessionvault")
# The shipped CLI sweeps only as of today; the far-future sweeps go through the test build's
# injected-clock driver (Tests/Support/SweepAsOf).
SWEEP_BIN = os.environ.get("SESSIONVAULT_SWEEP_AS_OF_BIN", os.path.join(os.path.dirname(BIN), "test-sweep-as-of"))
SECONDS = float(os.environ.get("SOAK_SECONDS", "300"))
SEED = int(os.environ.get("SOAK_SEED") or random.SystemRandom().randrange(1, 2**31))
UPLOADERS = int(os.environ.get("SOAK_UPLOADERS", "2"))
READERS = int(os.environ.get("SOAK_READERS", "3"))
UPLOAD_RATE = float(os.environ.get("SOAK_UPLOAD_RATE", "5"))
RACE_PROBE = os.environ.get("SOAK_RACE_PROBE", "1") != "0"
RSS_MARGIN_MIB = float(os.environ.get("SOAK_RSS_MARGIN_MIB", "32"))
RSS_MARGIN_PCT = float(os.environ.get("SOAK_RSS_MARGIN_PCT", "25"))
KEEP = os.environ.get("SOAK_KEEP", "0") == "1"
# embedded: the vault's own SQLite catalog and file blob store. scaleout: a fresh database on the
# PostgreSQL server and a fresh bucket on the S3 server that scripts/with-test-servers.sh starts
# (SESSIONVAULT_TEST_POSTGRES_URL, SESSIONVAULT_TEST_S3_*), as several nodes would share them.
BACKEND = os.environ.get("SOAK_BACKEND", "embedded")
S3_LOCK = os.environ.get("SOAK_S3_LOCK", "none")
HTTP_TIMEOUT = 120

T0 = time.monotonic()


def now():
    return time.monotonic()


def log(msg):
    print(f"[soak {now() - T0:7.1f}s] {msg}", flush=True)


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def today():
    return datetime.datetime.now(datetime.timezone.utc).date()


def add_years(d, years):
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February -> 28 February
        return d.replace(year=d.year + years, day=28)


# ----------------------------------------------------------------------------------------------
# Errors: every failed check is counted; the first occurrence of each (kind, subject) is printed.

class Errors:
    def __init__(self):
        self.lock = threading.Lock()
        self.count = 0
        self.first = collections.OrderedDict()   # (kind, key) -> (message, occurrences)

    def add(self, kind, key, message):
        with self.lock:
            self.count += 1
            k = (kind, key)
            if k in self.first:
                msg, n = self.first[k]
                self.first[k] = (msg, n + 1)
                return
            self.first[k] = (message, 1)
        log(f"FAIL [{kind}] {message}")

    def kinds(self):
        with self.lock:
            c = collections.Counter()
            for (kind, _), (_, n) in self.first.items():
                c[kind] += n
            return c


ERR = Errors()


ABORTED = threading.Event()    # interrupted: what workers report after that is noise


def fail(kind, key, message):
    if not ABORTED.is_set():
        ERR.add(kind, key, message)


class Fatal(Exception):
    pass


# ----------------------------------------------------------------------------------------------
# The model.

PATIENTS = [f"943 476 59{i:02d}" for i in range(6)]


class User:
    def __init__(self, name, role, patients, unrestricted=False, revoked=False):
        self.name, self.role, self.patients = name, role, set(patients)
        self.unrestricted, self.revoked = unrestricted, revoked
        self.token = None


USERS = {
    "alice": User("alice", "clinician", [0, 1, 2, 3, 4]),          # the clinician with a care list
    "bob": User("bob", "clinician", [4, 5]),                        # another clinician; patient 5 is only his
    "rob": User("rob", "records-officer", [], unrestricted=True),   # unrestricted role
    "tess": User("tess", "trainer", range(6)),
    "sam": User("sam", "supervisor", range(6)),
    "eve": User("eve", "clinician", range(6), revoked=True),        # revoked before the server starts
}
BAD_TOKEN = "svt_" + "A" * 43


class Session:
    def __init__(self, name, patient, scopes, given_on, probe=False):
        self.name, self.patient, self.scopes, self.given_on = name, patient, set(scopes), given_on
        self.probe = probe
        self.lock = threading.Lock()          # uploads to the session vs. withdrawal (except the probe)
        self.withdraw_start = None
        self.withdraw_end = None
        self.withdrawn_on = None

    def training_active(self):
        return "training" in self.scopes and self.withdraw_start is None


class Rec:
    def __init__(self, **kw):
        self.__dict__.update(kw)
        self.etag = None
        self.destroyed_at = None   # monotonic time at which the model learnt it was destroyed
        self.held = False


class Model:
    def __init__(self):
        self.lock = threading.RLock()
        self.sessions = {}
        self.recs = {}
        self.rec_list = []
        self.sweep_active = False
        self.sweep_epoch = 0
        self.destroyed_ids = set()          # ids seen in `destroyed ls`
        self.pending_destroyed = {}         # id in `destroyed ls` not yet known (upload reply in flight): id -> sweep end
        self.unknown_listed = set()         # ids listed over HTTP before their upload reply arrived
        self.wrong_due = set()              # live recordings seen with a due date the schedule does not give
        self.stats = collections.Counter()

    def add_rec(self, rec):
        with self.lock:
            self.recs[rec.id] = rec
            self.rec_list.append(rec)
            if rec.id in self.pending_destroyed:
                sweep_end = self.pending_destroyed.pop(rec.id)
                if rec.doomed_lo is None or rec.doomed_lo > sweep_end:
                    fail("sweep-destroyed-kept", rec.id, f"recording {rec.id} ({rec.cls}, session {rec.session}) was destroyed by a sweep but must be kept")
                rec.destroyed_at = now()
            self.unknown_listed.discard(rec.id)

    def count(self, key, n=1):
        with self.lock:
            self.stats[key] += n

    def sweep_state(self):
        with self.lock:
            return (self.sweep_active, self.sweep_epoch)

    def sweep_overlapped(self, state0):
        with self.lock:
            return state0[0] or self.sweep_active or self.sweep_epoch != state0[1]


M = Model()

LIVE, MAYBE, GONE = "live", "maybe", "gone"


def fate(rec, t0, overlap):
    """What the recording must be for a request that started at t0 (evaluated after it ended)."""
    with M.lock:
        if rec.destroyed_at is not None and rec.destroyed_at < t0:
            return GONE
        if rec.doomed_lo is not None and (overlap or rec.destroyed_at is not None):
            return MAYBE
        return LIVE


def has_wrap(rec, role, t0, t1):
    """True, False, or None (either: a withdrawal overlapped the request)."""
    if role in ("clinician", "records-officer"):
        return True
    if role == "supervisor":
        return rec.supervisor_wrap
    if role == "trainer":
        if not rec.trainer_wrap:
            return False
        s = M.sessions[rec.session]
        with M.lock:
            ws, we = s.withdraw_start, s.withdraw_end
        if we is not None and we < t0:
            return False
        if ws is not None and ws < t1:
            return None
        return True
    return False


def access(rec, user, t0, t1):
    """The set of acceptable access outcomes for a live recording: 'ok', 401, 403, 404."""
    if user is None or user.revoked:
        return {401}
    if not user.unrestricted and rec.patient not in user.patients:
        return {404}
    w = has_wrap(rec, user.role, t0, t1)
    return {"ok"} if w else ({403} if w is False else {"ok", 403})


def expected_wraps(rec, t0, t1):
    """(roles that must be wrapped, roles that may be)."""
    must = {"clinician", "records-officer"}
    may = set()
    if rec.supervisor_wrap:
        must.add("supervisor")
    w = has_wrap(rec, "trainer", t0, t1)
    if w:
        must.add("trainer")
    elif w is None:
        may.add("trainer")
    return must, may


# ----------------------------------------------------------------------------------------------
# Bodies: regenerated from a seed (no copy is stored); a small cache avoids regenerating hot ones.

_body_cache = collections.OrderedDict()
_body_lock = threading.Lock()


def make_body(seed, size):
    return random.Random(seed).randbytes(size)


def body_of(rec):
    with _body_lock:
        b = _body_cache.get(rec.id)
        if b is not None:
            _body_cache.move_to_end(rec.id)
            return b
    b = make_body(rec.seed, rec.size)
    with _body_lock:
        _body_cache[rec.id] = b
        while sum(len(x) for x in _body_cache.values()) > 48 * MIB and len(_body_cache) > 1:
            _body_cache.popitem(last=False)
    return b


def pick_size(rng):
    r = rng.random()
    if r < 0.04:
        return rng.choice([0, 1, 2, 511])
    if r < 0.12:
        return rng.randint(3 * KIB, 16 * KIB)
    if r < 0.32:   # on, just below and just above chunk boundaries
        return rng.randint(1, 12) * CHUNK + rng.choice([-1, 0, 0, 1])
    if r < 0.85:
        return rng.randint(16 * KIB, 3 * MIB)
    return rng.randint(3 * MIB, 9 * MIB)


# ----------------------------------------------------------------------------------------------
# The CLI (against the same vault while the server runs).

class Env:
    tmp = None
    vault = None
    catalog_url = None  # scaleout only: the PostgreSQL URL of the soak's own database
    port = None
    server = None
    cli_log = None
    cli_lock = threading.Lock()


def cli(args, check=True, timeout=300, binary_out=False, binary=None):
    env = dict(os.environ, SESSIONVAULT_DIR=Env.vault, SESSIONVAULT_PASSPHRASE=PASSPHRASE)
    started = now()
    try:
        p = subprocess.run([binary or BIN] + args, env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Fatal(f"`sessionvault {' '.join(args)}` did not finish within {timeout} s")
    took = now() - started
    err = p.stderr.decode(errors="replace")
    with Env.cli_lock, open(Env.cli_log, "a") as f:
        f.write(f"[{started - T0:.1f}s +{took:.2f}s] rc={p.returncode} sessionvault {' '.join(args)}\n")
        if err.strip():
            f.write("  stderr: " + err.strip().replace("\n", "\n  stderr: ") + "\n")
        if not binary_out and p.stdout:
            f.write("  stdout: " + p.stdout.decode(errors="replace")[:2000].strip().replace("\n", "\n  stdout: ") + "\n")
    if check and p.returncode != 0:
        raise CLIError(args, p.returncode, err)
    return p


class CLIError(Exception):
    def __init__(self, args, rc, err):
        super().__init__(f"`sessionvault {' '.join(args)}` exited {rc}: {err.strip()[-400:]}")
        self.rc = rc


def cli_json(args, **kw):
    p = cli(args + ["--json"], **kw)
    return json.loads(p.stdout)


# ----------------------------------------------------------------------------------------------
# HTTP helpers.

def conn():
    return http.client.HTTPConnection("127.0.0.1", Env.port, timeout=HTTP_TIMEOUT)


def auth(user):
    if user is None:
        return {"Authorization": "Bearer " + BAD_TOKEN}
    return {"Authorization": "Bearer " + user.token}


class Reply:
    def __init__(self, status, headers, body, truncated=False, digest=None, length=0):
        self.status, self.headers, self.body = status, headers, body
        self.truncated, self.digest, self.length = truncated, digest, length


def get(c, path, headers, keep_body=True):
    """GET; reads the body in pieces, hashing it. Returns a Reply (truncated=True if cut short)."""
    c.request("GET", path, headers=headers)
    r = c.getresponse()
    h = hashlib.sha256()
    parts = []
    n = 0
    truncated = False
    try:
        while True:
            piece = r.read(256 * KIB)
            if not piece:
                break
            h.update(piece)
            n += len(piece)
            if keep_body:
                parts.append(piece)
    except (http.client.IncompleteRead, ConnectionError, socket.timeout, OSError):
        truncated = True
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    cl = hdrs.get("content-length")
    if cl is not None and int(cl) != n:
        truncated = True
    if truncated:      # the server cut the stream: this connection is finished
        c.close()
    return Reply(r.status, hdrs, b"".join(parts) if keep_body else None, truncated, h.hexdigest(), n)


# ----------------------------------------------------------------------------------------------
# Readers.

READ_USERS = [("alice", 35), ("bob", 10), ("rob", 20), ("tess", 15), ("sam", 15), ("eve", 2), (None, 3)]


def weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    x = rng.uniform(0, total)
    for v, w in pairs:
        x -= w
        if x <= 0:
            return v
    return pairs[-1][0]


def range_case(rng, rec):
    """(Range header, If-Range header or None, expectation) where expectation is
    ('partial', a, b) | ('multi', [(a, b), ...]) | ('full',) | ('unsat',)."""
    n = rec.size
    kinds = ["cross", "inner", "inner", "open", "suffix", "clip", "beyond", "malformed", "ifrange_ok", "ifrange_bad", "multi"]
    k = rng.choice(kinds)
    if k == "multi":
        if n < 2:   # one range of the two selects something (n = 1) or none does (n = 0)
            return "bytes=0-0,2-3", None, (("partial", 0, 0) if n == 1 else ("unsat",))
        # 2-3 disjoint ranges, in any order: a multipart answer with the parts in the order asked.
        m = rng.randint(2, 3)
        if n >= 2 * m:
            cuts = sorted(rng.sample(range(n), 2 * m))
            pairs = [(cuts[2 * i], cuts[2 * i + 1]) for i in range(m)]
        else:       # a tiny recording: single bytes
            pairs = [(p, p) for p in sorted(rng.sample(range(n), min(m, n)))]
        rng.shuffle(pairs)
        return "bytes=" + ",".join(f"{a}-{b}" for a, b in pairs), None, ("multi", pairs)
    if k == "ifrange_bad":
        return "bytes=0-9", '"00000000000000000000000000000000-000000000000000000000000"', ("full",)
    if k == "malformed":
        return rng.choice(["bytes=5-2", "bytes=abc", "bytes=-0"]), None, ("unsat",)
    if k == "beyond" or n == 0:
        return f"bytes={n + rng.randint(0, 5000)}-", None, ("unsat",)
    if k == "cross" and n > CHUNK:
        b = rng.randrange(1, (n - 1) // CHUNK + 1) * CHUNK
        a = max(0, b - rng.randint(1, 5000))
        e = min(n - 1, b + rng.randint(0, 5000))
        return f"bytes={a}-{e}", None, ("partial", a, e)
    if k == "open":
        a = rng.randrange(n)
        return f"bytes={a}-", None, ("partial", a, n - 1)
    if k == "suffix":
        m = rng.randint(1, n + 1000)
        return f"bytes=-{m}", None, ("partial", max(0, n - m), n - 1)
    if k == "clip":
        a = rng.randrange(n)
        return f"bytes={a}-{n + rng.randint(0, 10**6)}", None, ("partial", a, n - 1)
    a = rng.randrange(n)
    e = min(n - 1, a + rng.choice([0, 1, 99, 4095, 70000, 300000, 800000]))
    if k == "ifrange_ok":
        return f"bytes={a}-{e}", "ETAG", ("partial", a, e)
    return f"bytes={a}-{e}", None, ("partial", a, e)


def check_etag(rec, etag, where):
    if etag is None:
        fail("header", rec.id, f"{where}: no ETag")
        return
    with M.lock:
        if rec.etag is None:
            rec.etag = etag
        elif rec.etag != etag:
            fail("etag", rec.id, f"{where}: ETag changed from {rec.etag} to {etag}")
    want_prefix = '"' + rec.id.replace("-", "") + "-"
    if not etag.startswith(want_prefix):
        fail("etag", rec.id, f"{where}: ETag {etag} does not start with {want_prefix}")


def judge_status(rec, user, status, t0, t1, overlap, where, ok_statuses):
    """Returns 'ok' if the status is an acceptable success, 'refused' if an acceptable refusal,
    'gone' if an acceptable 404/410 of a destroyed recording, or None after reporting a failure."""
    f = fate(rec, t0, overlap)
    allowed = set()
    if f in (LIVE, MAYBE):
        a = access(rec, user, t0, t1)
        for x in a:
            if x == "ok":
                allowed |= set(ok_statuses)
            else:
                allowed.add(x)
    if f in (GONE, MAYBE):
        allowed |= ({401} if (user is None or user.revoked) else {404, 410})
    if status not in allowed:
        kind = "status"
        if user is not None and user.role == "trainer" and status in ok_statuses and rec.trainer_wrap:
            kind = "consent-withdrawal"
        elif f == MAYBE:
            kind = "sweep-race"    # the request overlapped a sweep that destroys this recording
        fail(kind, (rec.id, user.name if user else "bad-token", where.split()[0]),
             f"{where}: HTTP {status}, expected {sorted(map(str, allowed))} (recording {rec.id}, class {rec.cls}, "
             f"session {rec.session}, state {f}, user {user.name if user else 'bad token'})")
        return None
    if status in ok_statuses:
        return "ok"
    if status in (404, 410) and f in (GONE, MAYBE) and not (user is None or user.revoked):
        return "gone"
    return "refused"


def read_content(c, rng, rec, user, full):
    path = f"/api/recordings/{rec.id}/content"
    headers = auth(user)
    if full:
        rh, ifr, expect = None, None, ("full",)
    else:
        rh, ifr, expect = range_case(rng, rec)
        if ifr == "ETAG":
            with M.lock:
                ifr = rec.etag         # None until an earlier read saw it: then a plain range
        headers["Range"] = rh
        if ifr:
            headers["If-Range"] = ifr
    where = f"GET content {rh or 'full'}{' If-Range' if ifr else ''} as {user.name if user else 'bad token'}"
    if expect[0] == "full":
        ok = {200}
    elif expect[0] in ("partial", "multi"):
        ok = {206}
    else:
        ok = {416}
    state0 = M.sweep_state()
    t0 = now()
    # A full body is hashed on the fly; a range is kept to compare byte by byte.
    rep = get(c, path, headers, keep_body=(expect[0] in ("partial", "multi")))
    t1 = now()
    overlap = M.sweep_overlapped(state0)
    verdict = judge_status(rec, user, rep.status, t0, t1, overlap, where, ok)
    if verdict != "ok":
        if verdict == "refused":
            M.count("reads_refused_as_expected")
            if rep.status == 401 and "bearer" not in rep.headers.get("www-authenticate", "").lower():
                fail("header", ("401", rec.id), f"{where}: 401 without WWW-Authenticate: Bearer")
        elif verdict == "gone":
            M.count("reads_gone_as_expected")
        return rep.status
    if rep.truncated:
        if fate(rec, t0, overlap) == MAYBE:
            M.count("reads_cut_by_sweep")
            return rep.status
        fail("truncated", (rec.id, where), f"{where}: body cut short after {rep.length} bytes (recording {rec.id}, {rec.size} bytes)")
        return rep.status
    n = rec.size
    if rep.status != 416:
        check_etag(rec, rep.headers.get("etag"), where)
    if rep.status == 200:
        if rep.length != n or rep.digest != rec.sha:
            fail("corrupt", (rec.id, "full"), f"{where}: full body of {rec.id} has {rep.length} bytes, SHA-256 {rep.digest}; "
                 f"expected {n} bytes, {rec.sha}")
        else:
            M.count("downloads_full")
            M.count("bytes_down", rep.length)
    elif rep.status == 206 and expect[0] == "multi":
        check_multipart(rec, rep, expect[1], where)
    elif rep.status == 206:
        a, b = expect[1], expect[2]
        cr = rep.headers.get("content-range")
        if cr != f"bytes {a}-{b}/{n}":
            fail("header", (rec.id, "content-range"), f"{where}: Content-Range {cr!r}, expected 'bytes {a}-{b}/{n}'")
        want = body_of(rec)[a:b + 1]
        if rep.body != want:
            first = next((i for i in range(min(len(want), len(rep.body))) if want[i] != rep.body[i]), min(len(want), len(rep.body)))
            fail("corrupt", (rec.id, "range"), f"{where}: bytes {a}-{b} of {rec.id} differ from what was uploaded "
                 f"(got {len(rep.body)} bytes, first difference at offset {a + first})")
        else:
            M.count("downloads_range")
            M.count("bytes_down", rep.length)
    elif rep.status == 416:
        cr = rep.headers.get("content-range")
        if cr != f"bytes */{n}":
            fail("header", (rec.id, "416"), f"{where}: 416 with Content-Range {cr!r}, expected 'bytes */{n}'")
        M.count("range_416_as_expected")
    return rep.status


def multipart_parts(body, boundary):
    """The parts of a multipart/byteranges body as ({header: value}, bytes), or None if malformed."""
    pieces = body.split(b"--" + boundary.encode())
    if len(pieces) < 3 or pieces[0] != b"" or pieces[-1] != b"--\r\n":
        return None
    parts = []
    for piece in pieces[1:-1]:
        if not piece.startswith(b"\r\n") or not piece.endswith(b"\r\n"):
            return None
        head, sep, data = piece[2:-2].partition(b"\r\n\r\n")
        if not sep:
            return None
        fields = dict(line.split(b": ", 1) for line in head.split(b"\r\n"))
        parts.append(({k.decode().lower(): v.decode() for k, v in fields.items()}, data))
    return parts


def check_multipart(rec, rep, pairs, where):
    n = rec.size
    ctype = rep.headers.get("content-type", "")
    prefix = "multipart/byteranges; boundary="
    parts = multipart_parts(rep.body, ctype[len(prefix):]) if ctype.startswith(prefix) else None
    if parts is None or len(parts) != len(pairs):
        fail("header", (rec.id, "multipart"), f"{where}: not a multipart/byteranges body of {len(pairs)} parts "
             f"(Content-Type {ctype!r}, {len(parts) if parts else 0} parts)")
        return
    for (fields, data), (a, b) in zip(parts, pairs):
        if fields.get("content-range") != f"bytes {a}-{b}/{n}":
            fail("header", (rec.id, "content-range"), f"{where}: part Content-Range {fields.get('content-range')!r}, expected 'bytes {a}-{b}/{n}'")
            return
        if data != body_of(rec)[a:b + 1]:
            fail("corrupt", (rec.id, "multipart"), f"{where}: part bytes {a}-{b} of {rec.id} differ from what was uploaded")
            return
    M.count("downloads_multipart")
    M.count("bytes_down", sum(b + 1 - a for a, b in pairs))   # plaintext only, as /metrics counts it


def read_meta(c, rec, user):
    where = f"GET metadata as {user.name if user else 'bad token'}"
    state0 = M.sweep_state()
    t0 = now()
    rep = get(c, f"/api/recordings/{rec.id}", auth(user))
    t1 = now()
    overlap = M.sweep_overlapped(state0)
    verdict = judge_status(rec, user, rep.status, t0, t1, overlap, where, {200})
    if verdict != "ok":
        return rep.status, None
    try:
        doc = json.loads(rep.body)
        r = doc["recording"]
        problems = []
        if r["id"] != rec.id or r["byteCount"] != rec.size or r["session"] != rec.session or r["retentionClass"] != rec.cls:
            problems.append(f"recording fields {r['id']}/{r['byteCount']}/{r['session']}/{r['retentionClass']}")
        if doc["chunkSize"] != CHUNK or doc["chunkCount"] != max(1, -(-rec.size // CHUNK)):
            problems.append(f"chunkSize {doc['chunkSize']} chunkCount {doc['chunkCount']}")
        must, may = expected_wraps(rec, t0, t1)
        got = set(doc["wrappedFor"])
        if not (must <= got <= must | may):
            problems.append(f"wrappedFor {sorted(got)}, expected {sorted(must)}" + (f" (+ maybe {sorted(may)})" if may else ""))
        if problems:
            kind = "metadata"
            if got - must - may:
                kind = "consent-withdrawal"    # a role holds a key it must not
            elif must - got and fate(rec, t0, overlap) == MAYBE:
                kind = "sweep-race"            # served while a sweep was shredding it
            fail(kind, (rec.id, "meta"), f"{where} of {rec.id} ({rec.cls}, session {rec.session}): " + "; ".join(problems))
        M.count("metadata_reads")
        return 200, doc
    except (ValueError, KeyError, TypeError) as e:
        fail("metadata", (rec.id, "json"), f"{where}: unreadable JSON ({e}): {rep.body[:200]!r}")
        return 200, None


def list_session(c, rng, user):
    with M.lock:
        sessions = [s for s in M.sessions.values()]
    s = rng.choice(sessions)
    where = f"GET /api/recordings?session={s.name} as {user.name if user else 'bad token'}"
    state0 = M.sweep_state()
    t0 = now()
    rep = get(c, f"/api/recordings?session={s.name}&limit=5000", auth(user))
    t1 = now()
    overlap = M.sweep_overlapped(state0)
    want = 401 if (user is None or user.revoked) else 200
    if rep.status != want:
        fail("status", ("list", user.name if user else "bad token"), f"{where}: HTTP {rep.status}, expected {want}")
        return
    if want == 401:
        M.count("reads_refused_as_expected")
        return
    doc = json.loads(rep.body)
    listed = {item["id"] for item in doc["items"]}
    if doc["count"] != len(doc["items"]):
        fail("listing", ("count", s.name), f"{where}: count {doc['count']} but {len(doc['items'])} items")
    with M.lock:
        recs = [r for r in M.rec_list if r.session == s.name]
        known = set(M.recs)
    for r in recs:
        if r.t_up_end > t0:
            continue
        f = fate(r, t0, overlap)
        if f == GONE:
            must = False
        else:
            a = access(r, user, t0, t1)
            if a == {"ok"} and f == LIVE:
                must = True
            elif "ok" not in a:
                must = False
            else:
                must = None
        if must is True and r.id not in listed:
            fail("listing", (r.id, user.name), f"{where}: live recording {r.id} ({r.cls}) that {user.name} may see is not listed")
        if must is False and r.id in listed:
            kind = "consent-withdrawal" if user.role == "trainer" else "listing"
            fail(kind, (r.id, user.name, "list"), f"{where}: recording {r.id} ({r.cls}, state {f}) is listed but {user.name} may not see it")
    for i in listed - known:
        with M.lock:
            if i not in M.recs:
                M.unknown_listed.add(i)
    M.count("listings")


def reader(idx, stop):
    rng = random.Random(SEED * 1000 + 100 + idx)
    c = conn()
    while not stop.is_set():
        with M.lock:
            recs = M.rec_list
            rec = None
            if recs:
                # One of the 20 newest, or one not known to be destroyed, or any (destroyed ones too).
                x = rng.random()
                if x < 0.45:
                    rec = rng.choice(recs[-20:])
                elif x < 0.85:
                    rec = rng.choice(recs)
                    for _ in range(5):
                        if rec.destroyed_at is None:
                            break
                        rec = rng.choice(recs)
                else:
                    rec = rng.choice(recs)
        if rec is None:
            stop.wait(0.05)
            continue
        name = weighted(rng, READ_USERS)
        user = USERS[name] if name else None
        op = weighted(rng, [("range", 62), ("full", 18), ("meta", 12), ("list", 8)])
        try:
            if op == "range":
                read_content(c, rng, rec, user, full=False)
            elif op == "full":
                read_content(c, rng, rec, user, full=True)
            elif op == "meta":
                read_meta(c, rec, user)
            else:
                list_session(c, rng, user)
            M.count("http_requests")
        except Fatal:
            raise
        except Exception as e:  # a dropped connection or a protocol error is a failure
            fail("http", (type(e).__name__, op), f"reader {idx}: {op} of {rec.id} as {name}: {type(e).__name__}: {e}")
            c.close()
            c = conn()
    c.close()


# ----------------------------------------------------------------------------------------------
# Uploads.

def send_upload(c, user, session, cls, body, chunked, rng):
    """Streams body; returns (status, parsed JSON or text)."""
    path = f"/api/recordings?session={session}&class={cls}" if cls is not None else f"/api/recordings?session={session}"
    pieces = []
    i = 0
    while i < len(body):
        step = rng.randint(1 * KIB, 300 * KIB)
        pieces.append(memoryview(body)[i:i + step])
        i += step
    if chunked:
        c.putrequest("POST", path, skip_accept_encoding=True)
        for k, v in auth(user).items():
            c.putheader(k, v)
        c.putheader("Content-Type", "application/octet-stream")
        c.putheader("Transfer-Encoding", "chunked")
        c.endheaders()
        for p in pieces:
            c.send(f"{len(p):x}\r\n".encode() + bytes(p) + b"\r\n")
        c.send(b"0\r\n\r\n")
    else:
        c.putrequest("POST", path, skip_accept_encoding=True)
        for k, v in auth(user).items():
            c.putheader(k, v)
        c.putheader("Content-Type", "application/octet-stream")
        c.putheader("Content-Length", str(len(body)))
        c.endheaders()
        for p in pieces:
            c.send(p)
    r = c.getresponse()
    data = r.read()
    try:
        return r.status, json.loads(data), {k.lower(): v for k, v in r.getheaders()}
    except ValueError:
        return r.status, data[:300], {}


def register_upload(user, sess, cls, size, seed, sha, t_start, t_end, doc, hdrs, probe=False):
    """Checks a 201 reply against what was sent and enters the recording in the model."""
    rid = doc.get("id") if isinstance(doc, dict) else None
    if not rid:
        fail("upload", ("201", sess.name), f"upload to {sess.name}: 201 without an id: {doc!r}")
        return None
    trainer = "training" in sess.scopes and (probe or sess.withdraw_start is None)
    supervisor = "supervision" in sess.scopes
    doomed = cls == "supervision" or (cls == "training" and probe)
    rec = Rec(id=rid, session=sess.name, cls=cls, size=size, seed=seed, sha=sha, uploader=user.name, patient=sess.patient,
              t_up_start=t_start, t_up_end=t_end, trainer_wrap=trainer, supervisor_wrap=supervisor,
              doomed_lo=(sess.withdraw_start if probe else t_start) if doomed else None,
              doomed_hi=t_end if doomed else None, probe=probe)
    problems = []
    if doc.get("byteCount") != size:
        problems.append(f"byteCount {doc.get('byteCount')} (sent {size})")
    if doc.get("chunkCount") != max(1, -(-size // CHUNK)):
        problems.append(f"chunkCount {doc.get('chunkCount')}")
    if doc.get("session") != sess.name or doc.get("retentionClass") != cls:
        problems.append(f"session/class {doc.get('session')}/{doc.get('retentionClass')}")
    if hdrs.get("location") != f"/api/recordings/{rid}":
        problems.append(f"Location {hdrs.get('location')!r}")
    if not probe:
        want = {"clinician", "records-officer"} | ({"supervisor"} if supervisor else set()) | ({"trainer"} if trainer else set())
        if set(doc.get("wrappedFor", [])) != want:
            problems.append(f"wrappedFor {doc.get('wrappedFor')}, expected {sorted(want)}")
        days = {today(), today() - datetime.timedelta(days=1)}
        if cls == "supervision" and doc.get("dueOn") not in {str(d + datetime.timedelta(days=90)) for d in days}:
            problems.append(f"dueOn {doc.get('dueOn')} for supervision (expected capture + 90 days)")
        if cls == "training" and doc.get("dueOn") != str(add_years(sess.given_on, 3)):
            problems.append(f"dueOn {doc.get('dueOn')} for training (expected consent {sess.given_on} + 3 years)")
        if cls == "care" and doc.get("dueOn") is not None:
            problems.append(f"dueOn {doc.get('dueOn')} for care (expected none: waiting for last contact)")
    if problems:
        fail("upload", (rid, "reply"), f"upload {rid} to {sess.name} ({cls}): " + "; ".join(problems))
    M.add_rec(rec)
    return rec


_pace_lock = threading.Lock()
_pace_next = [0.0]


def pace(stop):
    """At most UPLOAD_RATE uploads a second, all uploaders together (0: no limit). Bounds the number
    of recordings, hence the final CLI read-back, whatever the machine's speed."""
    if UPLOAD_RATE <= 0:
        return
    with _pace_lock:
        t = max(now(), _pace_next[0])
        _pace_next[0] = t + 1.0 / UPLOAD_RATE
    stop.wait(max(0.0, t - now()))


def uploader(idx, stop):
    rng = random.Random(SEED * 1000 + idx)
    c = conn()
    n = 0
    while not stop.is_set():
        pace(stop)
        if stop.is_set():
            break
        n += 1
        user = USERS["alice"] if rng.random() < 0.75 else USERS["bob"]
        try:
            if rng.random() < 0.06:
                negative_upload(c, rng, user)
                c.close()
                c = conn()
                continue
            with M.lock:
                choices = [s for s in M.sessions.values() if s.patient in user.patients and not s.probe]
            sess = rng.choice(choices)
            cls = weighted(rng, [("care", 40), ("supervision", 30), ("training", 30)])
            seed = (SEED << 24) ^ (idx << 20) ^ n
            with sess.lock:   # no withdrawal of this session while the upload is in flight
                if cls == "care":
                    expect = 201
                elif cls == "supervision":
                    expect = 201 if "supervision" in sess.scopes else 403
                else:
                    expect = 201 if sess.training_active() else 403
                size = pick_size(rng) if expect == 201 else rng.randint(0, 8 * KIB)
                body = make_body(seed, size)
                chunked = rng.random() < 0.5
                t_start = now()
                status, doc, hdrs = send_upload(c, user, sess.name, cls, body, chunked, rng)
                t_end = now()
                if status != expect:
                    fail("upload", (sess.name, cls, status), f"upload of {size} bytes ({'chunked' if chunked else 'Content-Length'}) "
                         f"to session {sess.name} class {cls} as {user.name}: HTTP {status}, expected {expect}: {doc!r}")
                    c.close()
                    c = conn()
                    continue
                if status == 201:
                    sha = hashlib.sha256(body).hexdigest()
                    register_upload(user, sess, cls, size, seed, sha, t_start, t_end, doc, hdrs)
                    M.count("uploads")
                    M.count("uploads_chunked" if chunked else "uploads_content_length")
                    M.count("bytes_up", size)
                else:
                    M.count("uploads_refused_as_expected")
                    c.close()
                    c = conn()
            M.count("http_requests")
        except Fatal:
            raise
        except Exception as e:
            fail("http", (type(e).__name__, "upload"), f"uploader {idx}: {type(e).__name__}: {e}")
            c.close()
            c = conn()
    c.close()


def negative_upload(c, rng, user):
    """Uploads that must be refused, with small bodies (the server may answer before reading them)."""
    case = rng.choice(["care-list", "no-consent", "unknown-class", "no-class", "bad-session", "bad-token", "revoked"])
    body = make_body(rng.randrange(2**32), rng.randint(0, 4 * KIB))
    with M.lock:
        sessions = [s for s in M.sessions.values() if not s.probe]
    u, cls = user, "care"
    if case == "care-list":
        u = USERS["alice"]
        s = rng.choice([s for s in sessions if s.patient == 5]).name
        expect = 403
    elif case == "no-consent":
        s, expect = f"S-NOCONSENT-{rng.randrange(10**6)}", 403
    elif case == "unknown-class":
        u, cls, expect = USERS["bob"], "holiday", 400
        s = rng.choice([x for x in sessions if x.patient in u.patients]).name
    elif case == "no-class":
        s, cls, expect = rng.choice(sessions).name, None, 400
    elif case == "bad-session":
        s, expect = "bad%20session", 400
    elif case == "bad-token":
        s, u, expect = rng.choice(sessions).name, None, 401
    else:
        s, u, expect = rng.choice(sessions).name, USERS["eve"], 401
    status, doc, _ = send_upload(c, u, s, cls, body, rng.random() < 0.5, rng)
    if status != expect:
        fail("upload", ("negative", case, status), f"refused upload case {case} (session {s}, class {cls}): HTTP {status}, expected {expect}: {doc!r}")
    else:
        M.count("uploads_refused_as_expected")
    M.count("http_requests")


# ----------------------------------------------------------------------------------------------
# The admin worker: consent, withdrawals, holds, sweeps, the race probe.

def record_consent(name, patient, scopes):
    rows = cli_json(["consent", "record", "--session", name, "--patient", PATIENTS[patient]] + sum((["--scope", s] for s in scopes), [])
                    + ["--evidence", "soak form"])
    if sorted(r["scope"] for r in rows) != sorted(scopes):
        fail("cli", ("consent", name), f"consent record {name}: active scopes {[r['scope'] for r in rows]}, expected {scopes}")
    return Session(name, patient, scopes, datetime.date.fromisoformat(rows[0]["givenOn"]))


def check_after_withdrawal(c, sess, summary):
    """The trainer is refused on every live recording of the session, the clinician is not, and
    training recordings are now due 30 days after the withdrawal, for destruction."""
    with M.lock:
        live = [r for r in M.rec_list if r.session == sess.name and r.destroyed_at is None]
    want_revoked = sum(1 for r in live if r.trainer_wrap and not r.probe)
    if summary is not None:
        if summary.get("revokedRoles") != ["trainer"]:
            fail("withdrawal", sess.name, f"withdraw {sess.name}: revokedRoles {summary.get('revokedRoles')}, expected ['trainer']")
        if summary.get("wrapsRevoked") != want_revoked:
            fail("withdrawal", sess.name, f"withdraw {sess.name}: wrapsRevoked {summary.get('wrapsRevoked')}, expected {want_revoked}")
        missing = {r.id for r in live if not r.probe} - set(summary.get("recordings", []))
        if missing:
            fail("withdrawal", sess.name, f"withdraw {sess.name}: recordings {sorted(missing)} not in the summary")
    clinician = USERS["alice"] if sess.patient in USERS["alice"].patients else USERS["bob"]
    rng = random.Random(hash(sess.name) ^ SEED)
    for r in live:
        read_content(c, rng, r, USERS["tess"], full=False)
        read_content(c, rng, r, clinician, full=False)
        status, doc = read_meta(c, r, USERS["rob"])
        if doc is not None and r.cls == "training":
            ret = doc.get("retention", {})
            due = str(datetime.date.fromisoformat(sess.withdrawn_on) + datetime.timedelta(days=30))
            if ret.get("disposition") != "destroy" or ret.get("dueOn") != due:
                with M.lock:
                    M.wrong_due.add(r.id)
                fail("consent-withdrawal", (r.id, "due"), f"training recording {r.id} of session {sess.name} after the withdrawal of "
                     f"training: retention {ret.get('dueOn')} {ret.get('disposition')}, expected {due} destroy (withdrawal + 30 days' grace)")
        M.count("withdrawal_checks")


def withdraw(c, sess, probe=False):
    t_ws = now()
    with M.lock:
        sess.withdraw_start = t_ws
    summary = cli_json(["consent", "withdraw", "--session", sess.name, "--scope", "training"])
    t_we = now()
    with M.lock:
        sess.withdraw_end = t_we
        sess.withdrawn_on = summary.get("withdrawnOn")
        for r in M.rec_list:
            if r.session == sess.name and r.cls == "training" and r.destroyed_at is None and r.doomed_lo is None and not r.held:
                r.doomed_lo, r.doomed_hi = t_ws, t_we
    M.count("withdrawals")
    return summary


def reconcile_sweep(result, s_start, s_end):
    """After a far-future sweep: what `destroyed ls` lists must be exactly what the model says."""
    listed = cli_json(["destroyed", "ls"])
    ids = {d["recording"] for d in listed}
    t = now()
    with M.lock:
        gone_before = set(M.destroyed_ids)
        lost = gone_before - ids
        if lost:
            fail("destroyed-ls", "lost", f"destruction records disappeared: {sorted(lost)[:5]}")
        new = ids - gone_before
        for i in new:
            r = M.recs.get(i)
            if r is None:
                M.pending_destroyed[i] = s_end
                continue
            if r.doomed_lo is None or r.doomed_lo > s_end:
                fail("sweep-destroyed-kept", i, f"recording {i} ({r.cls}, session {r.session}{', held' if r.held else ''}) was destroyed by "
                     f"a sweep but must be kept")
            r.destroyed_at = t
        M.destroyed_ids = ids
        for r in M.rec_list:
            if r.doomed_hi is not None and r.destroyed_at is None and r.doomed_hi < s_start:
                why = "consent withdrawn" if r.cls == "training" else "supervision, 90 days"
                fail("sweep-kept-due", r.id, f"recording {r.id} ({r.cls}, session {r.session}, {why}) is due as of {FAR} "
                     f"but the sweep did not destroy it")
    if result.get("destroyed") != len(new):
        fail("sweep", ("count", s_start), f"sweep as of {FAR} said destroyed={result.get('destroyed')} but {len(new)} new destruction records")
    M.count("destroyed", len(new))
    return new


def far_sweep(c, rng):
    with M.lock:
        M.sweep_active = True
        M.sweep_epoch += 1
    try:
        s_start = now()
        result = cli_json(["--as-of", FAR], binary=SWEEP_BIN)
        s_end = now()
        new = reconcile_sweep(result, s_start, s_end)
    finally:
        with M.lock:
            M.sweep_active = False
            M.sweep_epoch += 1
    M.count("sweeps_far")
    # Over HTTP: each newly destroyed recording is gone for everyone; a few kept ones still read back.
    for i in sorted(new):
        r = M.recs.get(i)
        if r is not None:
            read_meta(c, r, USERS["rob"])
            read_content(c, rng, r, USERS["alice"] if r.patient in USERS["alice"].patients else USERS["bob"], full=False)
    with M.lock:
        kept = [r for r in M.rec_list if r.destroyed_at is None and r.doomed_lo is None]
    for r in rng.sample(kept, min(3, len(kept))):
        read_content(c, rng, r, USERS["rob"], full=False)


def today_sweep():
    result = cli_json(["sweep"])
    M.count("sweeps_today")
    if result.get("destroyed") != 0 or result.get("queuedForReview") != 0 or result.get("due"):
        fail("sweep", ("today", result.get("today")), f"`sweep` (today) destroyed {result.get('destroyed')}, queued "
             f"{result.get('queuedForReview')}, due {result.get('due')}: nothing is due today")


def place_hold(rng):
    with M.lock:
        cands = [r for r in M.rec_list if r.doomed_lo is not None and r.destroyed_at is None and not r.probe and not r.held
                 and r.id not in M.destroyed_ids]
    if not cands:
        return
    r = rng.choice(cands)
    cli(["hold", "place", "--recording", r.id, "--reason", "soak: complaint under investigation", "--ref", f"SOAK-{r.id[:8]}"])
    with M.lock:
        r.held = True
        r.doomed_lo = r.doomed_hi = None
    M.count("holds")


def race_probe(c, rng, k):
    """Withdraw training consent while a training upload to that session is in flight. Either the
    upload is refused, or the recording it makes must obey the withdrawal like any other: no
    trainer wrap, due 30 days after the withdrawal, destroyed by the far-future sweep."""
    sess = record_consent(f"S-PROBE-{k:04d}", 0, ["care", "training"])
    sess.probe = True
    with M.lock:
        M.sessions[sess.name] = sess
    size = 2 * MIB
    seed = (SEED << 24) ^ (0xF << 20) ^ k
    body = make_body(seed, size)
    pc = conn()
    pc.putrequest("POST", f"/api/recordings?session={sess.name}&class=training", skip_accept_encoding=True)
    pc.putheader("Authorization", "Bearer " + USERS["alice"].token)
    pc.putheader("Content-Length", str(size))
    pc.endheaders()
    t_start = now()
    pc.send(body[:MIB])
    # Wait until the server's ingest has begun (its staging row exists): read-only look at the catalog.
    staged = False
    deadline = now() + 60
    while now() < deadline:
        if staging_count(sess.name):
            staged = True
            break
        time.sleep(0.02)
    summary = withdraw(c, sess, probe=True)
    pc.send(body[MIB:])
    r = pc.getresponse()
    data = r.read()
    t_end = now()
    hdrs = {k2.lower(): v for k2, v in r.getheaders()}
    pc.close()
    M.count("race_probes")
    if not staged:
        log(f"race probe {k}: the upload's staging row never appeared; inconclusive")
    if r.status == 403:
        M.count("race_probe_refused")
        check_after_withdrawal(c, sess, summary)
        return
    if r.status != 201:
        fail("race-probe", sess.name, f"race probe {sess.name}: upload answered HTTP {r.status}, expected 201 or 403: {data[:200]!r}")
        return
    doc = json.loads(data)
    rec = register_upload(USERS["alice"], sess, "training", size, seed, hashlib.sha256(body).hexdigest(), t_start, t_end, doc, hdrs, probe=True)
    M.count("uploads")
    M.count("bytes_up", size)
    if rec is None:
        return
    if "trainer" in doc.get("wrappedFor", []):
        fail("consent-withdrawal", (rec.id, "probe-upload"),
             f"race probe: upload {rec.id} to {sess.name} (class training) was in flight while training consent was withdrawn; "
             f"it was committed after the withdrawal with wrappedFor {doc.get('wrappedFor')} and dueOn {doc.get('dueOn')}: "
             f"the withdrawn trainer role holds its key (expected: upload refused, or no trainer wrap and due "
             f"{sess.withdrawn_on} + 30 days for destruction)")
    check_after_withdrawal(c, sess, None)


def admin(stop):
    rng = random.Random(SEED * 1000 + 999)
    c = conn()
    k = 0
    next_probe = 1
    while not stop.is_set():
        k += 1
        try:
            # New session with every scope, for a random patient.
            sess = record_consent(f"S-{k:04d}", rng.randrange(6), ["care", "supervision", "training"])
            with M.lock:
                M.sessions[sess.name] = sess
            M.count("consents")
            # Withdraw training on an older session, preferring one that has training recordings.
            with M.lock:
                cands = [s for s in M.sessions.values() if s.training_active() and not s.probe and s is not sess]
                with_rec = {r.session for r in M.rec_list if r.cls == "training" and r.destroyed_at is None}
            pref = [s for s in cands if s.name in with_rec]
            if cands:
                target = rng.choice(pref or cands)
                with target.lock:
                    summary = withdraw(c, target)
                    check_after_withdrawal(c, target, summary)
            if RACE_PROBE and k == next_probe:
                race_probe(c, rng, k)
                next_probe = k + 8
            today_sweep()
            if k % 2 == 0:
                place_hold(rng)
            far_sweep(c, rng)
        except CLIError as e:
            fail("cli", str(e)[:80], f"admin: {e}")
        except Fatal:
            raise
        except Exception as e:
            fail("admin", type(e).__name__, f"admin: {type(e).__name__}: {e}\n{traceback.format_exc()}")
            c.close()
            c = conn()
        stop.wait(1.0)
    c.close()


# ----------------------------------------------------------------------------------------------
# Leak probe: after the concurrent phase, each request path alone, N times, on the warm server;
# the growth of RssAnon per request says which path keeps memory (a bounded cache does not grow
# by kilobytes per request once warm; a leak does, linearly).

LEAK_KIB_PER_OP = float(os.environ.get("SOAK_LEAK_KIB_PER_OP", "4"))


def leak_probe(pid):
    n = 1000 if SECONDS >= 120 else 150
    warm = 100 if SECONDS >= 120 else 30
    results = []
    with M.lock:
        kept = [r for r in M.rec_list if r.destroyed_at is None and r.doomed_lo is None and r.cls == "care"
                and r.patient in USERS["alice"].patients and r.size >= 64 * KIB]
        full = [s for s in M.sessions.values() if s.patient in USERS["alice"].patients and not s.probe
                and "supervision" in s.scopes]
        care_only = [s for s in M.sessions.values() if s.patient in USERS["alice"].patients and s.scopes == {"care"}]
    if not kept or not full or not care_only:
        fail("leak-probe", "setup", "leak probe: no suitable recording or session")
        return results
    rec = kept[0]
    sess_ok, sess_refused = full[0], care_only[0]
    alice = USERS["alice"]
    H = auth(alice)
    c = conn()
    seq = [0]

    def upload_ok():
        seq[0] += 1
        size = seq[0] % 7
        seed = (SEED << 24) ^ (0xE << 20) ^ seq[0]
        body = make_body(seed, size)
        t0 = now()
        c.request("POST", f"/api/recordings?session={sess_ok.name}&class=supervision", body=body,
                  headers=dict(H, **{"Content-Type": "application/octet-stream"}))
        r = c.getresponse()
        data = r.read()
        if r.status != 201:
            return r.status
        register_upload(alice, sess_ok, "supervision", size, seed, hashlib.sha256(body).hexdigest(), t0, now(), json.loads(data),
                        {k.lower(): v for k, v in r.getheaders()})
        M.count("uploads")
        M.count("uploads_leak_probe")
        M.count("bytes_up", size)
        return 201

    def upload_refused():
        c.request("POST", f"/api/recordings?session={sess_refused.name}&class=training", body=b"x" * 100, headers=H)
        r = c.getresponse()
        r.read()
        if r.status == 403:
            M.count("uploads_refused_as_expected")
            return 201
        return r.status

    want_slice = body_of(rec)

    def range_read():
        a = (seq[0] * 7919) % (rec.size - 4096)
        seq[0] += 1
        c.request("GET", f"/api/recordings/{rec.id}/content", headers=dict(H, Range=f"bytes={a}-{a + 4095}"))
        r = c.getresponse()
        data = r.read()
        if r.status == 206 and data != want_slice[a:a + 4096]:
            fail("corrupt", (rec.id, "leak-probe"), f"leak probe: bytes {a}-{a + 4095} of {rec.id} differ from what was uploaded")
        if r.status == 206:
            M.count("downloads_range")
            M.count("bytes_down", len(data))
            return 201
        return r.status

    def simple(path, want):
        def op():
            c.request("GET", path, headers=H)
            r = c.getresponse()
            r.read()
            return 201 if r.status == want else r.status
        return op

    paths = [("upload 201 (supervision, 0-6 bytes)", upload_ok),
             ("upload 403 (class not consented)", upload_refused),
             ("range read 4 KiB", range_read),
             ("metadata", simple(f"/api/recordings/{rec.id}", 200)),
             ("listing one session", simple(f"/api/recordings?session={rec.session}", 200)),
             ("whoami", simple("/api/whoami", 200))]
    t_all = now()
    for name, op in paths:
        bad = 0
        for _ in range(warm):
            bad += op() != 201
        time.sleep(0.3)
        before = proc_status(pid, "RssAnon") or 0
        for _ in range(n):
            bad += op() != 201
        time.sleep(0.3)
        after = proc_status(pid, "RssAnon") or 0
        per_op = (after - before) / n
        M.count("http_requests", warm + n)
        results.append((name, per_op, after - before))
        if bad:
            fail("leak-probe", (name, "status"), f"leak probe, {name}: {bad} of {warm + n} requests had an unexpected status")
        growth = after - before
        if growth > max(1024, n * LEAK_KIB_PER_OP):
            fail("memory", ("leak", name), f"memory leak: {n} requests of one kind ({name}) on the warm server grew its anonymous "
                 f"memory (RssAnon) by {growth / 1024:.1f} MiB, {per_op:.1f} KiB per request (limit {LEAK_KIB_PER_OP:.0f} KiB per "
                 f"request, at least 1 MiB in all)")
    c.close()
    log(f"leak probe ({n} requests per path after {warm} to warm up, {now() - t_all:.1f} s), RssAnon growth per request: "
        + "; ".join(f"{name} {per_op:+.2f} KiB" for name, per_op, _ in results))
    return results


# ----------------------------------------------------------------------------------------------
# Memory sampler.

def proc_status(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])   # kB
    except OSError:
        return None
    return None


def sampler(pid, stop, samples, path):
    """VmRSS every second (the criterion), with RssAnon (heap, stacks, SQLite's page cache) and
    RssFile (mapped code and files) beside it in rss.tsv, to tell a heap leak from code paging in."""
    with open(path, "w") as out:
        out.write("seconds\tVmRSS_kB\tRssAnon_kB\tRssFile_kB\n")
        while not stop.is_set():
            v = proc_status(pid, "VmRSS")
            if v is not None:
                t = now()
                samples.append((t, v))
                out.write(f"{t - T0:.1f}\t{v}\t{proc_status(pid, 'RssAnon')}\t{proc_status(pid, 'RssFile')}\n")
                out.flush()
            stop.wait(1.0)


# ----------------------------------------------------------------------------------------------
# Set-up, run, checks.

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def set_pdeathsig():
    # The server dies with this driver, whatever kills it.
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except Exception:
        pass


def start_server():
    for attempt in range(5):
        Env.port = free_port()
        logf = open(os.path.join(Env.tmp, "serve.log"), "ab")
        env = dict(os.environ, SESSIONVAULT_DIR=Env.vault, SESSIONVAULT_PASSPHRASE=PASSPHRASE)
        p = subprocess.Popen([BIN, "serve", "--listen", f"127.0.0.1:{Env.port}", "--log-level", "warning"],
                             env=env, stdout=logf, stderr=subprocess.STDOUT, preexec_fn=set_pdeathsig)
        Env.server = p
        deadline = now() + 120
        while now() < deadline:
            if p.poll() is not None:
                break
            try:
                c = http.client.HTTPConnection("127.0.0.1", Env.port, timeout=5)
                c.request("GET", "/healthz")
                r = c.getresponse()
                body = r.read()
                c.close()
                if r.status == 200 and b'"ok"' in body:
                    return p
            except OSError:
                pass
            time.sleep(0.1)
        if p.poll() is None:
            raise Fatal("the server did not answer /healthz within 120 s")
        with open(os.path.join(Env.tmp, "serve.log"), "rb") as f:
            tail = f.read()[-2000:].decode(errors="replace")
        if "in use" not in tail.lower():
            raise Fatal(f"the server exited with status {p.returncode} at start: {tail.strip()[-500:]}")
        log(f"port {Env.port} was taken; retrying")
    raise Fatal("could not start the server on a free port")


def kill_server():
    p = Env.server
    if p is not None and p.poll() is None:
        p.kill()
        p.wait()


def psql_binary():
    found = shutil.which("psql")
    if found:
        return found
    for d in sorted(os.listdir("/usr/lib/postgresql") if os.path.isdir("/usr/lib/postgresql") else [], reverse=True):
        candidate = f"/usr/lib/postgresql/{d}/bin/psql"
        if os.access(candidate, os.X_OK):
            return candidate
    raise Fatal("SOAK_BACKEND=scaleout needs psql (Debian's postgresql-client)")


def psql(url, sql):
    p = subprocess.run([psql_binary(), url, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql],
                       capture_output=True, timeout=60)
    if p.returncode != 0:
        raise Fatal(f"psql {sql!r}: {p.stderr.decode(errors='replace').strip()}")
    return p.stdout.decode().strip()


def staging_count(session):
    """How many recordings of `session` are being ingested: a read-only look at the catalog."""
    if Env.catalog_url:
        return int(psql(Env.catalog_url, f"SELECT count(*) FROM recordings WHERE state = 'staging' AND session = '{session}'") or 0)
    db = sqlite3.connect(f"file:{Env.vault}/catalog.sqlite?mode=ro", uri=True, timeout=30)
    try:
        return db.execute("SELECT count(*) FROM recordings WHERE state = 'staging' AND session = ?", (session,)).fetchone()[0]
    finally:
        db.close()


def backend_arguments():
    """`init` arguments for SOAK_BACKEND: none for the embedded default; for scaleout a fresh
    database and bucket on the test servers (credentials go into this process's environment, which
    the CLI and the server inherit)."""
    if BACKEND == "embedded":
        return []
    if BACKEND != "scaleout":
        raise Fatal(f"SOAK_BACKEND={BACKEND!r}: expected embedded or scaleout")
    env = os.environ
    base, endpoint = env.get("SESSIONVAULT_TEST_POSTGRES_URL"), env.get("SESSIONVAULT_TEST_S3_ENDPOINT")
    if not base or not endpoint:
        raise Fatal("SOAK_BACKEND=scaleout needs SESSIONVAULT_TEST_POSTGRES_URL and SESSIONVAULT_TEST_S3_ENDPOINT: "
                    "run it under scripts/with-test-servers.sh")
    name = f"soak_{SEED}_{os.getpid()}"
    psql(base, f"CREATE DATABASE {name}")
    path, _, query = base.partition("?")
    Env.catalog_url = path.rsplit("/", 1)[0] + "/" + name + (("?" + query) if query else "")
    os.environ["SESSIONVAULT_S3_ACCESS_KEY"] = env["SESSIONVAULT_TEST_S3_ACCESS_KEY"]
    os.environ["SESSIONVAULT_S3_SECRET_KEY"] = env["SESSIONVAULT_TEST_S3_SECRET_KEY"]
    region = env.get("SESSIONVAULT_TEST_S3_REGION", "us-east-1")
    bucket = f"soak-{SEED}-{os.getpid()}"
    log(f"scale-out backends: catalog {Env.catalog_url}, bucket {bucket} at {endpoint} (lock {S3_LOCK})")
    return ["--catalog", Env.catalog_url, "--blobs", f"s3://{bucket}?endpoint={endpoint}&region={region}&style=path&lock={S3_LOCK}"]


def setup():
    vault_dir = Env.vault
    cli(["init", "--chunk-size", "256KiB", "--kdf", "interactive"] + backend_arguments())
    for role in ("clinician", "records-officer", "supervisor", "trainer"):
        cli(["role", "add", role])

    def add_user(u):
        args = ["user", "add", u.name, "--role", u.role]
        for p in sorted(u.patients):
            args += ["--patient", PATIENTS[p]]
        u.token = cli_json(args)["token"]

    def consent(spec):
        name, patient, scopes = spec
        return record_consent(name, patient, scopes)

    # Initial sessions: two per patient with every scope, one care-only (training and supervision uploads refused).
    specs = []
    for p in range(6):
        specs.append((f"S-INIT-{p}-A", p, ["care", "supervision", "training"]))
        specs.append((f"S-INIT-{p}-B", p, ["care", "supervision", "training"] if p % 2 else ["care"]))
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        list(ex.map(add_user, USERS.values()))
        for s in ex.map(consent, specs):
            M.sessions[s.name] = s
    cli(["user", "revoke", "eve"])
    log(f"vault ready in {vault_dir}: 4 roles, {len(USERS)} users (eve revoked), {len(M.sessions)} sessions")


def summary_rss(samples):
    vals = [v for _, v in samples]
    n = len(vals)
    q = n // 4
    q2 = vals[q:2 * q] if q else vals
    q4 = vals[3 * q:] if q else vals
    return vals, statistics.median(q2), statistics.median(q4)


def main():
    log(f"SessionVault soak: {SECONDS:.0f} s, {BACKEND} backends, seed {SEED}, {UPLOADERS} uploaders, {READERS} readers, 1 admin, "
        f"race probe {'on' if RACE_PROBE else 'off'}, binary {BIN}; {os.cpu_count()} CPUs, load average {loadavg()}")
    if not os.access(BIN, os.X_OK):
        raise Fatal(f"{BIN} is not executable")
    Env.tmp = tempfile.mkdtemp(prefix="sessionvault-soak.")
    Env.vault = os.path.join(Env.tmp, "vault")
    Env.cli_log = os.path.join(Env.tmp, "cli.log")
    log(f"work directory {Env.tmp}")
    atexit.register(kill_server)
    setup()
    server = start_server()
    pid = server.pid
    log(f"server pid {pid} on 127.0.0.1:{Env.port}")

    stop = threading.Event()
    sample_stop = threading.Event()
    samples = []
    rss_path = os.path.join(Env.tmp, "rss.tsv")
    threads = [threading.Thread(target=sampler, args=(pid, sample_stop, samples, rss_path), name="sampler", daemon=True)]
    threads_work = [threading.Thread(target=uploader, args=(i, stop), name=f"uploader-{i}", daemon=True) for i in range(UPLOADERS)]
    threads_work += [threading.Thread(target=reader, args=(i, stop), name=f"reader-{i}", daemon=True) for i in range(READERS)]
    threads_work += [threading.Thread(target=admin, args=(stop,), name="admin", daemon=True)]
    for t in threads + threads_work:
        t.start()
    run_start = now()
    last = run_start
    while now() - run_start < SECONDS:
        time.sleep(max(0.0, min(1.0, SECONDS - (now() - run_start))))
        if server.poll() is not None:
            fail("server", "exit", f"the server exited during the run with status {server.returncode}")
            break
        if now() - last >= 30:
            last = now()
            s = M.stats
            rss = samples[-1][1] / 1024 if samples else 0
            log(f"{now() - run_start:.0f}s: uploads {s['uploads']}, range {s['downloads_range']}, full {s['downloads_full']}, "
                f"withdrawals {s['withdrawals']}, far sweeps {s['sweeps_far']}, destroyed {s['destroyed']}, "
                f"RSS {rss:.1f} MiB, errors {ERR.count}")
    stop.set()
    for t in threads_work:
        t.join(timeout=300)
        if t.is_alive():
            fail("hang", t.name, f"worker {t.name} did not stop within 300 s of the end of the run")
    run_seconds = now() - run_start
    sample_stop.set()
    threads[0].join(timeout=5)
    log(f"concurrent phase over after {run_seconds:.1f} s (load average {loadavg()}); checking")

    # Each request path alone: does it keep memory per request?
    leaks = []
    if server.poll() is None:
        try:
            leaks = leak_probe(pid)
        except Exception as e:
            fail("leak-probe", type(e).__name__, f"leak probe: {type(e).__name__}: {e}")

    # Metrics: no 5xx, byte counters at least what the driver saw.
    metrics = {}
    hwm = proc_status(pid, "VmHWM")
    if server.poll() is None:
        try:
            rep = get(conn(), "/metrics", {})
            five = 0
            for line in rep.body.decode().splitlines():
                if line.startswith("sessionvault_http_requests_total{") and 'status="5' in line:
                    five += int(float(line.rsplit(" ", 1)[1]))
                elif line.startswith("sessionvault_http_bytes_") or line.startswith("sessionvault_http_streams_rejected_total"):
                    k2, v = line.rsplit(" ", 1)
                    metrics[k2] = int(float(v))
            if five:
                fail("metrics", "5xx", f"/metrics counts {five} answers with a 5xx status")
            if metrics.get("sessionvault_http_bytes_received_total", 0) < M.stats["bytes_up"]:
                fail("metrics", "received", f"/metrics bytes received {metrics.get('sessionvault_http_bytes_received_total')} < "
                     f"{M.stats['bytes_up']} bytes uploaded")
            if metrics.get("sessionvault_http_bytes_served_total", 0) < M.stats["bytes_down"]:
                fail("metrics", "served", f"/metrics bytes served {metrics.get('sessionvault_http_bytes_served_total')} < "
                     f"{M.stats['bytes_down']} bytes downloaded")
        except Exception as e:
            fail("metrics", "get", f"GET /metrics: {type(e).__name__}: {e}")

    # SIGTERM: exit 0 within 30 s.
    if server.poll() is None:
        t_term = now()
        server.send_signal(signal.SIGTERM)
        try:
            rc = server.wait(timeout=30)
            log(f"server stopped by SIGTERM in {now() - t_term:.1f} s, exit status {rc}")
            if rc != 0:
                fail("sigterm", "rc", f"the server exited with status {rc} after SIGTERM (expected 0)")
        except subprocess.TimeoutExpired:
            fail("sigterm", "timeout", "the server did not exit within 30 s of SIGTERM")
            kill_server()

    # A last far-future sweep: every doomed recording must now be destroyed, every kept one not.
    with M.lock:
        M.sweep_active = True
    s_start = now()
    result = cli_json(["--as-of", FAR], binary=SWEEP_BIN)
    reconcile_sweep(result, s_start, now())
    M.count("sweeps_far")
    with M.lock:
        M.sweep_active = False
        if M.pending_destroyed:
            fail("destroyed-ls", "unknown", f"destruction records of recordings the soak never uploaded: {sorted(M.pending_destroyed)[:5]}")
        if M.unknown_listed:
            fail("listing", "unknown", f"listed ids the soak never uploaded: {sorted(M.unknown_listed)[:5]}")

    # verify, fsck, audit verify.
    for args in (["verify"], ["fsck"], ["audit", "verify"]):
        p = cli(args + ["--json"], check=False)
        name = " ".join(args)
        try:
            doc = json.loads(p.stdout)
        except ValueError:
            doc = None
        if p.returncode != 0 or doc is None:
            fail("final", name, f"`sessionvault {name}` exited {p.returncode}: {p.stdout.decode(errors='replace')[-800:]} "
                 f"{p.stderr.decode(errors='replace')[-400:]}")
            continue
        findings = doc.get("problems", doc.get("findings", []))
        seen = collections.Counter(json.dumps(x, sort_keys=True) for x in findings)
        dups = [json.loads(k) for k, n in seen.items() if n > 1]
        if dups:
            fail("final", name + " duplicates", f"`sessionvault {name}` reports the same finding more than once "
                 f"({len(findings)} findings, {len(seen)} distinct), e.g. {json.dumps(dups[0])}")
        if findings:
            fail("final", name, f"`sessionvault {name}` reports {len(findings)} finding(s): {json.dumps(findings[:5])}")
        if name == "fsck":
            named = {f.get("subject", "").split(" ")[-1] for f in findings if f.get("kind") == "due-date"}
            with M.lock:
                missed = {i for i in M.wrong_due if M.recs[i].destroyed_at is None} - named
            if missed:
                fail("final", "fsck missed", f"`sessionvault fsck` does not report {len(missed)} recording(s) whose due date the "
                     f"soak saw disagree with the schedule (it reports {len(named)}): {sorted(missed)[:5]}")
        log(f"{name}: exit 0, {len(findings)} findings ({', '.join(f'{k}={v}' for k, v in doc.items() if isinstance(v, int))})")

    # The catalog agrees with the model.
    live = {d["id"] for d in cli_json(["ls"])}
    with M.lock:
        kept = {r.id for r in M.rec_list if r.destroyed_at is None}
        destroyed = {r.id for r in M.rec_list if r.destroyed_at is not None}
        should_go = {r.id for r in M.rec_list if r.doomed_lo is not None}
    if live != kept:
        fail("final", "ls", f"`ls` lists {len(live)} live recordings, the model {len(kept)}: extra {sorted(live - kept)[:5]}, "
             f"missing {sorted(kept - live)[:5]}")
    leftover = kept & should_go
    if leftover:
        fail("final", "doomed-live", f"{len(leftover)} recording(s) due for destruction still live after the final sweep: {sorted(leftover)[:5]}")
    gone = {d["recording"] for d in cli_json(["destroyed", "ls"])}
    if gone != destroyed:
        fail("final", "destroyed-ls", f"`destroyed ls` has {len(gone)} records, the model {len(destroyed)}")

    # Every kept recording reads back through the CLI as the clinician, bit-exact.
    with M.lock:
        to_read = [r for r in M.rec_list if r.destroyed_at is None]
        gone_sample = [r for r in M.rec_list if r.destroyed_at is not None][:3]

    def cli_get(r):
        p = cli(["get", r.id, "--as", "clinician", "--purpose", "soak final check"], check=False, binary_out=True)
        return r, p

    read_back = 0
    t_get = now()
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        for r, p in ex.map(cli_get, to_read):
            if p.returncode != 0:
                fail("final-get", r.id, f"`get {r.id} --as clinician` exited {p.returncode}: {p.stderr.decode(errors='replace').strip()[-300:]}")
            elif hashlib.sha256(p.stdout).hexdigest() != r.sha or len(p.stdout) != r.size:
                fail("corrupt", (r.id, "cli"), f"`get {r.id} --as clinician`: {len(p.stdout)} bytes, SHA-256 "
                     f"{hashlib.sha256(p.stdout).hexdigest()}; expected {r.size} bytes, {r.sha}")
            else:
                read_back += 1
        for r, p in ex.map(cli_get, gone_sample):
            if p.returncode == 0 or p.stdout:
                fail("final-get", r.id, f"`get {r.id}` of a destroyed recording exited {p.returncode} with {len(p.stdout)} bytes")
    log(f"CLI get: {read_back}/{len(to_read)} kept recordings read back with the right SHA-256 ({now() - t_get:.1f} s); "
        f"{len(gone_sample)} destroyed ones refused")

    # Memory.
    rss_ok = True
    if len(samples) >= 8:
        vals, q2, q4 = summary_rss(samples)
        allowed = q2 + max(RSS_MARGIN_MIB * 1024, q2 * RSS_MARGIN_PCT / 100)
        half = samples[len(samples) // 2:]
        slope = 0.0
        if len(half) >= 2:
            ts = [t for t, _ in half]
            vs = [v for _, v in half]
            mt, mv = statistics.mean(ts), statistics.mean(vs)
            den = sum((t - mt) ** 2 for t in ts)
            slope = sum((t - mt) * (v - mv) for t, v in zip(ts, vs)) / den if den else 0.0
        log(f"RSS ({len(vals)} samples, MiB): start {vals[0] / 1024:.1f}, min {min(vals) / 1024:.1f}, peak {max(vals) / 1024:.1f} "
            f"(VmHWM {hwm / 1024 if hwm else 0:.1f}), end {vals[-1] / 1024:.1f}; median Q2 {q2 / 1024:.1f}, Q3 "
            f"{statistics.median(vals[len(vals) // 2:3 * len(vals) // 4] or vals) / 1024:.1f}, Q4 {q4 / 1024:.1f} "
            f"(allowed {allowed / 1024:.1f}); second-half slope {slope * 60 / 1024:+.2f} MiB/min")
        if q4 > allowed:
            rss_ok = False
            fail("memory", "growth", f"memory grew: median RSS of the last quarter {q4 / 1024:.1f} MiB > median of the second quarter "
                 f"{q2 / 1024:.1f} MiB + max({RSS_MARGIN_MIB:.0f} MiB, {RSS_MARGIN_PCT:.0f}%) = {allowed / 1024:.1f} MiB")
    else:
        vals = [v for _, v in samples] or [0]
        fail("memory", "samples", f"only {len(samples)} RSS samples: the run is too short to judge memory")

    s = M.stats
    mib = lambda b: b / MIB
    with open(os.path.join(Env.tmp, "serve.log"), errors="replace") as f:
        errlines = [line.rstrip() for line in f if " error " in line or " critical " in line]
    log(f"server log: {len(errlines)} error line(s)" + "".join(f"\n    {line[:300]}" for line in errlines[:5]))
    print(f"SOAK {'PASS' if ERR.count == 0 else 'FAIL'}: duration {run_seconds:.0f} s (seed {SEED}); "
          f"uploads {s['uploads']} ({s['uploads_content_length']} Content-Length, {s['uploads_chunked']} chunked, "
          f"{s['race_probes'] - s['race_probe_refused']} by the race probe, {s['uploads_leak_probe']} by the leak probe) "
          f"+ {s['uploads_refused_as_expected']} refused as expected; "
          f"downloads {s['downloads_full'] + s['downloads_range'] + s['downloads_multipart']} (full {s['downloads_full']}, "
          f"range {s['downloads_range']}, multi-range {s['downloads_multipart']}) "
          f"+ {s['range_416_as_expected']} 416, {s['reads_refused_as_expected']} refused and {s['reads_gone_as_expected']} gone as expected, "
          f"{s['reads_cut_by_sweep']} cut by a sweep; metadata {s['metadata_reads']}, listings {s['listings']}; "
          f"withdrawals {s['withdrawals']} (race probes {s['race_probes']}), holds {s['holds']}, "
          f"sweeps {s['sweeps_today']} today + {s['sweeps_far']} far-future, destroyed {s['destroyed']}, kept {len(kept)} "
          f"(all read back: {read_back}); bytes uploaded {mib(s['bytes_up']):.1f} MiB, downloaded {mib(s['bytes_down']):.1f} MiB; "
          f"errors {ERR.count} ({len(ERR.first)} distinct); RSS start {vals[0] / 1024:.1f} / peak {max(vals) / 1024:.1f} / end {vals[-1] / 1024:.1f} MiB",
          flush=True)
    return ERR.count == 0


def run():
    ok = False

    def on_signal(signum, frame):
        ABORTED.set()
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        ok = main()
    except Fatal as e:
        log(f"FAIL: {e}")
    except CLIError as e:
        log(f"FAIL: {e}")
    except KeyboardInterrupt as e:
        ABORTED.set()
        log(f"interrupted ({e})")
    except Exception:
        log("FAIL: unexpected error in the driver:\n" + traceback.format_exc())
    finally:
        kill_server()
    if not ok:
        kinds = ERR.kinds()
        if ERR.count:
            log(f"{ERR.count} failed check(s): " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
            # Up to 3 distinct failures of each kind, so that one noisy bug does not hide another.
            shown = collections.Counter()
            with ERR.lock:
                first = list(ERR.first.items())
            for (kind, _), (msg, n) in first:
                if shown[kind] < 3:
                    shown[kind] += 1
                    print(f"  - [{kind}] x{n}: {msg}", file=sys.stderr)
            hidden = len(first) - sum(shown.values())
            if hidden:
                print(f"  ... and {hidden} more distinct failure(s) (all printed above as they happened)", file=sys.stderr)
        if Env.tmp:
            log(f"kept for inspection: {Env.tmp} (serve.log, cli.log, vault/)")
        return 1
    if Env.tmp and not KEEP:
        shutil.rmtree(Env.tmp, ignore_errors=True)
    elif Env.tmp:
        log(f"kept (SOAK_KEEP=1): {Env.tmp}")
    return 0


if __name__ == "__main__":
    sys.exit(run())
