//! Signing in and out: `POST /api/v1/session` checks a sign-in name and
//! password and sets the session cookie, `DELETE /api/v1/session` ends the
//! session, and `GET /api/v1/me` says who is signed in.
//!
//! An unknown name and a wrong password get the same 401, after the same
//! work (the store hashes against a dummy). Someone with a second factor
//! sends the code from their authenticator app too; where their
//! partnership requires one and they have none, the session they get may
//! only set one up (see `second_factor`). Failures are throttled per
//! account and per client address, with a lock that doubles up to fifteen
//! minutes; the rule is in `accord_store::ThrottleRule`.

use accord_store::{
    MAX_PASSWORD_CHARS, Person, Scope, SecondFactorCheck, SecondFactorStanding, SignInCheck,
    ThrottleRule,
};
use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    ApiError, AppState, ErrorBody,
    auth::{self, ClientAddress, Enrolling, SignedInWith},
    extract::Json,
};

/// A sign-in name and password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignIn {
    /// The name they sign in with, such as `hav-police-manager`.
    #[schema(example = "hav-police-manager")]
    sign_in: String,
    /// Their password, exactly as typed.
    #[schema(example = "accord-demo-password")]
    password: String,
    /// The six-digit code from their authenticator app, once they have set
    /// up a second factor.
    #[serde(default)]
    #[schema(max_length = 20, example = "492039")]
    code: Option<String>,
}

/// Who is signed in. Never carries anything about their password.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Me {
    /// Their person id.
    id: String,
    /// The name they sign in with.
    sign_in: String,
    /// Their full name.
    name: String,
    /// Their job title.
    job_title: String,
    /// Their email.
    email: String,
    /// Their partnership's id.
    partnership: String,
    /// Their agency's id.
    agency: String,
    /// Their role tier, such as `manager`.
    #[schema(example = "manager")]
    tier: String,
    /// The policy roles they hold.
    roles: Vec<String>,
    /// What this request may do: `read`, `write`.
    scopes: Vec<String>,
    /// `session` or `token`.
    #[schema(example = "session")]
    signed_in_with: &'static str,
    /// For a session: the token every change it makes must carry, in the
    /// `X-CSRF-Token` header (or an HTML form's `csrf_token` field).
    #[serde(skip_serializing_if = "Option::is_none")]
    csrf_token: Option<String>,
    /// `enrolled` (they sign in with a code from their authenticator app),
    /// `not_enrolled`, or `enrolment_required`: their partnership requires
    /// one and, until they set it up, this session may do nothing else.
    #[schema(example = "enrolled")]
    second_factor: &'static str,
}

/// Where someone stands with the second factor, in the API's words.
pub(crate) fn second_factor_state(standing: SecondFactorStanding) -> &'static str {
    if standing.enrolled {
        "enrolled"
    } else if standing.required {
        "enrolment_required"
    } else {
        "not_enrolled"
    }
}

/// One attempt to prove who someone is (a password, a code), counted
/// against their account and their address before anything is checked, so
/// that attempts sent together cannot all be checked before the first has
/// failed (issue 11, finding 3; [`accord_store::Store::count_attempt`]).
/// Until it is found to be no failure, it counts as one.
pub(crate) struct Attempt<'s> {
    store: &'s accord_store::Store,
    account: String,
    address: Option<String>,
    now: Timestamp,
}

impl<'s> Attempt<'s> {
    /// Counts an attempt for the name `sign_in` (as typed, so unknown names
    /// are throttled too) from `address`; 429 if either is locked.
    pub(crate) async fn count(
        store: &'s accord_store::Store,
        sign_in: &str,
        address: Option<std::net::IpAddr>,
        now: Timestamp,
    ) -> Result<Attempt<'s>, ApiError> {
        let attempt = Attempt {
            store,
            account: account_key(sign_in),
            address: address.map(address_key),
            now,
        };
        let keys = [
            (Some(&attempt.account), ThrottleRule::ACCOUNT),
            (attempt.address.as_ref(), ThrottleRule::ADDRESS),
        ];
        for (key, rule) in keys {
            let Some(key) = key else { continue };
            if let Err(until) = store.count_attempt(key, rule, now).await? {
                return Err(ApiError::TooManyAttempts {
                    retry_after: seconds_until(until, now),
                });
            }
        }
        Ok(attempt)
    }

    /// It succeeded: the account's failures are forgotten, and this
    /// attempt is taken back from the address's count, which a whole
    /// office may share.
    pub(crate) async fn succeeded(self) -> Result<(), ApiError> {
        self.store.clear_failures(&self.account).await?;
        self.refund_address().await
    }

    /// Checks `password` for `sign_in`. Turned away while other passwords
    /// were being checked (a 503), it was not checked, so it is no failure.
    pub(crate) async fn check_password(
        &self,
        sign_in: &str,
        password: &str,
    ) -> Result<SignInCheck, ApiError> {
        match self.store.check_password(sign_in, password).await {
            Err(busy @ accord_store::AccountError::Busy { .. }) => {
                self.not_a_failure().await?;
                Err(busy.into())
            }
            checked => Ok(checked?),
        }
    }

    /// It failed nothing: the password was right and its code is still to
    /// come, or it was never checked. Taken back from both counts.
    pub(crate) async fn not_a_failure(&self) -> Result<(), ApiError> {
        self.store
            .refund_attempt(&self.account, ThrottleRule::ACCOUNT, self.now)
            .await?;
        self.refund_address().await
    }

    async fn refund_address(&self) -> Result<(), ApiError> {
        if let Some(address) = &self.address {
            self.store
                .refund_attempt(address, ThrottleRule::ADDRESS, self.now)
                .await?;
        }
        Ok(())
    }
}

