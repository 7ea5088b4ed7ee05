#!/usr/bin/env python3
"""Seeds a SessionVault catalog with many synthetic recordings for the sweep benchmark.

Usage: seed_catalog.py VAULT_DIR TOTAL DUE TODAY [--same-due-date]

Each synthetic recording has exactly the rows a real one-chunk recording ingested through the CLI
has (see `sweep-bench.sh`, which ingests one and prints its rows first):
  recordings: state 'live', class 'supervision', disposition 'destroy', chunk_count 1, a manifest
              in the same JSON shape (sorted keys) with a random digest root, a 32-byte tag;
  chunks:     one row (idx 0, sealed size 156, 32-byte digest);
  wraps:      two rows (records-officer and supervisor, 96 bytes each, the vault's real key ids).
DUE of them have due_on before TODAY (spread over the previous 1,000 days, or all on TODAY-1 with
--same-due-date), the rest after it (spread over the next 3,000 days). Ids are random 16-byte
values, inserted in id order. Everything is written in one transaction with synchronous=OFF (this
is set-up, not the thing measured), then the WAL is checkpointed and truncated.

For each due recording, its one sealed chunk (156 random bytes, as the real one) is written at the
path ChunkLayout gives: blobs/chunks/<first 2 hex>/<32 hex>/00000000 (directories 0700, files 0600,
no fsync). The audit table is not seeded: its hash chain cannot be forged from outside.
"""
import os
import sqlite3
import sys
import time


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    same_day = "--same-due-date" in sys.argv[1:]
    if len(args) != 4:
        sys.exit(__doc__)
    vault, total, due, today = args[0], int(args[1]), int(args[2]), args[3]
    if not 0 <= due <= total:
        sys.exit("DUE must be between 0 and TOTAL")
    catalog = os.path.join(vault, "catalog.sqlite")
    started = time.monotonic()
    db = sqlite3.connect(catalog, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-262144")  # 256 MiB for the set-up only
    db.execute("PRAGMA temp_store=MEMORY")
    keys = dict(db.execute("SELECT name, key_id FROM roles"))
    for role in ("records-officer", "supervisor"):
        if role not in keys:
            sys.exit(f"role {role} missing: run `sessionvault role add {role}` first")
    rule = db.execute("SELECT retention_rule FROM recordings WHERE class = 'supervision' LIMIT 1").fetchone()
    rule = rule[0] if rule else "supervision: 90d after captured"

    db.execute("BEGIN")
    db.execute("DROP TABLE IF EXISTS temp.seed")
    db.execute("CREATE TEMP TABLE seed (n INTEGER PRIMARY KEY, id BLOB NOT NULL, hex TEXT)")
    db.execute("""
        INSERT INTO temp.seed (n, id)
        WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ?)
        SELECT n, randomblob(16) FROM c
        """, (total,))
    # From the stored id (SQLite may evaluate randomblob() once per use in a single statement).
    db.execute("UPDATE temp.seed SET hex = lower(hex(id))")
    due_expr = "date(:today, '-1 day')" if same_day else "date(:today, '-' || (1 + n % 1000) || ' days')"
    db.execute(f"""
        INSERT INTO recordings (id, state, session, patient, clinician, class, media_type, byte_count, chunk_size,
            chunk_count, algorithm, manifest, manifest_tag, created_at_ms, captured_on, due_on, disposition, retention_rule)
        SELECT s.id, 'live', 'B-' || s.n, lower(hex(randomblob(32))), 'dr-bench', 'supervision',
            'application/octet-stream', 100, 4194304, 1, 1,
            CAST('{{"algorithm":1,"byteCount":100,"capturedOn":"' || d.captured || '","chunkCount":1,"chunkSize":4194304,'
                 || '"digestRoot":"' || lower(hex(randomblob(32))) || '","format":1,"mediaType":"application\\/octet-stream",'
                 || '"recording":"' || substr(s.hex, 1, 8) || '-' || substr(s.hex, 9, 4) || '-' || substr(s.hex, 13, 4) || '-'
                 || substr(s.hex, 17, 4) || '-' || substr(s.hex, 21) || '","retentionClass":"supervision","session":"B-' || s.n || '"}}'
                 AS BLOB),
            randomblob(32), CAST((julianday(d.captured) - 2440587.5) * 86400000 AS INTEGER), d.captured, d.due_on,
            'destroy', :rule
        FROM temp.seed s
        JOIN (SELECT n, due_on, date(due_on, '-90 days') AS captured FROM (
                SELECT n, CASE WHEN n <= :due THEN {due_expr}
                               ELSE date(:today, '+' || (1 + n % 3000) || ' days') END AS due_on
                FROM temp.seed)) d ON d.n = s.n
        ORDER BY s.id
        """, {"today": today, "due": due, "rule": rule})
    db.execute("""
        INSERT INTO chunks (recording_id, idx, sealed_size, digest)
        SELECT id, 0, 156, randomblob(32) FROM temp.seed ORDER BY id
        """)
    db.execute("""
        INSERT INTO wraps (recording_id, role, key_id, wrapped)
        SELECT s.id, r.role, r.key_id, randomblob(96) FROM temp.seed s
        CROSS JOIN (SELECT 'records-officer' AS role, :ro AS key_id UNION ALL SELECT 'supervisor', :sv) r
        ORDER BY s.id, r.role
        """, {"ro": keys["records-officer"], "sv": keys["supervisor"]})
    db.execute("COMMIT")
    seeded = time.monotonic()

    blobs = os.path.join(vault, "blobs")
    payload_size = 156
    count = 0
    for (hexid,) in db.execute("SELECT hex FROM temp.seed WHERE n <= ? ORDER BY hex", (due,)):
        shard = os.path.join(blobs, "chunks", hexid[:2])
        directory = os.path.join(shard, hexid)
        try:
            os.mkdir(directory, 0o700)
        except FileNotFoundError:
            os.makedirs(shard, 0o700, exist_ok=True)
            os.mkdir(directory, 0o700)
        fd = os.open(os.path.join(directory, "00000000"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, os.urandom(payload_size))
        os.close(fd)
        count += 1
    db.execute("DROP TABLE temp.seed")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    done = time.monotonic()
    print(f"seeded {total} recordings ({due} due before {today}{', all on one day' if same_day else ''}) "
          f"in {seeded - started:.1f} s; wrote {count} chunk files in {done - seeded:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
