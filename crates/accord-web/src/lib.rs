//! Accord's web layer: the HTTP server that `accord serve` runs, its JSON
//! API under `/api/v1` (described by OpenAPI 3 at `/api/openapi.json`, with
//! interactive docs at `/api/docs`), one error type for every failure, and
//! the hardening every response gets.
//!
//! [`app`] returns the whole application as a [`Router`], so tests can call
//! it without a socket; [`serve`] runs it on a listener until a shutdown
//! signal, letting requests in flight finish, with timeouts and a cap on
//! connections ([`ConnectionLimits`]).
//!
//! ```no_run
//! # async fn demo(store: accord_store::Store) -> std::io::Result<()> {
//! use accord_calendar::Calendars;
//!
//! let calendars = Calendars::builtin();
//! let policies = accord_policy::builtin(&calendars);
//! let state = accord_web::AppState::new(store, calendars, policies);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! accord_web::serve(listener, state, accord_web::shutdown_signal()?).await
//! # }
//! ```
//!
//! Sign-in: `POST /api/v1/session` checks a password and sets a session
//! cookie; `POST /api/v1/tokens` makes bearer tokens for other systems.
//! Handlers that need someone signed in take a [`Principal`], which
//! answers 401 when nobody is (see [`auth`]).
//!
//! Errors: handlers return [`ApiError`], whose variants map one-to-one to
//! HTTP statuses. The extractors in [`extract`] turn every malformed
//! request into an [`ApiError`] too, so a client always gets the same JSON
//! error shape, never axum's plain-text defaults.

pub mod access;
mod api;
pub mod auth;
pub mod csrf;
mod csv_cell;
mod error;
pub mod extract;
mod hardening;
pub mod idempotency;
pub mod oidc;
mod pages;
pub mod subject_access;

use std::{future::Future, net::IpAddr, sync::Arc, time::Duration};

use accord_calendar::{Calendar, Calendars};
use accord_case::Case;
use accord_policy::{Policy, PolicyId};
use accord_store::{Policies, Store};
use axum::Router;
use jiff::Timestamp;
use tokio::net::TcpListener;

pub use api::ApiDoc;
pub use auth::Principal;
pub use error::{ApiError, ErrorBody};
pub use hardening::{CONTENT_SECURITY_POLICY, STRICT_TRANSPORT_SECURITY};

/// The largest request body Accord reads, in bytes. Every form and command
/// in the policies fits many times over; anything larger is refused with
/// 413 before it is parsed.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The largest body a file upload may send: a partnership's policy file
/// (the longest built-in is 44 KB) or its directory as CSV (a partnership
/// of several thousand people is a few hundred KB). Only the upload pages
/// take it; every other route keeps [`BODY_LIMIT`].
pub const UPLOAD_LIMIT: usize = 2 * 1024 * 1024;

/// The routes that take files, with the larger [`UPLOAD_LIMIT`]: the
/// directory import and its confirmation, which carries the checked files
/// back (issue 13 §3), and the policy upload and its confirmation (§2).
/// Everywhere else a body, multipart or not, keeps [`BODY_LIMIT`], so
/// nobody can make the server read megabytes on any other route; the
/// extractors and the CSRF layer read this one list.
pub const UPLOAD_PATHS: [&str; 4] = [
    "/admin/directory/import",
    "/admin/directory/import/confirm",
    "/admin/policy/check",
    "/admin/policy/install",
];

/// What an upload larger than [`UPLOAD_LIMIT`] is told: what to do, not
/// a number of bytes.
pub(crate) fn too_large_upload() -> ApiError {
    ApiError::Unprocessable {
        code: "files_too_large",
        message: format!(
            "the files are larger than {} MiB together: a policy file is far smaller; split \
             a directory's people.csv into smaller files, each with the header row, and \
             import them one after another",
            UPLOAD_LIMIT / (1024 * 1024)
        ),
        field: None,
    }
}

/// The body limit of a request to `path`.
pub fn body_limit(path: &str) -> usize {
    if UPLOAD_PATHS.contains(&path) {
        UPLOAD_LIMIT
    } else {
        BODY_LIMIT
    }
}

