import Foundation

/// The catalog schema, as one ordered list of named migrations for both backends: migration N is
/// the same tables on SQLite and on PostgreSQL, and each backend records it as version N in its
/// `schema_migrations`. A migration is never edited once released (a catalog records only the
/// version it has reached): a change is a new migration appended at the end.
///
/// Each is written once, in SQLite's words, with the column types and the few other fragments that
/// differ asked of ``SQLDialect/DDL``. On SQLite the text must stay exactly as released: SQLite
/// keeps each `CREATE` statement's text as the table's definition.
///
/// PostgreSQL's encodings are SQLite's, so both backends return identical records: times are
/// `bigint` milliseconds since 1970 (`*_ms`), civil dates `YYYY-MM-DD` text, identifiers and sealed
/// values `bytea`. Every text column is `COLLATE "C"` (byte order, as SQLite's BINARY), so `ORDER BY`
/// and range comparisons do not depend on the database's locale, except four free-text columns
/// released without it (``SQLDialect/DDL/defaultCollationText``), never sorted or compared.
enum CatalogMigrations {
    struct Migration: Sendable {
        let name: String
        let sql: @Sendable (SQLDialect.DDL) -> String

        /// The migration as one script (SQLite runs it whole).
        func script(_ dialect: SQLDialect) -> String { sql(SQLDialect.DDL(backend: dialect.backend)) }

        /// The migration's statements, one by one (PostgreSQL's extended query protocol runs one at a time).
        func statements(_ dialect: SQLDialect) -> [String] {
            script(dialect).split(separator: ";").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        }
    }

