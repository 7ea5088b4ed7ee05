import Crypto
import Foundation

/// The server-side state of sign-in: sign-ins in progress (state, nonce, PKCE verifier, bound to
/// the browser that started them) and open sessions. A browser holds only opaque random values;
/// this actor keeps their SHA-256, so a memory dump does not hand out live cookies. Both tables
/// are bounded: the oldest entries go first.
actor StaffSessions {
    /// A sign-in begun at ``begin(now:)``, answered once at the callback.
    struct PendingSignIn: Sendable {
        var browserBinding: String
        var nonce: String
        var verifier: String
        var started: Date
    }

    /// A signed-in staff member.
    struct Session: Sendable {
        var userName: String
        var role: String
        var started: Date
        var lastSeen: Date
        /// For the provider's logout (`id_token_hint`).
        var idToken: String
        /// The synchronizer token a cookie-authenticated change must carry (``CSRFGuard``):
        /// random, made when the session opens, handed only to the page.
        var csrfToken: String
    }

    /// Why a session cookie opened nothing.
    enum Lookup: Sendable {
        case open(Session)
        case ended(Session, reason: String)
        case unknown
    }

    let idleTimeout: TimeInterval
    let absoluteTimeout: TimeInterval
    static let pendingLifetime: TimeInterval = 600
    static let maxPending = 10_000
    static let maxSessions = 100_000

    private var pending: [String: PendingSignIn] = [:]
    private var sessions: [String: Session] = [:]

    init(idleTimeout: TimeInterval, absoluteTimeout: TimeInterval) {
        self.idleTimeout = idleTimeout
        self.absoluteTimeout = absoluteTimeout
    }

    /// A new 256-bit random value, base64url.
    static func randomValue() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    static func digest(_ value: String) -> String { Base64URL.encode(SHA256.hash(data: Array(value.utf8))) }

    /// Starts a sign-in: returns the `state` for the provider and the value for the browser's
    /// binding cookie; the nonce and verifier stay here.
    func begin(now: Date) -> (state: String, binding: String, pending: PendingSignIn) {
        pending = pending.filter { now.timeIntervalSince($0.value.started) < Self.pendingLifetime }
        if pending.count >= Self.maxPending, let oldest = pending.min(by: { $0.value.started < $1.value.started }) { pending[oldest.key] = nil }
        let state = Self.randomValue()
        let entry = PendingSignIn(browserBinding: Self.randomValue(), nonce: Self.randomValue(), verifier: Self.randomValue(), started: now)
        pending[Self.digest(state)] = entry
        return (state, entry.browserBinding, entry)
    }

    /// The sign-in `state` answers, if this browser started it and it is recent; used up either way.
    func finish(state: String, binding: String?, now: Date) -> PendingSignIn? {
        guard let entry = pending.removeValue(forKey: Self.digest(state)) else { return nil }
        guard let binding, Self.digest(binding) == Self.digest(entry.browserBinding),
              now.timeIntervalSince(entry.started) < Self.pendingLifetime else { return nil }
        return entry
    }

    /// Opens a session; the returned value is the cookie.
    func open(userName: String, role: String, idToken: String, now: Date) -> String {
        sessions = sessions.filter { expiry(of: $0.value, now: now) == nil }
        if sessions.count >= Self.maxSessions, let oldest = sessions.min(by: { $0.value.lastSeen < $1.value.lastSeen }) { sessions[oldest.key] = nil }
        let cookie = Self.randomValue()
        sessions[Self.digest(cookie)] = Session(userName: userName, role: role, started: now, lastSeen: now, idToken: idToken,
                                                csrfToken: Self.randomValue())
        return cookie
    }

    /// The session a cookie names; an open one counts as used now. An expired one is removed.
    func use(_ cookie: String, now: Date) -> Lookup {
        let key = Self.digest(cookie)
        guard var session = sessions[key] else { return .unknown }
        if let reason = expiry(of: session, now: now) {
            sessions[key] = nil
            return .ended(session, reason: reason)
        }
        session.lastSeen = now
        sessions[key] = session
        return .open(session)
    }

    /// The open session a cookie names, without counting it as used.
    func peek(_ cookie: String, now: Date) -> Session? {
        guard let session = sessions[Self.digest(cookie)], expiry(of: session, now: now) == nil else { return nil }
        return session
    }

    /// Ends the session a cookie names (sign-out, or its user no longer allowed).
    func end(_ cookie: String) -> Session? {
        sessions.removeValue(forKey: Self.digest(cookie))
    }

    private func expiry(of session: Session, now: Date) -> String? {
        if now.timeIntervalSince(session.started) >= absoluteTimeout { return "absolute timeout" }
        if now.timeIntervalSince(session.lastSeen) >= idleTimeout { return "idle timeout" }
        return nil
    }
}
