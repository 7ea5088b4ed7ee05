/// Why a sign-in through the identity provider did not complete. Each has the page the browser
/// is shown and the status it is shown with; none changes anything, and none carries a token,
/// a code or a claim's value beyond the user name.
enum SignInFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// The callback's `state` matches no sign-in this browser started (forged, replayed or expired).
    case stateMismatch
    /// The provider sent the user back with an error instead of a code.
    case providerError(String)
    /// The provider could not be reached or answered nonsense: try again later.
    case providerUnavailable(String)
    /// The provider refused to exchange the code (used already, expired, not ours).
    case codeRefused
    /// The ID token failed a check (signature, algorithm, issuer, audience, times, nonce).
    case invalidToken(String)
    /// The provider's discovery document names another issuer than the one configured.
    case unknownIssuer(String)
    /// The vault's user records refused the person (no user, revoked, role not granted).
    case refused(String)

    var description: String {
        switch self {
        case .stateMismatch: return "the sign-in response matches no sign-in started from this browser"
        case .providerError(let code): return "the identity provider answered '\(code)'"
        case .providerUnavailable(let why): return "the identity provider could not be reached (\(why))"
        case .codeRefused: return "the identity provider refused the authorization code (used already, or expired)"
        case .invalidToken(let why): return "the ID token was refused: \(why)"
        case .unknownIssuer(let issuer): return "the identity provider states the issuer '\(issuer.prefix(200))', not the one configured"
        case .refused(let why): return why
        }
    }

    /// Whether trying again later may work (the provider was down), rather than a refusal.
    var isRetryable: Bool {
        if case .providerUnavailable = self { return true }
        return false
    }
}
