import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SessionVault

/// `/auth/...`: the browser side of sign-in through the organisation's OpenID Provider.
///
/// - `GET /auth/status`: whether sign-in through the provider is offered and people may use tokens.
/// - `GET /auth/login`: to the provider's authorization endpoint (code flow, PKCE S256, state, nonce).
/// - `GET /auth/callback`: the provider's answer; a session cookie and back to `/`, or a page saying why not.
/// - `POST /auth/logout`: ends the session (from the page only: ``CSRFGuard``); answers `{"next": URL}` (the provider's logout, or `/`).
struct SignInRoutes: Sendable {
    /// Nil when `[oidc]` is not configured: only the status route answers.
    let service: SignInService?

    func register(on router: Router<APIRequestContext>) {
        router.get("auth/status") { _, _ -> Response in
            try JSONResponse.make(["signIn": service != nil, "tokens": service?.settings.peopleBearerTokens ?? true])
        }
        guard let service else { return }
        router.get("auth/login") { _, _ -> Response in
            do throws(SignInFailure) {
                let (location, binding) = try await service.start()
                var headers: HTTPFields = [.location: location, .cacheControl: "no-store"]
                headers.append(HTTPField(name: .setCookie, value: service.bindingCookie(binding)))
                return Response(status: .seeOther, headers: headers)
            } catch {
                return SignInPage.response(for: error)
            }
        }
        router.get("auth/callback") { request, context -> Response in
            let query = request.uri.queryParameters
            let outcome = await service.complete(code: query.get("code"), state: query.get("state"), providerError: query.get("error"),
                                                 binding: TokenAuthMiddleware.cookie(SignInService.bindingCookie, in: request),
                                                 address: context.clientAddress)
            switch outcome {
            case .success(let (cookie, _)):
                var headers: HTTPFields = [.location: "/", .cacheControl: "no-store"]
                headers.append(HTTPField(name: .setCookie, value: service.sessionCookie(cookie)))
                headers.append(HTTPField(name: .setCookie, value: service.clearing(SignInService.bindingCookie, path: "/auth")))
                return Response(status: .seeOther, headers: headers)
            case .failure(let failure):
                var response = SignInPage.response(for: failure)
                response.headers.append(HTTPField(name: .setCookie, value: service.clearing(SignInService.bindingCookie, path: "/auth")))
                return response
            }
        }
        router.post("auth/logout") { request, context -> Response in
            let cookie = TokenAuthMiddleware.cookie(SignInService.sessionCookie, in: request)
            // Signing someone out is a change too: only the page of an open session may ask (CSRFGuard).
            if let cookie, let session = await service.sessions.peek(cookie, now: service.now()) {
                try service.csrf.checkSource(request)
                try service.csrf.checkToken(request, session: session.csrfToken)
            }
            let next = await service.signOut(cookie: cookie, address: context.clientAddress)
            var response = try JSONResponse.make(["next": next])
            response.headers.append(HTTPField(name: .setCookie, value: service.clearing(SignInService.sessionCookie, path: "/")))
            return response
        }
    }
}
