//! Who is asking: the [`Principal`] extractor, which reads a bearer token
//! (`Authorization: Bearer accord_…`) or the session cookie and answers 401
//! when neither signs anyone in, and the session cookie itself.
//!
//! A `Principal` carries what access decisions need — the person, their
//! partnership, agency, tier and declared roles, and the scopes the request
//! may use — so the access rules (issue 4's matrix) can be one function of
//! a principal and a case, and a second factor can be one more field of
//! [`SignedInWith`].

use std::net::{IpAddr, SocketAddr};

use accord_case::{AgencyId, PersonId};
use accord_policy::{RoleId, RoleTier};
use accord_store::{Person, Scope};
use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{HeaderMap, HeaderValue, Method, header, request::Parts},
};

use crate::{ApiError, AppState};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "accord_session";

/// Someone signed in, as a request sees them.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The person.
    pub person: Person,
    /// What this request may do: every scope for a session, the token's
    /// scopes for a bearer token.
    pub scopes: Vec<Scope>,
    /// How they signed in.
    pub signed_in_with: SignedInWith,
    /// Their partnership requires a second factor and they have none yet:
    /// until they set one up, only [`Enrolling`] routes take them (and no
    /// token works). Read afresh at every request, so switching the rule
    /// on, or resetting someone's second factor, holds at once.
    pub must_enrol: bool,
}

/// How a principal signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedInWith {
    /// A password, then the session cookie.
    Session {
        /// The session's CSRF token, which every change it makes must
        /// carry (see [`crate::csrf`]).
        csrf_token: String,
        /// The id the session is stored by (`accord_store::session_id`),
        /// so that changing a password can keep this session and end the
        /// others. A hash: it signs nobody in.
        session_id: String,
    },
    /// An API token, by its id.
    Token {
        /// The token's id.
        id: String,
    },
}

impl Principal {
    /// Their id.
    pub fn id(&self) -> &PersonId {
        &self.person.id
    }

    /// Their partnership's id: nobody ever sees another partnership's data.
    pub fn partnership(&self) -> &str {
        &self.person.partnership
    }

    /// Their agency.
    pub fn agency(&self) -> &AgencyId {
        &self.person.agency
    }

    /// Their role tier.
    pub fn tier(&self) -> RoleTier {
        self.person.tier
    }

    /// The policy roles they hold.
    pub fn roles(&self) -> &[RoleId] {
        &self.person.declared_roles
    }

    /// Refuses with 403 unless the request may use `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(ApiError::Forbidden {
                code: "insufficient_scope",
                message: format!(
                    "this token may not {}: make a token with the `{}` scope",
                    match scope {
                        Scope::Read => "read",
                        Scope::Write => "change anything",
                    },
                    scope.as_str()
                ),
            })
        }
    }

    /// Refuses with 403 unless they signed in with a password (a session),
    /// as making tokens needs.
    pub fn require_session(&self) -> Result<(), ApiError> {
        match self.signed_in_with {
            SignedInWith::Session { .. } => Ok(()),
            SignedInWith::Token { .. } => Err(ApiError::Forbidden {
                code: "session_required",
                message: "a token cannot make tokens: sign in with your password at \
                          POST /api/v1/session and make it from there"
                    .to_owned(),
            }),
        }
    }
}

fn not_signed_in() -> ApiError {
    ApiError::Unauthorized {
        code: "not_signed_in",
        message: "sign in first: POST /api/v1/session with your sign-in name and password, \
                  or send an API token as `Authorization: Bearer …`"
            .to_owned(),
    }
}

/// The scope a request needs, by its method: reading (`GET`, `HEAD`)
/// needs `read`, anything else changes something and needs `write`. Decided
/// here, once, for every route that takes a [`Principal`] or
/// [`Enrolling`], so no handler can forget it and a page (which takes the
/// session cookie only, see [`authenticate_session`]) can never do more
/// than the same credential may through the API.
pub fn scope_for(method: &Method) -> Scope {
    if matches!(*method, Method::GET | Method::HEAD) {
        Scope::Read
    } else {
        Scope::Write
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let principal = authenticate(parts, state).await?;
        principal.require(scope_for(&parts.method))?;
        if principal.must_enrol {
            return Err(ApiError::Forbidden {
                code: "second_factor_enrolment_required",
                message: "your partnership requires a second factor: set one up first, at \
                          POST /api/v1/me/second-factor, then confirm it with a code from your \
                          authenticator app"
                    .to_owned(),
            });
        }
        Ok(principal)
    }
}