/// What every handler can reach: the store, the calendars and the policies.
/// Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    shared: Arc<Shared>,
}

struct Shared {
    store: Store,
    calendars: Calendars,
    clock: Clock,
    secure_cookies: bool,
    trusted_proxies: Vec<IpAddr>,
    base_url: Option<String>,
    email: bool,
    /// Each identity provider's discovered metadata and keys (issue 16).
    providers: oidc::Providers,
}

/// Where the server reads the time: the system clock, or a test's.
type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

impl AppState {
    /// The state for a store opened with `policies`, whose working days are
    /// counted on `calendars` (the built-in ones plus any an administrator
    /// keeps).
    pub fn new(store: Store, calendars: Calendars, policies: Vec<Policy>) -> AppState {
        store.know_policies(policies.into_iter().map(Arc::new));
        AppState {
            shared: Arc::new(Shared {
                store,
                calendars,
                clock: Arc::new(Timestamp::now),
                secure_cookies: false,
                trusted_proxies: Vec::new(),
                base_url: None,
                providers: oidc::Providers::new(),
                email: false,
            }),
        }
    }

    /// The same state reading the time from `clock`, so tests can move
    /// time on (past a sign-in throttle, a session's expiry) without
    /// sleeping. Call it before the state is cloned.
    pub fn with_clock(mut self, clock: impl Fn() -> Timestamp + Send + Sync + 'static) -> AppState {
        self.shared_mut().clock = Arc::new(clock);
        self
    }

    /// The same state marking its session cookies `Secure`, for a server
    /// reached over HTTPS (through a proxy that terminates TLS). Call it
    /// before the state is cloned.
    pub fn with_secure_cookies(mut self, secure: bool) -> AppState {
        self.shared_mut().secure_cookies = secure;
        self
    }

    /// The same state believing `X-Forwarded-For` from these addresses
    /// only: the reverse proxies in front of the server, so the sign-in
    /// throttle counts each client's address rather than the proxy's.
    /// Call it before the state is cloned.
    pub fn with_trusted_proxies(mut self, proxies: Vec<IpAddr>) -> AppState {
        self.shared_mut().trusted_proxies = proxies;
        self
    }

    /// The same state knowing the address people reach it at (such as
    /// `https://accord.example.org`, the job runner's base URL), for the
    /// links it gives out that are opened elsewhere: a calendar feed's
    /// address and the case links in it. Without one, they are made from
    /// the request's `Host`. Call it before the state is cloned.
    pub fn with_base_url(mut self, base_url: Option<String>) -> AppState {
        self.shared_mut().base_url = base_url
            .map(|u| u.trim().trim_end_matches('/').to_owned())
            .filter(|u| !u.is_empty());
        self
    }

    /// The same state knowing whether its job runner sends email (an SMTP
    /// server is configured), so that the pages that rely on email (an
    /// invitation, a password reset) can say when it does not. Call it
    /// before the state is cloned.
    pub fn with_email(mut self, email: bool) -> AppState {
        self.shared_mut().email = email;
        self
    }

    /// Whether the job runner sends email.
    pub fn email(&self) -> bool {
        self.shared.email
    }

    /// The identity providers' discovered metadata and keys.
    pub fn providers(&self) -> &oidc::Providers {
        &self.shared.providers
    }

    /// The address people reach the server at, if it was told one.
    pub fn base_url(&self) -> Option<&str> {
        self.shared.base_url.as_deref()
    }

    /// The reverse proxies whose `X-Forwarded-For` is believed.
    pub fn trusted_proxies(&self) -> &[IpAddr] {
        &self.shared.trusted_proxies
    }

    fn shared_mut(&mut self) -> &mut Shared {
        Arc::get_mut(&mut self.shared).expect("configure the state before cloning it")
    }

    /// Now, by the state's clock.
    pub fn now(&self) -> Timestamp {
        (self.shared.clock)()
    }

    /// Whether session cookies are marked `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.shared.secure_cookies
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    /// The calendars.
    pub fn calendars(&self) -> &Calendars {
        &self.shared.calendars
    }