    static let all: [Migration] = [
        Migration(name: "0001-core") { t in """
            CREATE TABLE vault_meta (
                key \(t.text) PRIMARY KEY,
                value \(t.text) NOT NULL
            );
            CREATE TABLE roles (
                name \(t.text) PRIMARY KEY,
                public_key \(t.blob) NOT NULL,
                key_id \(t.text) NOT NULL,
                created_at_ms \(t.integer) NOT NULL
            );
            CREATE TABLE patients (
                pseudonym \(t.text) PRIMARY KEY,
                identifier_sealed \(t.blob) NOT NULL,
                last_contact \(t.text),
                discharged \(t.text),
                died \(t.text)
            );
            CREATE TABLE consents (
                id \(t.rowID),
                session \(t.text) NOT NULL,
                patient \(t.text) NOT NULL REFERENCES patients(pseudonym),
                scope \(t.text) NOT NULL,
                evidence_sealed \(t.blob),
                given_on \(t.text) NOT NULL,
                recorded_at_ms \(t.integer) NOT NULL,
                withdrawn_on \(t.text),
                withdrawal_recorded_at_ms \(t.integer)
            );
            CREATE INDEX consents_session ON consents(session);
            CREATE UNIQUE INDEX consents_active_scope ON consents(session, scope) WHERE withdrawn_on IS NULL;
            CREATE TABLE recordings (
                id \(t.blob) PRIMARY KEY,
                state \(t.text) NOT NULL CHECK (state IN ('staging', 'live', 'disposing', 'destroyed')),
                session \(t.text) NOT NULL,
                patient \(t.text),
                clinician \(t.text) NOT NULL,
                class \(t.text) NOT NULL,
                media_type \(t.text),
                byte_count \(t.integer),
                chunk_size \(t.integer),
                chunk_count \(t.integer),
                algorithm \(t.integer),
                manifest \(t.blob),
                manifest_tag \(t.blob),
                created_at_ms \(t.integer) NOT NULL,
                captured_on \(t.text),
                due_on \(t.text),
                disposition \(t.text),
                retention_rule \(t.text),
                source_id \(t.blob),
                media_facts \(t.text),
                staging_pid \(t.integer),
                staging_host \(t.text)
            );
            CREATE INDEX recordings_patient ON recordings(patient);
            CREATE INDEX recordings_session ON recordings(session);
            CREATE INDEX recordings_created ON recordings(created_at_ms);
            CREATE INDEX recordings_due ON recordings(due_on) WHERE state = 'live' AND due_on IS NOT NULL;
            CREATE INDEX recordings_state ON recordings(state) WHERE state <> 'live' AND state <> 'destroyed';
            CREATE TABLE chunks (
                recording_id \(t.blob) NOT NULL REFERENCES recordings(id),
                idx \(t.integer) NOT NULL,
                sealed_size \(t.integer) NOT NULL,
                digest \(t.blob) NOT NULL,
                PRIMARY KEY (recording_id, idx)
            )\(t.withoutRowID);
            CREATE TABLE wraps (
                recording_id \(t.blob) NOT NULL REFERENCES recordings(id),
                role \(t.text) NOT NULL,
                key_id \(t.text) NOT NULL,
                wrapped \(t.blob) NOT NULL,
                PRIMARY KEY (recording_id, role)
            )\(t.withoutRowID);
            CREATE INDEX wraps_role_key ON wraps(role, key_id);
            CREATE TABLE audit (
                seq \(t.integer) PRIMARY KEY,
                time_ms \(t.integer) NOT NULL,
                actor \(t.text) NOT NULL,
                role \(t.text),
                action \(t.text) NOT NULL,
                target \(t.text),
                purpose \(t.text),
                outcome \(t.text) NOT NULL,
                detail \(t.text),
                prev_hash \(t.blob) NOT NULL,
                hash \(t.blob) NOT NULL
            );
            CREATE INDEX audit_target ON audit(target);
            """ },
        Migration(name: "0002-retention") { t in """
            CREATE TABLE holds (
                id \(t.rowID),
                recording_id \(t.blob),
                patient \(t.text),
                reason \(t.text) NOT NULL,
                case_ref \(t.text) NOT NULL,
                placed_by \(t.text) NOT NULL,
                placed_at_ms \(t.integer) NOT NULL,
                released_by \(t.text),
                released_at_ms \(t.integer),
                CHECK ((recording_id IS NULL) <> (patient IS NULL))
            );
            CREATE INDEX holds_active_recording ON holds(recording_id) WHERE released_at_ms IS NULL AND recording_id IS NOT NULL;
            CREATE INDEX holds_active_patient ON holds(patient) WHERE released_at_ms IS NULL AND patient IS NOT NULL;
            CREATE TABLE dispositions (
                recording_id \(t.blob) PRIMARY KEY REFERENCES recordings(id),
                status \(t.text) NOT NULL CHECK (status IN ('pending', 'approved', 'extended')),
                due_on \(t.text) NOT NULL,
                rule \(t.text),
                queued_at_ms \(t.integer) NOT NULL,
                decided_by \(t.text),
                decided_at_ms \(t.integer),
                extended_until \(t.text),
                reason \(t.text)
            );
            CREATE INDEX dispositions_status ON dispositions(status);
            CREATE TABLE destructions (
                recording_id \(t.blob) PRIMARY KEY,
                patient \(t.text),
                class \(t.text) NOT NULL,
                rule \(t.text),
                due_on \(t.text),
                authorised_by \(t.text) NOT NULL,
                started_at_ms \(t.integer) NOT NULL,
                destroyed_at_ms \(t.integer) NOT NULL,
                chunk_count \(t.integer) NOT NULL,
                byte_count \(t.integer) NOT NULL,
                digest_root \(t.text) NOT NULL
            );
            CREATE INDEX destructions_time ON destructions(destroyed_at_ms);
            CREATE INDEX destructions_patient ON destructions(patient);
            ALTER TABLE recordings ADD COLUMN disposal_started_ms \(t.integer);
            ALTER TABLE recordings ADD COLUMN disposal_authorised_by \(t.text);
            """ },
        Migration(name: "0003-audit-checkpoints") { t in """
            CREATE TABLE audit_checkpoints (
                seq \(t.integer) PRIMARY KEY,
                head_hash \(t.blob) NOT NULL,
                time_ms \(t.integer) NOT NULL,
                public_key \(t.blob) NOT NULL,
                signature \(t.blob) NOT NULL,
                reason \(t.text) NOT NULL
            );
            CREATE INDEX audit_actor ON audit(actor);
            CREATE INDEX audit_time ON audit(time_ms);
            """ },
        Migration(name: "0004-requests") { t in """
            CREATE TABLE requests (
                id \(t.rowID),
                type \(t.text) NOT NULL CHECK (type IN ('sar', 'foi')),
                received_on \(t.text) NOT NULL,
                due_on \(t.text) NOT NULL,
                reference \(t.text),
                recorded_at_ms \(t.integer) NOT NULL,
                closed_on \(t.text)
            );
            CREATE INDEX requests_due ON requests(due_on) WHERE closed_on IS NULL;
            CREATE INDEX consents_given ON consents(given_on);
            CREATE INDEX consents_withdrawn ON consents(withdrawn_on) WHERE withdrawn_on IS NOT NULL;
            """ },
        Migration(name: "0005-consent-participants") { t in """
            ALTER TABLE consents ADD COLUMN other_participants \(t.boolean) NOT NULL DEFAULT \(t.false);
            """ },
        Migration(name: "0006-users") { t in """
            CREATE TABLE users (
                name \(t.text) PRIMARY KEY,
                role \(t.text) NOT NULL,
                token_hash \(t.blob) NOT NULL UNIQUE,
                created_at_ms \(t.integer) NOT NULL,
                revoked_at_ms \(t.integer)
            );
            CREATE TABLE user_patients (
                user_name \(t.text) NOT NULL REFERENCES users(name),
                patient \(t.text) NOT NULL,
                PRIMARY KEY (user_name, patient)
            );
            """ },
        // The dry run and the review queue count live due recordings by class and disposition and
        // check holds by id and patient: with every column they read in one index, they read the
        // index range only, not one table page per due recording (5 s instead of 0.1 s for 100,000
        // due when the catalog is not in the page cache).
        Migration(name: "0007-due-summary-index") { t in """
            CREATE INDEX recordings_due_summary ON recordings(due_on, class, disposition, patient, id)
                WHERE state = 'live' AND due_on IS NOT NULL;
            """ },
        Migration(name: "0008-accountability-and-copies") { t in """
            ALTER TABLE destructions ADD COLUMN as_of \(t.text);
            CREATE INDEX recordings_source ON recordings(source_id) WHERE source_id IS NOT NULL;
            ALTER TABLE users ADD COLUMN signing_key \(t.blob);
            ALTER TABLE destructions ADD COLUMN schedule \(t.defaultCollationText);
            ALTER TABLE destructions ADD COLUMN method \(t.defaultCollationText);
            ALTER TABLE destructions ADD COLUMN reason \(t.defaultCollationText);
            ALTER TABLE dispositions ADD COLUMN signature \(t.blob);
            """ },
        // Consent over time: a renewal supersedes the active row (kept, with the day it was superseded)
        // and names the row it renews; an officer's extension is a decision every recomputation of a
        // due date honours until it ends.
        Migration(name: "0009-consent-renewal-and-extensions") { t in """
            ALTER TABLE consents ADD COLUMN superseded_on \(t.text);
            ALTER TABLE consents ADD COLUMN renews_id \(t.integer) REFERENCES consents(id);
            DROP INDEX consents_active_scope;
            CREATE UNIQUE INDEX consents_active_scope ON consents(session, scope) WHERE withdrawn_on IS NULL AND superseded_on IS NULL;
            CREATE TABLE retention_extensions (
                id \(t.rowID),
                recording_id \(t.blob) NOT NULL REFERENCES recordings(id),
                until_on \(t.text) NOT NULL,
                reason \(t.defaultCollationText) NOT NULL,
                decided_by \(t.text) NOT NULL,
                decided_at_ms \(t.integer) NOT NULL,
                signature \(t.blob)
            );
            CREATE INDEX retention_extensions_recording ON retention_extensions(recording_id, until_on);
            """ },
        // Request clocks that stop, restart and are extended after registration: the current pause and
        // extension on the request, every change in request_events for its timeline, and a revision
        // so that a change is written only on the state it was computed from. A SAR registered
        // `--extended` before this kept only its due date (three months: at least 89 days after
        // receipt, where one month is at most 35 with the move to a working day); its extension becomes
        // a change on the day of receipt so that a due date recomputed from the history keeps it.
        Migration(name: "0010-request-clocks") { t in """
            ALTER TABLE requests ADD COLUMN paused_on \(t.text);
            ALTER TABLE requests ADD COLUMN pause_reason \(t.text);
            ALTER TABLE requests ADD COLUMN extended_on \(t.text);
            ALTER TABLE requests ADD COLUMN revision \(t.integer) NOT NULL DEFAULT 0;
            CREATE TABLE request_events (
                id \(t.rowID),
                request_id \(t.integer) NOT NULL REFERENCES requests(id),
                kind \(t.text) NOT NULL CHECK (kind IN ('pause', 'resume', 'extend', 'close')),
                on_day \(t.text) NOT NULL,
                reason \(t.text),
                due_on \(t.text) NOT NULL,
                actor \(t.text) NOT NULL,
                recorded_at_ms \(t.integer) NOT NULL
            );
            CREATE INDEX request_events_request ON request_events(request_id, id);
            UPDATE requests SET extended_on = received_on WHERE type = 'sar' AND \(t.days(from: "received_on", to: "due_on")) > 60;
            INSERT INTO request_events (request_id, kind, on_day, reason, due_on, actor, recorded_at_ms)
                SELECT id, 'extend', received_on, 'registered extended', due_on, 'migration:0010-request-clocks', recorded_at_ms
                FROM requests WHERE extended_on IS NOT NULL ORDER BY id;
            INSERT INTO request_events (request_id, kind, on_day, reason, due_on, actor, recorded_at_ms)
                SELECT id, 'close', closed_on, NULL, due_on, 'migration:0010-request-clocks', recorded_at_ms
                FROM requests WHERE closed_on IS NOT NULL ORDER BY id;
            UPDATE requests SET revision = (SELECT count(*) FROM request_events e WHERE e.request_id = requests.id);
            """ },
        // Subject-access reviews: what a bundle will release, decided item by item, with the health
        // professional's serious-harm opinion and the officer's signed sign-off.
        Migration(name: "0012-subject-access-review") { t in """
            CREATE TABLE sar_reviews (
                id \(t.rowID),
                patient \(t.text) NOT NULL,
                review_copies \(t.integer) NOT NULL,
                created_by \(t.text) NOT NULL,
                created_at_ms \(t.integer) NOT NULL,
                revision \(t.integer) NOT NULL,
                harm_professional \(t.text),
                harm_professional_role \(t.text),
                harm_given_on \(t.text),
                harm_serious \(t.integer),
                harm_reason \(t.text),
                harm_recorded_by \(t.text),
                harm_recorded_at_ms \(t.integer),
                signed_by \(t.text),
                signed_at_ms \(t.integer),
                signature \(t.blob),
                released_by \(t.text),
                released_at_ms \(t.integer)
            );
            CREATE INDEX sar_reviews_patient ON sar_reviews(patient);
            CREATE TABLE sar_review_items (
                review_id \(t.integer) NOT NULL REFERENCES sar_reviews(id),
                position \(t.integer) NOT NULL,
                item_key \(t.text) NOT NULL,
                kind \(t.text) NOT NULL,
                recording_id \(t.blob),
                session \(t.text),
                captured_on \(t.text),
                flag \(t.text),
                decision \(t.text) NOT NULL CHECK (decision IN ('include', 'exclude', 'pending')),
                category \(t.text),
                reason \(t.text),
                decided_by \(t.text),
                decided_at_ms \(t.integer),
                PRIMARY KEY (review_id, position),
                UNIQUE (review_id, item_key)
            );
            """ },
        // The children's rule: only the month of birth is kept (data minimisation). FOI figures count
        // consents, withdrawals and requests by when they were recorded.
        Migration(name: "0013-birth-month-and-recorded-times") { t in """
            ALTER TABLE patients ADD COLUMN born_month \(t.text);
            CREATE INDEX consents_recorded ON consents(recorded_at_ms);
            CREATE INDEX consents_withdrawal_recorded ON consents(withdrawal_recorded_at_ms) WHERE withdrawal_recorded_at_ms IS NOT NULL;
            CREATE INDEX requests_recorded ON requests(recorded_at_ms);
            """ },
        // The erasure tree's nodes, for a vault on PostgreSQL (PostgresErasureNodeStore): in the
        // catalog's database, so every node shares one tree. Created on SQLite too, to keep one schema
        // per version, and left empty there: the embedded default keeps its tree in a file of its own
        // (erasure/tree.sqlite), apart from the catalog, so a catalog restored from a file backup still
        // opens with the current tree, and vaults made before this migration open unchanged.
        Migration(name: "0014-erasure-tree") { t in """
            CREATE TABLE erasure_meta (key \(t.text) PRIMARY KEY, value \(t.integer) NOT NULL);
            CREATE TABLE erasure_nodes (id \(t.integer) PRIMARY KEY, sealed \(t.blob) NOT NULL, created_at_ms \(t.integer) NOT NULL);
            CREATE TABLE erasure_pending (leaf \(t.integer) PRIMARY KEY, recording_id \(t.blob) NOT NULL, role \(t.text) NOT NULL);
            """ },
        // Officers' enrolments, signed by the officer who enrolled them, back to the vault's first.
        Migration(name: "0015-officer-enrolment") { t in """
            ALTER TABLE users ADD COLUMN enrolment \(t.blob);
            """ },
        // Each session's consent register, signed by the officer who last changed it.
        Migration(name: "0016-consent-seals") { t in """
            CREATE TABLE consent_seals (session \(t.text) PRIMARY KEY, signed_by \(t.text) NOT NULL, signed_at_ms \(t.integer) NOT NULL,
                signature \(t.blob) NOT NULL);
            """ },
    ]