/// Someone signed in, who may still have to set up their second factor:
/// what `GET /api/v1/me` and the enrolment routes take.
#[derive(Debug, Clone)]
pub struct Enrolling(pub Principal);

impl FromRequestParts<AppState> for Enrolling {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let principal = authenticate(parts, state).await?;
        principal.require(scope_for(&parts.method))?;
        Ok(Enrolling(principal))
    }
}

/// `P` ([`Principal`] or [`Enrolling`]), signed in with a password (a
/// session), as making tokens and setting up a second factor need: a token
/// is refused with 403 `session_required` before the body is read, so the
/// refusal says what is wrong rather than what is wrong with the body.
#[derive(Debug, Clone)]
pub struct PasswordSession<P>(pub P);

impl<P> FromRequestParts<AppState> for PasswordSession<P>
where
    P: FromRequestParts<AppState, Rejection = ApiError> + AsRef<Principal> + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let inner = P::from_request_parts(parts, state).await?;
        inner.as_ref().require_session()?;
        Ok(PasswordSession(inner))
    }
}

impl AsRef<Principal> for Principal {
    fn as_ref(&self) -> &Principal {
        self
    }
}

impl AsRef<Principal> for Enrolling {
    fn as_ref(&self) -> &Principal {
        &self.0
    }
}

/// Who the request signs in, by bearer token or session cookie; 401 when
/// neither signs anyone in. This is the API's way in: a request that
/// carries a bearer token is that token's, whatever cookie it also sends.
pub(crate) async fn authenticate(parts: &Parts, state: &AppState) -> Result<Principal, ApiError> {
    if let Some(authorization) = parts.headers.get(header::AUTHORIZATION) {
        return by_token(authorization, state).await;
    }
    authenticate_session(parts, state).await
}

/// Who the session cookie signs in; 401 when it signs in nobody. The pages'
/// way in: a page is for a person at a browser, so it takes the session
/// cookie only and ignores any `Authorization` header. A bearer token is for
/// another system, which has the API; this way a token's scopes never need
/// checking against what a page does (issue 11, finding 1).
pub(crate) async fn authenticate_session(
    parts: &Parts,
    state: &AppState,
) -> Result<Principal, ApiError> {
    let secret = session_cookie(&parts.headers).ok_or_else(not_signed_in)?;
    // Who, and whether they must set up a second factor, in one read:
    // every page asks it first.
    let (person, standing) = state
        .store()
        .session_holder(&secret, state.now())
        .await?
        .ok_or_else(|| ApiError::Unauthorized {
            code: "session_expired",
            message: "your session has ended or expired: sign in again".to_owned(),
        })?;
    let mut must_enrol = standing.must_enrol();
    // A session begun through an identity provider that showed its own
    // second factor needs none of Accord's (issue 16).
    if must_enrol
        && state
            .store()
            .session_provider(&secret)
            .await?
            .is_some_and(|p| p.mfa)
    {
        must_enrol = false;
    }
    Ok(Principal {
        person,
        scopes: Scope::ALL.to_vec(),
        signed_in_with: SignedInWith::Session {
            csrf_token: crate::csrf::token_for(&secret),
            session_id: accord_store::session_id(&secret),
        },
        must_enrol,
    })
}

/// Who the bearer token in `authorization` signs in; 401 for a token Accord
/// did not issue, one revoked, or one of a disabled account.
async fn by_token(authorization: &HeaderValue, state: &AppState) -> Result<Principal, ApiError> {
    let bad_token = || ApiError::Unauthorized {
        code: "invalid_token",
        message: "the bearer token is not one Accord issued, or it was revoked: \
                      send `Authorization: Bearer accord_…`, or make a new token"
            .to_owned(),
    };
    let secret = authorization
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.len() <= 200)
        .ok_or_else(bad_token)?;
    let (token, person, standing) = state
        .store()
        .token_holder(secret)
        .await?
        .ok_or_else(bad_token)?;
    // A token cannot set up a second factor, so where one is required
    // and its person has none it does nothing until they have.
    if standing.must_enrol() {
        return Err(ApiError::Forbidden {
            code: "second_factor_enrolment_required",
            message: "your partnership requires a second factor and you have none yet: sign \
                      in with your password and set one up, and this token works again"
                .to_owned(),
        });
    }
    Ok(Principal {
        person,
        scopes: token.scopes,
        signed_in_with: SignedInWith::Token { id: token.id },
        must_enrol: false,
    })
}