    /// The policy versions this server knows: the built-in ones and every
    /// version a partnership installed that it has loaded. A snapshot.
    pub fn policies(&self) -> Arc<Policies> {
        self.store().policies()
    }

    /// The policy version `case` is bound to, and its calendar, loading a
    /// version another process installed. Missing only if the database
    /// holds cases under a version it does not hold: a server fault.
    pub async fn policy_of(&self, case: &Case) -> Result<(Arc<Policy>, &Calendar), ApiError> {
        let policy = self
            .store()
            .policy_version(case.policy(), case.policy_version(), self.calendars())
            .await
            .map_err(|e| ApiError::Internal(Box::new(e)))?
            .ok_or_else(|| {
                ApiError::Internal(
                    format!(
                        "case {} is bound to {} version {}, which this server does not have",
                        case.id(),
                        case.policy(),
                        case.policy_version()
                    )
                    .into(),
                )
            })?;
        let calendar = self.calendar_of(&policy)?;
        Ok((policy, calendar))
    }

    /// The version of policy `id` in force, which new cases are raised
    /// under: the newest installed, or the built-in one. Asks the database,
    /// so a version installed from the command line is in force at once.
    pub async fn current_policy(&self, id: &PolicyId) -> Result<Arc<Policy>, ApiError> {
        self.store()
            .policy_in_force(id, self.calendars())
            .await
            .map_err(|e| ApiError::Internal(Box::new(e)))?
            .ok_or_else(|| {
                ApiError::Internal(format!("this server does not have policy {id}").into())
            })
    }

    /// `policy`'s calendar.
    pub fn calendar_of(&self, policy: &Policy) -> Result<&Calendar, ApiError> {
        self.calendars()
            .get(&policy.calendar)
            .map_err(|e| ApiError::Internal(Box::new(e)))
    }
}

/// The whole application: the API, its docs, and the hardening layers.
pub fn app(state: AppState) -> Router {
    let router = Router::new()
        .merge(pages::router())
        .nest(
            "/api",
            api::router().layer(axum::middleware::from_fn_with_state(
                state.clone(),
                idempotency::keep_answers,
            )),
        )
        .merge(api::docs())
        .fallback(pages::not_found);
    hardening::harden(router, &state, pages::draw_refused_forms).with_state(state)
}

/// How long the server waits on a client, and how many it serves at once,
/// so that clients that connect and then send slowly or nothing cannot
/// hold its connections, memory and tasks for ever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// How long a client has to send a request's headers: from connecting,
    /// and again from each answer on a kept-alive connection, so an idle
    /// connection is closed after this long too.
    pub header_read_timeout: Duration,
    /// How long a request's body has to arrive in full, from when its
    /// handler starts reading it; a body still incomplete then is answered
    /// 400 and its connection closed.
    pub body_read_timeout: Duration,
    /// The most connections served at once. Further clients wait in the
    /// system's listen backlog until one closes.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    /// 15 s for headers, 30 s for a body (every form and command fits in
    /// [`BODY_LIMIT`], which even a slow mobile connection sends in well
    /// under that), and 512 connections.
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(15),
            body_read_timeout: Duration::from_secs(30),
            max_connections: 512,
        }
    }
}

/// Serves [`app`] on `listener` with the default [`ConnectionLimits`]; see
/// [`serve_with_limits`].
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with_limits(listener, state, ConnectionLimits::default(), shutdown).await
}

