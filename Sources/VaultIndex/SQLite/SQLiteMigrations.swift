/// The catalog schema, as an ordered list of named migrations. A migration is never edited once
/// released: a change is a new migration appended at the end.
enum SQLiteMigrations {
    struct Migration {
        let name: String
        let sql: String
    }

    static let all: [Migration] = [
        Migration(name: "0001-core", sql: """
            CREATE TABLE vault_meta (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );
            CREATE TABLE roles (
                name TEXT PRIMARY KEY,
                public_key BLOB NOT NULL,
                key_id TEXT NOT NULL,
                created_at_ms INTEGER NOT NULL
            );
            CREATE TABLE patients (
                pseudonym TEXT PRIMARY KEY,
                identifier_sealed BLOB NOT NULL,
                last_contact TEXT,
                discharged TEXT,
                died TEXT
            );
            CREATE TABLE consents (
                id INTEGER PRIMARY KEY,
                session TEXT NOT NULL,
                patient TEXT NOT NULL REFERENCES patients(pseudonym),
                scope TEXT NOT NULL,
                evidence_sealed BLOB,
                given_on TEXT NOT NULL,
                recorded_at_ms INTEGER NOT NULL,
                withdrawn_on TEXT,
                withdrawal_recorded_at_ms INTEGER
            );
            CREATE INDEX consents_session ON consents(session);
            CREATE UNIQUE INDEX consents_active_scope ON consents(session, scope) WHERE withdrawn_on IS NULL;
            CREATE TABLE recordings (
                id BLOB PRIMARY KEY,
                state TEXT NOT NULL CHECK (state IN ('staging', 'live', 'disposing', 'destroyed')),
                session TEXT NOT NULL,
                patient TEXT,
                clinician TEXT NOT NULL,
                class TEXT NOT NULL,
                media_type TEXT,
                byte_count INTEGER,
                chunk_size INTEGER,
                chunk_count INTEGER,
                algorithm INTEGER,
                manifest BLOB,
                manifest_tag BLOB,
                created_at_ms INTEGER NOT NULL,
                captured_on TEXT,
                due_on TEXT,
                disposition TEXT,
                retention_rule TEXT,
                source_id BLOB,
                media_facts TEXT,
                staging_pid INTEGER,
                staging_host TEXT
            );
            CREATE INDEX recordings_patient ON recordings(patient);
            CREATE INDEX recordings_session ON recordings(session);
            CREATE INDEX recordings_created ON recordings(created_at_ms);
            CREATE INDEX recordings_due ON recordings(due_on) WHERE state = 'live' AND due_on IS NOT NULL;
            CREATE INDEX recordings_state ON recordings(state) WHERE state <> 'live' AND state <> 'destroyed';
            CREATE TABLE chunks (
                recording_id BLOB NOT NULL REFERENCES recordings(id),
                idx INTEGER NOT NULL,
                sealed_size INTEGER NOT NULL,
                digest BLOB NOT NULL,
                PRIMARY KEY (recording_id, idx)
            ) WITHOUT ROWID;
            CREATE TABLE wraps (
                recording_id BLOB NOT NULL REFERENCES recordings(id),
                role TEXT NOT NULL,
                key_id TEXT NOT NULL,
                wrapped BLOB NOT NULL,
                PRIMARY KEY (recording_id, role)
            ) WITHOUT ROWID;
            CREATE INDEX wraps_role_key ON wraps(role, key_id);
            CREATE TABLE audit (
                seq INTEGER PRIMARY KEY,
                time_ms INTEGER NOT NULL,
                actor TEXT NOT NULL,
                role TEXT,
                action TEXT NOT NULL,
                target TEXT,
                purpose TEXT,
                outcome TEXT NOT NULL,
                detail TEXT,
                prev_hash BLOB NOT NULL,
                hash BLOB NOT NULL
            );
            CREATE INDEX audit_target ON audit(target);
            """),
        Migration(name: "0002-retention", sql: """
            CREATE TABLE holds (
                id INTEGER PRIMARY KEY,
                recording_id BLOB,
                patient TEXT,
                reason TEXT NOT NULL,
                case_ref TEXT NOT NULL,
                placed_by TEXT NOT NULL,
                placed_at_ms INTEGER NOT NULL,
                released_by TEXT,
                released_at_ms INTEGER,
                CHECK ((recording_id IS NULL) <> (patient IS NULL))
            );
            CREATE INDEX holds_active_recording ON holds(recording_id) WHERE released_at_ms IS NULL AND recording_id IS NOT NULL;
            CREATE INDEX holds_active_patient ON holds(patient) WHERE released_at_ms IS NULL AND patient IS NOT NULL;
            CREATE TABLE dispositions (
                recording_id BLOB PRIMARY KEY REFERENCES recordings(id),
                status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'extended')),
                due_on TEXT NOT NULL,
                rule TEXT,
                queued_at_ms INTEGER NOT NULL,
                decided_by TEXT,
                decided_at_ms INTEGER,
                extended_until TEXT,
                reason TEXT
            );
            CREATE INDEX dispositions_status ON dispositions(status);
            CREATE TABLE destructions (
                recording_id BLOB PRIMARY KEY,
                patient TEXT,
                class TEXT NOT NULL,
                rule TEXT,
                due_on TEXT,
                authorised_by TEXT NOT NULL,
                started_at_ms INTEGER NOT NULL,
                destroyed_at_ms INTEGER NOT NULL,
                chunk_count INTEGER NOT NULL,
                byte_count INTEGER NOT NULL,
                digest_root TEXT NOT NULL
            );
            CREATE INDEX destructions_time ON destructions(destroyed_at_ms);
            CREATE INDEX destructions_patient ON destructions(patient);
            ALTER TABLE recordings ADD COLUMN disposal_started_ms INTEGER;
            ALTER TABLE recordings ADD COLUMN disposal_authorised_by TEXT;
            """),
        Migration(name: "0003-audit-checkpoints", sql: """
            CREATE TABLE audit_checkpoints (
                seq INTEGER PRIMARY KEY,
                head_hash BLOB NOT NULL,
                time_ms INTEGER NOT NULL,
                public_key BLOB NOT NULL,
                signature BLOB NOT NULL,
                reason TEXT NOT NULL
            );
            CREATE INDEX audit_actor ON audit(actor);
            CREATE INDEX audit_time ON audit(time_ms);
            """),
        Migration(name: "0004-requests", sql: """
            CREATE TABLE requests (
                id INTEGER PRIMARY KEY,
                type TEXT NOT NULL CHECK (type IN ('sar', 'foi')),
                received_on TEXT NOT NULL,
                due_on TEXT NOT NULL,
                reference TEXT,
                recorded_at_ms INTEGER NOT NULL,
                closed_on TEXT
            );
            CREATE INDEX requests_due ON requests(due_on) WHERE closed_on IS NULL;
            CREATE INDEX consents_given ON consents(given_on);
            CREATE INDEX consents_withdrawn ON consents(withdrawn_on) WHERE withdrawn_on IS NOT NULL;
            """),
        Migration(name: "0005-consent-participants", sql: """
            ALTER TABLE consents ADD COLUMN other_participants INTEGER NOT NULL DEFAULT 0;
            """),
        Migration(name: "0006-users", sql: """
            CREATE TABLE users (
                name TEXT PRIMARY KEY,
                role TEXT NOT NULL,
                token_hash BLOB NOT NULL UNIQUE,
                created_at_ms INTEGER NOT NULL,
                revoked_at_ms INTEGER
            );
            CREATE TABLE user_patients (
                user_name TEXT NOT NULL REFERENCES users(name),
                patient TEXT NOT NULL,
                PRIMARY KEY (user_name, patient)
            );
            """),
        // The dry run and the review queue count live due recordings by class and disposition and
        // check holds by id and patient: with every column they read in one index, they read the
        // index range only, not one table page per due recording (5 s instead of 0.1 s for 100,000
        // due when the catalog is not in the page cache).
        Migration(name: "0007-due-summary-index", sql: """
            CREATE INDEX recordings_due_summary ON recordings(due_on, class, disposition, patient, id)
                WHERE state = 'live' AND due_on IS NOT NULL;
            """),
        Migration(name: "0008-accountability-and-copies", sql: """
            ALTER TABLE destructions ADD COLUMN as_of TEXT;
            CREATE INDEX recordings_source ON recordings(source_id) WHERE source_id IS NOT NULL;
            ALTER TABLE users ADD COLUMN signing_key BLOB;
            ALTER TABLE destructions ADD COLUMN schedule TEXT;
            ALTER TABLE destructions ADD COLUMN method TEXT;
            ALTER TABLE destructions ADD COLUMN reason TEXT;
            ALTER TABLE dispositions ADD COLUMN signature BLOB;
            """),
        // Consent over time: a renewal supersedes the active row (kept, with the day it was superseded)
        // and names the row it renews; an officer's extension is a decision every recomputation of a
        // due date honours until it ends.
        Migration(name: "0009-consent-renewal-and-extensions", sql: """
            ALTER TABLE consents ADD COLUMN superseded_on TEXT;
            ALTER TABLE consents ADD COLUMN renews_id INTEGER REFERENCES consents(id);
            DROP INDEX consents_active_scope;
            CREATE UNIQUE INDEX consents_active_scope ON consents(session, scope) WHERE withdrawn_on IS NULL AND superseded_on IS NULL;
            CREATE TABLE retention_extensions (
                id INTEGER PRIMARY KEY,
                recording_id BLOB NOT NULL REFERENCES recordings(id),
                until_on TEXT NOT NULL,
                reason TEXT NOT NULL,
                decided_by TEXT NOT NULL,
                decided_at_ms INTEGER NOT NULL,
                signature BLOB
            );
            CREATE INDEX retention_extensions_recording ON retention_extensions(recording_id, until_on);
            """),
        // Request clocks that stop, restart and are extended after registration: the current pause and
        // extension on the request, every change in request_events for its timeline, and a revision
        // so that a change is written only on the state it was computed from. A SAR registered
        // `--extended` before this kept only its due date (three months: at least 89 days after
        // receipt, where one month is at most 35 with the move to a working day); its extension becomes
        // a change on the day of receipt so that a due date recomputed from the history keeps it.
        Migration(name: "0010-request-clocks", sql: """
            ALTER TABLE requests ADD COLUMN paused_on TEXT;
            ALTER TABLE requests ADD COLUMN pause_reason TEXT;
            ALTER TABLE requests ADD COLUMN extended_on TEXT;
            ALTER TABLE requests ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
            CREATE TABLE request_events (
                id INTEGER PRIMARY KEY,
                request_id INTEGER NOT NULL REFERENCES requests(id),
                kind TEXT NOT NULL CHECK (kind IN ('pause', 'resume', 'extend', 'close')),
                on_day TEXT NOT NULL,
                reason TEXT,
                due_on TEXT NOT NULL,
                actor TEXT NOT NULL,
                recorded_at_ms INTEGER NOT NULL
            );
            CREATE INDEX request_events_request ON request_events(request_id, id);
            UPDATE requests SET extended_on = received_on WHERE type = 'sar' AND julianday(due_on) - julianday(received_on) > 60;
            INSERT INTO request_events (request_id, kind, on_day, reason, due_on, actor, recorded_at_ms)
                SELECT id, 'extend', received_on, 'registered extended', due_on, 'migration:0010-request-clocks', recorded_at_ms
                FROM requests WHERE extended_on IS NOT NULL ORDER BY id;
            INSERT INTO request_events (request_id, kind, on_day, reason, due_on, actor, recorded_at_ms)
                SELECT id, 'close', closed_on, NULL, due_on, 'migration:0010-request-clocks', recorded_at_ms
                FROM requests WHERE closed_on IS NOT NULL ORDER BY id;
            UPDATE requests SET revision = (SELECT count(*) FROM request_events e WHERE e.request_id = requests.id);
            """),
        // Subject-access reviews: what a bundle will release, decided item by item, with the health
        // professional's serious-harm opinion and the officer's signed sign-off.
        Migration(name: "0012-subject-access-review", sql: """
            CREATE TABLE sar_reviews (
                id INTEGER PRIMARY KEY,
                patient TEXT NOT NULL,
                review_copies INTEGER NOT NULL,
                created_by TEXT NOT NULL,
                created_at_ms INTEGER NOT NULL,
                revision INTEGER NOT NULL,
                harm_professional TEXT,
                harm_professional_role TEXT,
                harm_given_on TEXT,
                harm_serious INTEGER,
                harm_reason TEXT,
                harm_recorded_by TEXT,
                harm_recorded_at_ms INTEGER,
                signed_by TEXT,
                signed_at_ms INTEGER,
                signature BLOB,
                released_by TEXT,
                released_at_ms INTEGER
            );
            CREATE INDEX sar_reviews_patient ON sar_reviews(patient);
            CREATE TABLE sar_review_items (
                review_id INTEGER NOT NULL REFERENCES sar_reviews(id),
                position INTEGER NOT NULL,
                item_key TEXT NOT NULL,
                kind TEXT NOT NULL,
                recording_id BLOB,
                session TEXT,
                captured_on TEXT,
                flag TEXT,
                decision TEXT NOT NULL CHECK (decision IN ('include', 'exclude', 'pending')),
                category TEXT,
                reason TEXT,
                decided_by TEXT,
                decided_at_ms INTEGER,
                PRIMARY KEY (review_id, position),
                UNIQUE (review_id, item_key)
            );
            """),
        // The children's rule: only the month of birth is kept (data minimisation). FOI figures count
        // consents, withdrawals and requests by when they were recorded.
        Migration(name: "0013-birth-month-and-recorded-times", sql: """
            ALTER TABLE patients ADD COLUMN born_month TEXT;
            CREATE INDEX consents_recorded ON consents(recorded_at_ms);
            CREATE INDEX consents_withdrawal_recorded ON consents(withdrawal_recorded_at_ms) WHERE withdrawal_recorded_at_ms IS NOT NULL;
            CREATE INDEX requests_recorded ON requests(recorded_at_ms);
            """),
    ]

    static var latestVersion: Int { all.count }
}