/// The session cookie's value, if the request carries one.
pub(crate) fn session_cookie(headers: &HeaderMap) -> Option<String> {
    cookie_named(headers, SESSION_COOKIE).filter(|v| !v.is_empty() && v.len() <= 128)
}

/// The value of the cookie `name`, if the request carries one.
pub(crate) fn cookie_named(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_owned())
}

/// The `Set-Cookie` value of a short-lived cookie for a step that begins
/// at another site and comes back (a link from an email, an identity
/// provider's redirect): `SameSite=Lax`, so that it comes with that
/// top-level navigation, for `path` only, unreadable by script. `None`
/// removes it.
pub(crate) fn lax_cookie(
    name: &str,
    path: &str,
    value: Option<&str>,
    max_age: u64,
    secure: bool,
) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let (value, max_age) = value.map_or(("", 0), |v| (v, max_age));
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .expect("a hex token and a fixed name are a valid header value")
}

/// The `Set-Cookie` value for a new session: unreadable by script
/// (`HttpOnly`), never sent by another site's requests (`SameSite=Strict`),
/// gone when the session would expire, and `Secure` when served over HTTPS.
pub(crate) fn set_session_cookie(secret: &str, secure: bool) -> HeaderValue {
    let max_age = accord_store::SESSION_LENGTH.as_secs();
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .expect("a hex secret is a valid header value")
}

/// The `Set-Cookie` value that removes the session cookie.
pub(crate) fn clear_session_cookie(secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"
    ))
    .expect("a fixed cookie is a valid header value")
}

/// The client's address: the connection's (`None` when the app is called
/// without a socket, as `oneshot` tests do), or, when the connection comes
/// from a trusted reverse proxy ([`AppState::with_trusted_proxies`]), the
/// nearest address in `X-Forwarded-For` that is not one of those proxies.
/// An untrusted sender's `X-Forwarded-For` is ignored, so nobody dodges the
/// per-address throttle by writing one.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientAddress(peer.map(|peer| {
            client_behind(peer, &parts.headers, state.trusted_proxies())
        })))
    }
}

/// The client behind `peer`, given the proxies trusted: walking
/// `X-Forwarded-For` from the nearest hop, past trusted proxies, to the
/// first address that is not one. A hop that cannot be read ends the walk
/// at the last address known, rather than throwing the chain away.
fn client_behind(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let trusted = |ip: IpAddr| {
        trusted
            .iter()
            .any(|t| t.to_canonical() == ip.to_canonical())
    };
    let peer = peer.to_canonical();
    if !trusted(peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        let Some(ip) = parse_hop(hop) else { break };
        client = ip;
        if !trusted(ip) {
            break;
        }
    }
    client
}

/// One `X-Forwarded-For` hop: an address, perhaps with a port
/// (`203.0.113.7:4711`, `[2001:db8::1]:4711`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn only_a_trusted_proxy_is_believed_about_the_client() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        let stranger: IpAddr = "198.51.100.9".parse().unwrap();
        // Behind the proxy, the client is the nearest untrusted hop; what
        // the client itself wrote further left is not believed.
        let headers = forwarded("192.0.2.1, 203.0.113.7");
        assert_eq!(client_behind(proxy, &headers, &[proxy]), client);
        // A direct client's header is ignored.
        assert_eq!(client_behind(stranger, &headers, &[proxy]), stranger);
        // No proxies trusted: nobody's header is believed.
        assert_eq!(client_behind(proxy, &headers, &[]), proxy);
        // A header that cannot be read is not guessed at.
        assert_eq!(
            client_behind(proxy, &forwarded("not an address"), &[proxy]),
            proxy
        );
        assert_eq!(client_behind(proxy, &HeaderMap::new(), &[proxy]), proxy);
    }
}
