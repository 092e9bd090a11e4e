//! Single sign-on's protocol (issue 16): OpenID Connect's authorization
//! code flow with PKCE, `state` and `nonce`, against each identity provider
//! an administrator set up, configured by discovery from its issuer.
//!
//! Nothing here is hand-rolled: the `openidconnect` crate discovers the
//! provider, makes the authorization URL, exchanges the code and checks the
//! ID token (its signature against the provider's published keys, the
//! algorithm, issuer, audience, expiry and nonce). This module keeps each
//! provider's discovered metadata and keys between sign-ins, fetches the
//! keys again when a token names one it does not know (a provider rotating
//! its keys), and tolerates [`CLOCK_SKEW`] between the provider's clock and
//! Accord's. The keys are read again at most once a sign-in: an ID token
//! comes only from the provider's own token endpoint, never from the
//! browser, so nobody else can make Accord fetch them.
//!
//! Who the verified token names, and what happens next, is the sign-in
//! pages' (`pages::provider_sign_in`).

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use accord_store::IdentityProvider;
use jiff::Timestamp;
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClaimsVerificationError, Client, ClientId, ClientSecret,
    CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields,
    IssuerUrl, JsonWebKeySet, LogoutRequest, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope,
    SignatureVerificationError, StandardErrorResponse, StandardTokenResponse, TokenResponse,
    core::{
        CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
        CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm, CoreRevocableToken, CoreRevocationErrorResponse,
        CoreTokenIntrospectionResponse, CoreTokenType,
    },
    reqwest,
};
use serde::{Deserialize, Serialize};

/// How far the provider's clock and Accord's may disagree: an ID token is
/// accepted up to this long after its expiry, and one issued up to this
/// long in the future.
pub const CLOCK_SKEW: Duration = Duration::from_secs(60);

/// How long a provider's discovered metadata is kept before it is read
/// again.
const METADATA_KEPT: Duration = Duration::from_secs(3600);

/// How long Accord waits for a provider to answer.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

/// The path, under Accord's public address, that every provider sends its
/// answer to: the redirect URL to register at each.
pub const CALLBACK_PATH: &str = "/sign-in/provider/callback";

/// The claims Accord reads beyond the standard ones: Entra ID's object id
/// and its `xms_edov` (the email's domain is verified as the tenant's), and
/// a group claim for mapping groups to roles.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ExtraClaims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    oid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    xms_edov: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    groups: Vec<String>,
}

impl AdditionalClaims for ExtraClaims {}

type Fields = IdTokenFields<
    ExtraClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<Fields, CoreTokenType>;
type OidcClient = Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why a sign-in through a provider failed. Each says, in words for the
/// person signing in, what happened and what to do; none names them.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    /// The provider could not be reached or its discovery document read.
    #[error(
        "{provider} could not be reached: try again in a few minutes, or ask your partnership's administrator"
    )]
    Unreachable {
        /// The provider's name.
        provider: String,
        /// What failed, for the server's log (no personal data).
        detail: String,
    },
    /// The provider refused the code, or the token could not be fetched.
    #[error("{provider} did not complete the sign-in: start again")]
    Exchange {
        /// The provider's name.
        provider: String,
        /// What failed, for the server's log.
        detail: String,
    },
    /// The ID token failed a check: signature, algorithm, issuer, audience,
    /// expiry, issue time or nonce.
    #[error(
        "the answer from {provider} could not be trusted ({reason}), so nobody was signed in: start again, and if it happens again tell your partnership's administrator"
    )]
    Untrusted {
        /// The provider's name.
        provider: String,
        /// Which check failed, in words.
        reason: &'static str,
        /// The check's own words, for the server's log.
        detail: String,
    },
}

impl SsoError {
    /// A short name for the server's log.
    pub fn kind(&self) -> &'static str {
        match self {
            SsoError::Unreachable { .. } => "provider_unreachable",
            SsoError::Exchange { .. } => "code_exchange_failed",
            SsoError::Untrusted { .. } => "id_token_untrusted",
        }
    }

    /// What failed, for the server's log: never a token or a claim.
    pub fn detail(&self) -> &str {
        match self {
            SsoError::Unreachable { detail, .. }
            | SsoError::Exchange { detail, .. }
            | SsoError::Untrusted { detail, .. } => detail,
        }
    }
}

/// A sign-in begun: where to send the browser, and what to keep until the
/// provider answers.
#[derive(Debug)]
pub struct Begun {
    /// The provider's authorization URL, with the challenge, state and
    /// nonce.
    pub url: String,
    /// The `state` sent.
    pub state: String,
    /// The `nonce` sent.
    pub nonce: String,
    /// The PKCE verifier.
    pub pkce_verifier: String,
}

/// The provider's answer, with what Accord kept of the sign-in it
/// answers.
#[derive(Debug, Clone, Copy)]
pub struct Returned<'a> {
    /// The authorization code the provider sent back.
    pub code: &'a str,
    /// The PKCE verifier kept when the sign-in began.
    pub pkce_verifier: &'a str,
    /// The nonce kept when the sign-in began.
    pub nonce: &'a str,
}