/// The throttle key of failed sign-ins (and codes) for the name as typed,
/// so that unknown names are throttled too.
pub(crate) fn account_key(sign_in: &str) -> String {
    format!("account:{}", sign_in.trim().to_lowercase())
}

/// The throttle key of failed sign-ins from a client address.
pub(crate) fn address_key(address: std::net::IpAddr) -> String {
    format!("address:{address}")
}

impl Me {
    pub(crate) fn new(
        person: &Person,
        scopes: &[Scope],
        with: &SignedInWith,
        second_factor: &'static str,
    ) -> Me {
        Me {
            id: person.id.to_string(),
            sign_in: person.sign_in.clone(),
            name: person.name.clone(),
            job_title: person.job_title.clone(),
            email: person.email.clone(),
            partnership: person.partnership.clone(),
            agency: person.agency.to_string(),
            tier: person.tier.id().to_owned(),
            roles: person
                .declared_roles
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
            scopes: scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            signed_in_with: match with {
                SignedInWith::Session { .. } => "session",
                SignedInWith::Token { .. } => "token",
            },
            csrf_token: match with {
                SignedInWith::Session { csrf_token, .. } => Some(csrf_token.clone()),
                SignedInWith::Token { .. } => None,
            },
            second_factor,
        }
    }
}

fn sign_in_failed() -> ApiError {
    ApiError::Unauthorized {
        code: "sign_in_failed",
        message: "the sign-in name or the password is not right: check both and try again"
            .to_owned(),
    }
}

/// Seconds from `now` until `until`, at least one.
pub(crate) fn seconds_until(until: Timestamp, now: Timestamp) -> u64 {
    let secs = until.duration_since(now).as_secs_f64().ceil();
    if secs >= 1.0 { secs as u64 } else { 1 }
}