    static var latestVersion: Int { all.count }
}

extension SQLDialect {
    /// The fragments of the schema's DDL that differ between the backends.
    struct DDL {
        let backend: Backend

        var text: String { backend == .sqlite ? "TEXT" : "text COLLATE \"C\"" }
        /// Text in the database's default collation on PostgreSQL: four free-text columns were
        /// released so (destructions' schedule, method and reason; retention_extensions' reason).
        var defaultCollationText: String { backend == .sqlite ? "TEXT" : "text" }
        var blob: String { backend == .sqlite ? "BLOB" : "bytea" }
        var integer: String { backend == .sqlite ? "INTEGER" : "bigint" }
        /// A key the database numbers: SQLite's rowid alias, PostgreSQL's identity column.
        var rowID: String { backend == .sqlite ? "INTEGER PRIMARY KEY" : "bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" }
        /// SQLite stores a table keyed by a composite primary key in that key's B-tree alone.
        var withoutRowID: String { backend == .sqlite ? " WITHOUT ROWID" : "" }
        /// A truth value: 0 or 1 in an integer on SQLite, which has no boolean type.
        var boolean: String { backend == .sqlite ? "INTEGER" : "boolean" }
        var `false`: String { backend == .sqlite ? "0" : "false" }

        /// Days from one civil date column (`YYYY-MM-DD`) to another.
        func days(from start: String, to end: String) -> String {
            backend == .sqlite ? "julianday(\(end)) - julianday(\(start))" : "\(end)::date - \(start)::date"
        }
    }
}