/// What a verified ID token says of the person.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The provider's subject (`sub`).
    pub subject: String,
    /// Entra ID's object id (`oid`), where given.
    pub object_id: Option<String>,
    /// Their email, where given.
    pub email: Option<String>,
    /// The provider vouches that the email is theirs (`email_verified`, or
    /// Entra ID's `xms_edov`).
    pub email_verified: bool,
    /// Their name, where given.
    pub name: Option<String>,
    /// The authentication methods (`amr`).
    pub amr: Vec<String>,
    /// The authentication context class (`acr`).
    pub acr: Option<String>,
    /// The group claim's values.
    pub groups: Vec<String>,
    /// The ID token itself, for signing out at the provider.
    pub id_token: String,
}

impl Verified {
    /// Whether the provider showed its own second factor: an `amr` of
    /// `mfa` (RFC 8176: "multiple-factor authentication"), or an `acr` the
    /// administrator named for `provider`.
    pub fn second_factor_shown(&self, provider: &IdentityProvider) -> bool {
        self.amr.iter().any(|m| m == "mfa")
            || self
                .acr
                .as_ref()
                .is_some_and(|acr| provider.mfa_acr.iter().any(|a| a == acr))
    }
}

struct Discovered {
    issuer: String,
    metadata: ProviderMetadataWithLogout,
    read_at: Instant,
}

/// Every provider's discovered metadata and keys, and the HTTP client
/// that reads them. One for the server, shared by every request.
pub struct Providers {
    http: reqwest::Client,
    discovered: Mutex<HashMap<String, Discovered>>,
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Providers { .. }")
    }
}

impl Providers {
    /// A client that follows no redirects (the crate's advice: a
    /// redirect from a provider's endpoint could lead Accord's requests
    /// anywhere) and waits [`PROVIDER_TIMEOUT`] at most.
    pub fn new() -> Providers {
        let http = reqwest::ClientBuilder::new()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(PROVIDER_TIMEOUT)
            .build()
            .unwrap_or_default();
        Providers {
            http,
            discovered: Mutex::new(HashMap::new()),
        }
    }

    fn kept(&self, provider: &IdentityProvider) -> Option<ProviderMetadataWithLogout> {
        let kept = self.discovered.lock().unwrap_or_else(|p| p.into_inner());
        kept.get(&provider.id)
            .filter(|d| d.issuer == provider.issuer && d.read_at.elapsed() < METADATA_KEPT)
            .map(|d| d.metadata.clone())
    }

    async fn metadata(
        &self,
        provider: &IdentityProvider,
    ) -> Result<ProviderMetadataWithLogout, SsoError> {
        if let Some(metadata) = self.kept(provider) {
            return Ok(metadata);
        }
        let unreachable = |detail: String| SsoError::Unreachable {
            provider: provider.name.clone(),
            detail,
        };
        let issuer = IssuerUrl::new(provider.issuer.clone())
            .map_err(|e| unreachable(format!("issuer URL: {e}")))?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map_err(|e| unreachable(format!("discovery: {e}")))?;
        self.keep(provider, &metadata);
        Ok(metadata)
    }