/// Sign in with a password; sets the session cookie.
#[utoipa::path(
    post,
    path = "/api/v1/session",
    operation_id = "signIn",
    tag = "sign-in",
    request_body = SignIn,
    responses(
        (status = 200, description = "Signed in: the `accord_session` cookie is set. Where the partnership requires a second factor and they have none, `second_factor` is `enrolment_required` and the session may only set one up.", body = Me),
        (status = 401, description = "The name or password is not right (the same answer for both); or, for someone with a second factor, the `code` is missing (`second_factor_required`) or not right (`second_factor_failed`).", body = ErrorBody),
        (status = 400, description = "The body is not JSON.", body = ErrorBody),
        (status = 403, description = "The account is disabled (`account_disabled`); local passwords are switched off for the person's email domain, whose people sign in through their organisation's identity provider (`password_sign_in_off`); or the request came from another site.", body = ErrorBody),
        (status = 413, description = "The body is too large.", body = ErrorBody),
        (status = 415, description = "The body is not labelled JSON.", body = ErrorBody),
        (status = 422, description = "The body is JSON of the wrong shape.", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins; `Retry-After` says when to try again.", body = ErrorBody),
        (status = 503, description = "Too many passwords are being checked at once: nothing was checked; `Retry-After` says when to try again.", body = ErrorBody),
    )
)]
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Json(body): Json<SignIn>,
) -> Result<Response, ApiError> {
    let signed_in = check_sign_in(
        &state,
        address,
        &body.sign_in,
        &body.password,
        body.code.as_deref(),
    )
    .await?;
    let me = Me::new(
        &signed_in.person,
        &Scope::ALL,
        &SignedInWith::Session {
            csrf_token: crate::csrf::token_for(&signed_in.secret),
            session_id: accord_store::session_id(&signed_in.secret),
        },
        second_factor_state(signed_in.standing),
    );
    let mut response = Json(me).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::SET_COOKIE,
        auth::set_session_cookie(&signed_in.secret, state.secure_cookies()),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A successful sign-in: who, their new session's secret (for the cookie)
/// and where they stand with the second factor.
pub(crate) struct SignedIn {
    /// Who signed in.
    pub(crate) person: Person,
    /// The new session's secret.
    pub(crate) secret: String,
    /// Where they stand with the second factor.
    pub(crate) standing: SecondFactorStanding,
}

/// Signing in, for the API and the sign-in page alike: the throttle, the
/// password, the second factor where they have one, and a new session.
/// An unknown name and a wrong password fail alike (`sign_in_failed`).
pub(crate) async fn check_sign_in(
    state: &AppState,
    address: Option<std::net::IpAddr>,
    name: &str,
    password: &str,
    code: Option<&str>,
) -> Result<SignedIn, ApiError> {
    let now = state.now();
    let store = state.store();
    let attempt = Attempt::count(store, name, address, now).await?;
    let check = if name.len() > 256 || password.chars().count() > MAX_PASSWORD_CHARS {
        SignInCheck::Refused
    } else {
        attempt.check_password(name.trim(), password).await?
    };
    let person = match check {
        SignInCheck::Verified(person) => person,
        SignInCheck::Disabled => {
            return Err(ApiError::Forbidden {
                code: "account_disabled",
                message: "this account is disabled: ask your partnership's administrator to \
                          enable it"
                    .to_owned(),
            });
        }
        SignInCheck::Refused => return Err(sign_in_failed()),
    };
    // Local passwords switched off for the domains of an identity
    // provider (issue 16): the password was right, so saying so gives
    // nothing away, and tells them which button to use.
    if let Some(provider) = store.password_barred_by(&person).await? {
        attempt.not_a_failure().await?;
        return Err(ApiError::Forbidden {
            code: "password_sign_in_off",
            message: format!(
                "people of your organisation sign in with their organisation's account: use                  \"Sign in with {}\" on the sign-in page",
                provider.name
            ),
        });
    }
    let standing = store.second_factor_standing(&person).await?;
    if standing.enrolled {
        let code = code.filter(|c| !c.trim().is_empty());
        let Some(code) = code.filter(|c| c.len() <= 20) else {
            attempt.not_a_failure().await?;
            return Err(ApiError::Unauthorized {
                code: "second_factor_required",
                message: "enter the six-digit code from your authenticator app as `code`, \
                          with your name and password"
                    .to_owned(),
            });
        };
        if store.check_second_factor(&person.id, code, now).await? != SecondFactorCheck::Accepted {
            return Err(ApiError::Unauthorized {
                code: "second_factor_failed",
                message: "that code is not right, or has been used: enter the code your \
                          authenticator app shows now"
                    .to_owned(),
            });
        }
    }
    attempt.succeeded().await?;
    let secret = store.create_session(&person.id, now).await?;
    Ok(SignedIn {
        person,
        secret,
        standing,
    })
}

/// Sign out: ends the session and removes its cookie. Answers 204 whether
/// or not a session was there.
#[utoipa::path(
    delete,
    path = "/api/v1/session",
    operation_id = "signOut",
    tag = "sign-in",
    responses(
        (status = 204, description = "Signed out."),
        (status = 403, description = "The request came from another site.", body = ErrorBody),
    )
)]
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(secret) = auth::session_cookie(&headers) {
        state.store().end_session(&secret).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        auth::clear_session_cookie(state.secure_cookies()),
    );
    Ok(response)
}

/// Who is signed in.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    operation_id = "showMe",
    tag = "sign-in",
    responses(
        (status = 200, description = "The signed-in person.", body = Me),
        (status = 401, description = "Nobody is signed in.", body = ErrorBody),
        (status = 403, description = "The token lacks the `read` scope.", body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub(crate) async fn me(
    State(state): State<AppState>,
    Enrolling(principal): Enrolling,
) -> Result<Response, ApiError> {
    let standing = state
        .store()
        .second_factor_standing(&principal.person)
        .await?;
    let me = Me::new(
        &principal.person,
        &principal.scopes,
        &principal.signed_in_with,
        second_factor_state(standing),
    );
    let mut response = Json(me).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