/// Serves [`app`] on `listener` over HTTP/1.1 until `shutdown` completes,
/// then stops accepting connections and returns once every request in
/// flight has been answered.
///
/// Each connection is refused time to dawdle by `limits`, and each request
/// carries the client's address as `ConnectInfo<SocketAddr>` for the
/// per-address sign-in throttle. HTTP/1.1 only: Accord is reached through
/// a proxy that terminates TLS and speaks HTTP/1.1 to it, and the
/// timeouts here are HTTP/1's.
pub async fn serve_with_limits(
    listener: TcpListener,
    state: AppState,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let housekeeping = tokio::spawn(prune_sign_in_records(state.clone()));
    let app = app(state);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let connections = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // A free slot first, so a client beyond the cap waits in the
        // backlog rather than being accepted and left unanswered.
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot.expect("the slots are never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(cause) => {
                    accept_failed(cause).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Answers are small and written whole: send them at once.
        let _ = stream.set_nodelay(true);
        let service = tower::ServiceBuilder::new()
            .map_request(move |mut request: axum::extract::Request<_>| {
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                request
            })
            .layer(tower_http::timeout::RequestBodyDeadlineLayer::new(
                limits.body_read_timeout,
            ))
            .service(app.clone());
        let connection = connections.watch(http.serve_connection(
            hyper_util::rt::TokioIo::new(stream),
            hyper_util::service::TowerToHyperService::new(service),
        ));
        tokio::spawn(async move {
            // A client that timed out or hung up: nothing to act on, and
            // the cause names no one.
            if let Err(cause) = connection.await {
                tracing::debug!(cause = %cause, "connection closed");
            }
            drop(slot);
        });
    }
    // Stop listening, then let each connection finish the request it is
    // in (an idle one closes at once).
    drop(listener);
    connections.shutdown().await;
    housekeeping.abort();
    Ok(())
}

/// After a failed `accept`: a client that went away before it was accepted
/// is nothing; anything else (such as running out of file descriptors) is
/// logged and waited out, as tokio's and axum's servers do, rather than
/// spinning or stopping the server.
async fn accept_failed(cause: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        cause.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::warn!(cause = %cause, "could not accept a connection; trying again in a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// How often expired sessions and forgotten failed sign-ins are removed.
const PRUNE_EVERY: Duration = Duration::from_secs(60 * 60);

/// At start and then every [`PRUNE_EVERY`], removes expired sessions,
/// failed-sign-in counts old enough to be forgotten and raise drafts
/// untouched for 30 days, so those tables hold only what still matters. A failure is logged and tried again next time.
async fn prune_sign_in_records(state: AppState) {
    let mut every = tokio::time::interval(PRUNE_EVERY);
    loop {
        every.tick().await;
        match state.store().prune_sign_in_records(state.now()).await {
            Ok((0, 0)) => {}
            Ok((sessions, failures)) => {
                tracing::info!(sessions, failures, "removed expired sign-in records")
            }
            Err(cause) => {
                tracing::warn!(cause = %cause, "could not remove expired sign-in records")
            }
        }
        match state.store().prune_idempotency_keys(state.now()).await {
            Ok(0) => {}
            Ok(keys) => tracing::info!(keys, "removed idempotency keys older than a day"),
            Err(cause) => tracing::warn!(cause = %cause, "could not remove old idempotency keys"),
        }
        match state.store().prune_raise_drafts(state.now()).await {
            Ok(0) => {}
            Ok(drafts) => tracing::info!(drafts, "removed raise drafts untouched for 30 days"),
            Err(cause) => tracing::warn!(cause = %cause, "could not remove old raise drafts"),
        }
        match state.store().prune_provider_sign_ins(state.now()).await {
            Ok(0) => {}
            Ok(sign_ins) => {
                tracing::info!(sign_ins, "removed sign-ins at providers never finished")
            }
            Err(cause) => {
                tracing::warn!(cause = %cause, "could not remove unfinished sign-ins at providers")
            }
        }
    }
}

/// A future that completes on Ctrl-C (SIGINT) or SIGTERM (what service
/// managers and container runtimes send to stop a process), then logs that
/// the server is shutting down.
///
/// The handlers are installed when this is called, not when the future is
/// first polled, so a signal that arrives while the server is starting is
/// not lost (nor does it kill the process outright). Call it inside the
/// runtime.
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = terminate.recv() => {},
                _ = interrupt.recv() => {},
            }
            tracing::info!("shutting down: finishing requests in flight");
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            // Without a handler Ctrl-C still stops the process, only not
            // gracefully.
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down: finishing requests in flight");
        })
    }
}