    fn keep(&self, provider: &IdentityProvider, metadata: &ProviderMetadataWithLogout) {
        self.discovered
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                provider.id.clone(),
                Discovered {
                    issuer: provider.issuer.clone(),
                    metadata: metadata.clone(),
                    read_at: Instant::now(),
                },
            );
    }

    /// The provider's keys read again, and kept.
    async fn refreshed_keys(
        &self,
        provider: &IdentityProvider,
        metadata: &ProviderMetadataWithLogout,
    ) -> Result<ProviderMetadataWithLogout, SsoError> {
        let keys = JsonWebKeySet::fetch_async(metadata.jwks_uri(), &self.http)
            .await
            .map_err(|e| SsoError::Unreachable {
                provider: provider.name.clone(),
                detail: format!("keys: {e}"),
            })?;
        let metadata = metadata.clone().set_jwks(keys);
        self.keep(provider, &metadata);
        Ok(metadata)
    }

    fn client(
        metadata: ProviderMetadataWithLogout,
        provider: &IdentityProvider,
        secret: &str,
        redirect: &str,
    ) -> Result<OidcClient, SsoError> {
        let redirect = RedirectUrl::new(redirect.to_owned()).map_err(|e| SsoError::Exchange {
            provider: provider.name.clone(),
            detail: format!("redirect URL: {e}"),
        })?;
        Ok(OidcClient::from_provider_metadata(
            metadata,
            ClientId::new(provider.client_id.clone()),
            Some(ClientSecret::new(secret.to_owned())),
        )
        .set_redirect_uri(redirect))
    }

    /// Begins a sign-in at `provider`: the authorization URL, asking for
    /// `openid email profile` with a fresh PKCE challenge, state and nonce,
    /// and its answer to come back to `redirect`.
    pub async fn begin(
        &self,
        provider: &IdentityProvider,
        secret: &str,
        redirect: &str,
    ) -> Result<Begun, SsoError> {
        let metadata = self.metadata(provider).await?;
        let client = Self::client(metadata, provider, secret, redirect)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".to_owned()))
            .add_scope(Scope::new("profile".to_owned()))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Begun {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges `code` for tokens with the PKCE `verifier`, and checks the
    /// ID token against `nonce`, at `now` on Accord's clock: its signature
    /// by a key the provider publishes (fetched again, once, for a key it
    /// does not yet know), its algorithm, issuer, audience, expiry and
    /// issue time within [`CLOCK_SKEW`], and its nonce.
    pub async fn finish(
        &self,
        provider: &IdentityProvider,
        secret: &str,
        redirect: &str,
        returned: Returned<'_>,
        now: Timestamp,
    ) -> Result<Verified, SsoError> {
        let Returned {
            code,
            pkce_verifier: verifier,
            nonce,
        } = returned;
        let metadata = self.metadata(provider).await?;
        let client = Self::client(metadata.clone(), provider, secret, redirect)?;
        let exchange = |detail: String| SsoError::Exchange {
            provider: provider.name.clone(),
            detail,
        };
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| exchange(format!("token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|e| exchange(format!("token request: {e}")))?;
        let Some(id_token) = tokens.id_token() else {
            return Err(exchange("the token response has no ID token".into()));
        };
        let nonce = Nonce::new(nonce.to_owned());
        let checked = check(&client, id_token, &nonce, now);
        let claims = match checked {
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                let metadata = self.refreshed_keys(provider, &metadata).await?;
                let client = Self::client(metadata, provider, secret, redirect)?;
                check(&client, id_token, &nonce, now)
            }
            other => other,
        }
        .map_err(|e| SsoError::Untrusted {
            provider: provider.name.clone(),
            reason: untrusted_reason(&e),
            detail: e.to_string(),
        })?;
        let extra = claims.additional_claims();
        Ok(Verified {
            subject: claims.subject().to_string(),
            object_id: extra.oid.clone(),
            email: claims.email().map(|e| e.to_string()),
            email_verified: claims.email_verified() == Some(true) || extra.xms_edov == Some(true),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string()),
            amr: claims
                .auth_method_refs()
                .map(|v| v.iter().map(|m| m.to_string()).collect())
                .unwrap_or_default(),
            acr: claims.auth_context_ref().map(|a| a.to_string()),
            groups: extra.groups.clone(),
            id_token: id_token.to_string(),
        })
    }

    /// Where to send the browser to sign out at `provider` too, coming back
    /// to `after`: `None` if the provider offers no sign-out (no
    /// `end_session_endpoint`) or cannot be reached now.
    pub async fn sign_out_url(
        &self,
        provider: &IdentityProvider,
        id_token: &str,
        after: &str,
    ) -> Option<String> {
        let metadata = self.metadata(provider).await.ok()?;
        let end = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        let mut request = LogoutRequest::from(end)
            .set_client_id(ClientId::new(provider.client_id.clone()))
            .set_post_logout_redirect_uri(PostLogoutRedirectUrl::new(after.to_owned()).ok()?);
        let token: Option<IdToken> = id_token.parse().ok();
        if let Some(token) = &token {
            request = request.set_id_token_hint(token);
        }
        Some(request.http_get_url().to_string())
    }
}

impl Default for Providers {
    fn default() -> Self {
        Providers::new()
    }
}

type IdToken = openidconnect::IdToken<
    ExtraClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

fn check<'t>(
    client: &OidcClient,
    id_token: &'t IdToken,
    nonce: &Nonce,
    now: Timestamp,
) -> Result<&'t openidconnect::IdTokenClaims<ExtraClaims, CoreGenderClaim>, ClaimsVerificationError>
{
    let skew = chrono::TimeDelta::from_std(CLOCK_SKEW).unwrap_or_default();
    let now =
        chrono::DateTime::<chrono::Utc>::from_timestamp(now.as_second(), 0).unwrap_or_default();
    let verifier = client
        .id_token_verifier()
        // Expired only once `exp` is more than the skew ago.
        .set_time_fn(move || now - skew)
        .set_issue_time_verifier_fn(move |iat| {
            if iat > now + skew {
                Err(format!("issued in the future, at {iat}"))
            } else {
                Ok(())
            }
        });
    id_token.claims(&verifier, nonce)
}

/// Which check a token failed, in words for the person signing in.
fn untrusted_reason(error: &ClaimsVerificationError) -> &'static str {
    match error {
        ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoSignature) => {
            "it was not signed"
        }
        ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        ) => "it was signed with a key the provider does not publish",
        ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::DisallowedAlg(_),
        ) => "it was signed with an algorithm the provider does not use",
        ClaimsVerificationError::SignatureVerification(_) => "its signature is not right",
        ClaimsVerificationError::InvalidIssuer(_) => "it came from another issuer",
        ClaimsVerificationError::InvalidAudience(_) => "it was meant for another service",
        ClaimsVerificationError::Expired(_) => "it had expired",
        ClaimsVerificationError::InvalidNonce(_) => "it did not belong to the sign-in you started",
        ClaimsVerificationError::Other(_) => "it was issued at a time Accord does not accept",
        _ => "it failed a check",
    }
}
