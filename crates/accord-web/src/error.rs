//! The web layer's one error type, [`ApiError`]: every way a request can
//! fail, each variant mapped to one HTTP status and rendered as an
//! [`ErrorBody`].
//!
//! What the person sees (the body's `message`) is kept apart from what is
//! logged: a 4xx says what to change and logs nothing, a 5xx says only that
//! something went wrong on our side and logs its cause. Causes come from the
//! store, whose messages carry case ids and sequence numbers but never
//! personal data, so they may go into a log line as they are.

use accord_case::Refusal;
use accord_store::{AppendError, Conflict, StoreError};
use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

/// Why a request failed. Handlers return it; its [`IntoResponse`] sets the
/// status and writes the JSON body.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request is malformed, such as a query parameter that cannot
    /// be read or a body that is not JSON.
    #[error("{message}")]
    BadRequest {
        /// A stable, machine-readable code such as `invalid_parameter`.
        code: &'static str,
        /// What to change, as a sentence.
        message: String,
        /// The parameter or JSON field it concerns, if one.
        field: Option<String>,
    },
    /// 401: the request needs someone signed in (a session cookie or a
    /// bearer token) and has nobody, or the sign-in was refused.
    #[error("{message}")]
    Unauthorized {
        /// A stable code such as `not_signed_in` or `sign_in_failed`.
        code: &'static str,
        /// What to do: sign in, or check the name and password.
        message: String,
    },
    /// 403: whoever is signed in may not do this, whatever the case.
    #[error("{message}")]
    Forbidden {
        /// A stable code such as `insufficient_scope`.
        code: &'static str,
        /// What would be allowed, or whom to ask.
        message: String,
    },
    /// 429: too many failed sign-ins; the answer says when to try again.
    #[error(
        "too many failed sign-ins: wait {retry_after} seconds and try again, or ask your partnership's administrator to reset your password"
    )]
    TooManyAttempts {
        /// Seconds until another attempt will be checked.
        retry_after: u64,
    },
    /// 404: there is no such thing, or no such route.
    #[error("{message}")]
    NotFound {
        /// A stable code such as `unknown_policy`.
        code: &'static str,
        /// What exists instead, or where to look.
        message: String,
    },
    /// 405: the route exists but not for this method.
    #[error("this address does not accept that method")]
    MethodNotAllowed,
    /// 409: someone changed the case since it was read (optimistic
    /// concurrency, DESIGN.md §4).
    #[error(transparent)]
    Conflict(#[from] Conflict),
    /// 413: the body is larger than [`crate::BODY_LIMIT`].
    #[error("the request body is larger than {} KiB", crate::BODY_LIMIT / 1024)]
    PayloadTooLarge,
    /// 415: a JSON route was sent something that is not labelled JSON.
    #[error("send the body as JSON with the header `Content-Type: application/json`")]
    UnsupportedMediaType,
    /// 422: the body is JSON but not the shape the route takes.
    #[error("{message}")]
    Unprocessable {
        /// A stable code such as `invalid_body`.
        code: &'static str,
        /// What is wrong with it.
        message: String,
        /// The JSON path of the field, such as `subjects[0].name`.
        field: Option<String>,
    },
    /// 403 or 422: the case's policy does not allow the command. The
    /// refusal names the rule and the document section it comes from; a
    /// rule about who may do something (only a manager, only the stage's
    /// decider, only the raising agency, only a party) is a 403, any other
    /// a 422.
    #[error("{refusal}")]
    Refused {
        /// The engine's refusal.
        refusal: Box<Refusal>,
        /// The request field it concerns, such as `area` or
        /// `record.participants`, where there is one.
        field: Option<String>,
    },
    /// 503: the server is busy checking other passwords (every core is
    /// hashing and the short queue behind them is full), so this request
    /// was refused before anything was checked or changed. The answer's
    /// `Retry-After` says when to try again. Nothing is logged: it is the
    /// gate working, not a fault.
    #[error("Accord is busy checking other passwords: try again in {retry_after} seconds")]
    Busy {
        /// Seconds to wait before trying again.
        retry_after: u64,
    },
    /// 503: the database cannot be reached. The cause is logged.
    #[error("the database cannot be reached")]
    Unavailable(#[source] StoreError),
    /// 500: anything else that went wrong on the server. The cause is
    /// logged; the person sees only that it was not their fault.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable, machine-readable code, such as `unknown_policy`,
    /// `invalid_parameter` or, for a refusal, the rule's name.
    #[schema(example = "unknown_policy")]
    pub code: String,
    /// What went wrong and what to do about it, as a sentence.
    pub message: String,
    /// The parameter or JSON field it concerns, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For a refusal, the section of the policy document (or of DESIGN.md)
    /// whose rule refused it, such as "§2.12".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
}

impl ApiError {
    /// A 400 about one query or path parameter.
    pub fn invalid_parameter(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::BadRequest {
            code: "invalid_parameter",
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Refused { refusal, .. } if is_about_who(refusal) => StatusCode::FORBIDDEN,
            ApiError::Unprocessable { .. } | ApiError::Refused { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::Busy { .. } | ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The body the person or program sees.
    pub fn body(&self) -> ErrorBody {
        let plain = |code: &str, field: Option<&String>| ErrorBody {
            code: code.to_owned(),
            message: self.to_string(),
            field: field.cloned(),
            section: None,
        };
        match self {
            ApiError::BadRequest { code, field, .. }
            | ApiError::Unprocessable { code, field, .. } => plain(code, field.as_ref()),
            ApiError::NotFound { code, .. }
            | ApiError::Unauthorized { code, .. }
            | ApiError::Forbidden { code, .. } => plain(code, None),
            ApiError::TooManyAttempts { .. } => plain("too_many_attempts", None),
            ApiError::Busy { .. } => plain("busy", None),
            ApiError::MethodNotAllowed => plain("method_not_allowed", None),
            ApiError::Conflict(_) => plain("stale_version", None),
            ApiError::PayloadTooLarge => ErrorBody {
                message: format!(
                    "{self}: send at most {} bytes, or split the request",
                    crate::BODY_LIMIT
                ),
                ..plain("body_too_large", None)
            },
            ApiError::UnsupportedMediaType => plain("unsupported_media_type", None),
            ApiError::Refused { refusal, field } => ErrorBody {
                code: refusal_code(refusal),
                message: refusal.to_string(),
                field: field.clone(),
                section: Some(refusal.section().to_owned()),
            },
            ApiError::Unavailable(_) => ErrorBody {
                message: "The database cannot be reached. Try again shortly; if it persists, \
                          tell the service's administrator."
                    .to_owned(),
                ..plain("database_unreachable", None)
            },
            ApiError::Internal(_) => ErrorBody {
                message: "Something went wrong on our side; it has been logged. Try again, \
                          and if it persists, tell the service's administrator."
                    .to_owned(),
                ..plain("internal_error", None)
            },
        }
    }
}

/// A refusal's rule name (its serde tag, such as `stage_skip`), which is
/// stable because stored events and API clients both rely on it.
fn refusal_code(refusal: &Refusal) -> String {
    serde_json::to_value(refusal)
        .ok()
        .and_then(|v| v.get("rule").and_then(|r| r.as_str()).map(str::to_owned))
        .unwrap_or_else(|| "refused".to_owned())
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        let field = match &refusal {
            Refusal::DateOutOfRange { field, .. }
            | Refusal::UnknownPerson { field, .. }
            | Refusal::NotTheirAgency { field, .. }
            | Refusal::RoleNotHeld { field, .. }
            | Refusal::ActionOwnerInactive { field, .. }
            | Refusal::ActionOwnerNotInvolved { field, .. }
            | Refusal::NotAPanelSeat { field, .. }
            | Refusal::SeatHolderInactive { field, .. }
            | Refusal::SuccessorInactive { field, .. }
            | Refusal::SuccessorIsAdministrator { field, .. }
            | Refusal::AdministratorTakesNoPart { field, .. } => Some(field.clone()),
            Refusal::SuccessorNotOfAgency { .. } => Some("to".to_owned()),
            other => refusal_field(other).map(str::to_owned),
        };
        ApiError::Refused {
            field,
            refusal: Box::new(refusal),
        }
    }
}

/// Whether `refusal` is about who is acting rather than what they sent.
fn is_about_who(refusal: &Refusal) -> bool {
    matches!(
        refusal,
        Refusal::NotAManager { .. }
            | Refusal::NotTheDecider { .. }
            | Refusal::NotThePanelsRecorder { .. }
            | Refusal::NotWhoRecordsWithoutAgreement { .. }
            | Refusal::RecorderNotUninvolved { .. }
            | Refusal::DeciderNotUninvolved { .. }
            | Refusal::NotRaisingAgency { .. }
            | Refusal::NotAParty { .. }
            | Refusal::NotTheSectionsCompleter { .. }
            | Refusal::NotTheConcurringRole { .. }
            | Refusal::NotAnAdministrator { .. }
    )
}

/// The field of the raise or command body that `refusal` concerns, by the
/// names the API's request bodies use; `None` where the refusal is about
/// the case's state or who is acting.
fn refusal_field(refusal: &Refusal) -> Option<&'static str> {
    Some(match refusal {
        Refusal::UnknownTrack { .. } => "track",
        Refusal::OutOfScope { .. } | Refusal::UnknownSignpost { .. } => "signpost",
        Refusal::OwnAgency { .. } => "other_agency",
        Refusal::NotAPolicyArea { .. } => "area",
        Refusal::SubjectKindNotCovered { .. } => "subjects",
        Refusal::LaterStartNeedsImmediateRisk { .. } => "start_at",
        Refusal::BelowEntryStage { .. } | Refusal::ImmediateRiskEntryNotAllowed { .. } => {
            "start_at.stage"
        }
        Refusal::StageSkip { .. }
        | Refusal::StageBackwards { .. }
        | Refusal::DirectEntryNotJustified { .. } => "to",
        Refusal::UnknownForm { .. } => "form",
        Refusal::FormIncomplete { .. } | Refusal::FormInvalid { .. } => "values",
        Refusal::ChairNotUninvolved { .. } | Refusal::NoParticipants { .. } => {
            "record.participants"
        }
        Refusal::DiscussionInFuture { .. } | Refusal::DiscussionBeforeRaised { .. } => {
            "record.held_at"
        }
        Refusal::ActionDueInPast { .. } => "details.by_when",
        Refusal::NoSubjects { .. } => "subjects",
        Refusal::PanelTooSmall { .. }
        | Refusal::PanelLacksDisputingAgencies { .. }
        | Refusal::NoPanelMembers { .. } => "members",
        Refusal::PanelShortfallNeedsReason { .. } => "shortfall_reason",
        Refusal::RouteNotAllowed { .. } | Refusal::NoDisagreementRecorded { .. } => "route",
        Refusal::UnknownTheme { .. } => "theme",
        Refusal::NotALearningDestination { .. } => "forwarded_to",
        Refusal::ConfirmationsMissing { .. } => "missing_confirmations",
        Refusal::NoSuchDiscussion { .. } | Refusal::AlreadyApproved { .. } => "discussion",
        Refusal::NoSuchAction { .. } | Refusal::AlreadyCompleted { .. } => "action",
        Refusal::NoSuchLearning { .. } => "learning",
        Refusal::NoSuchFollowUp { .. } => "follow_up",
        Refusal::NoSuchEvent { .. } => "corrects",
        Refusal::CorrectionDoesNotFit { .. } => "amendment",
        Refusal::NoSuchSubject { .. } => "subject",
        Refusal::ExtensionTooLong { .. } => "by",
        Refusal::AgreedTimescaleTooLong { .. } | Refusal::AgreedTimescalePassed { .. } => {
            "timescale"
        }
        _ => return None,
    })
}

impl ApiError {
    /// The JSON answer, keeping the error (for a layer that also hands it
    /// on); logs a server-side cause as [`IntoResponse`] does.
    pub(crate) fn body_response(&self) -> Response {
        // Only server-side failures are logged: their causes are ours to
        // fix. Store messages name case ids and numbers, never people.
        match self {
            ApiError::Internal(cause) => tracing::error!(cause = %cause, "request failed"),
            ApiError::Unavailable(cause) => {
                tracing::error!(cause = %cause, "database unreachable")
            }
            _ => {}
        }
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        let headers = response.headers_mut();
        match self {
            // RFC 6750: say how to authenticate.
            ApiError::Unauthorized { .. } => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"accord\""),
                );
            }
            ApiError::TooManyAttempts { retry_after } | ApiError::Busy { retry_after } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            _ => {}
        }
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.body_response()
    }
}

impl From<accord_store::AccountError> for ApiError {
    fn from(e: accord_store::AccountError) -> Self {
        match e {
            accord_store::AccountError::Busy { retry_after } => ApiError::Busy { retry_after },
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

impl From<accord_store::DirectoryError> for ApiError {
    fn from(e: accord_store::DirectoryError) -> Self {
        ApiError::Internal(Box::new(e))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Internal(Box::new(e))
    }
}

impl From<AppendError> for ApiError {
    fn from(e: AppendError) -> Self {
        match e {
            AppendError::Conflict(conflict) => ApiError::Conflict(conflict),
            // An empty or misnumbered append is a bug in the server, not the
            // request: the handler decided the events.
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use accord_case::{CaseId, Sequence};

    use super::*;

    #[test]
    fn a_stale_version_is_a_409_that_says_to_reload() {
        let case = CaseId::parse("HAV-2027-0001").expect("a case id");
        let err = ApiError::from(AppendError::Conflict(Conflict {
            case,
            expected: Some(Sequence::FIRST),
            actual: Some(Sequence::FIRST.next()),
        }));
        assert_eq!(err.status(), StatusCode::CONFLICT);
        let body = err.body();
        assert_eq!(body.code, "stale_version");
        assert!(
            body.message.contains("reload it and try again"),
            "{}",
            body.message
        );
    }

    #[test]
    fn a_refusal_carries_its_rule_and_section() {
        let refusal = Refusal::OwnAgency {
            section: "§3.1".to_owned(),
        };
        let err = ApiError::from(refusal);
        assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = err.body();
        assert_eq!(body.code, "own_agency");
        assert_eq!(body.section.as_deref(), Some("§3.1"));
        assert_eq!(body.field.as_deref(), Some("other_agency"));
        assert!(!body.message.is_empty());
    }

    #[test]
    fn a_refusal_of_who_is_acting_is_a_403() {
        let err = ApiError::from(Refusal::NotAManager {
            tier: "practitioner".to_owned(),
            section: "DESIGN.md §3".to_owned(),
        });
        assert_eq!(err.status(), StatusCode::FORBIDDEN);
        assert_eq!(err.body().code, "not_a_manager");
        assert_eq!(err.body().field, None);
    }

    /// Sutton Appendix 1's Advisor section and §7c's concurrence are
    /// reserved for a role, as deciding is: refused with a 403 naming it.
    #[test]
    fn a_section_or_concurrence_reserved_for_a_role_is_a_403_naming_it() {
        let section = ApiError::from(Refusal::NotTheSectionsCompleter {
            form: "appendix-1".parse().unwrap(),
            title: "Appendix 1".to_owned(),
            section_title: "Safeguarding Advisor".to_owned(),
            completers: vec!["Safeguarding Advisor".to_owned()],
            section: "Appendix 1".to_owned(),
        });
        assert_eq!(section.status(), StatusCode::FORBIDDEN);
        assert_eq!(section.body().code, "not_the_sections_completer");
        assert!(
            section
                .body()
                .message
                .contains("only the Safeguarding Advisor")
        );
        let concur = ApiError::from(Refusal::NotTheConcurringRole {
            concurring: vec!["The agency's designated safeguarding lead".to_owned()],
            raising_agency_only: true,
            section: "§7c".to_owned(),
        });
        assert_eq!(concur.status(), StatusCode::FORBIDDEN);
        assert_eq!(concur.body().section.as_deref(), Some("§7c"));
        assert!(
            concur
                .body()
                .message
                .contains("The agency's designated safeguarding lead of the agency that raised")
        );
    }

    #[test]
    fn a_full_password_queue_is_a_503_that_says_when_to_come_back() {
        let err = ApiError::from(accord_store::AccountError::Busy { retry_after: 1 });
        assert_eq!(err.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(err.body().code, "busy");
        let response = err.into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    }

    #[test]
    fn a_store_failure_is_opaque() {
        let err = ApiError::from(StoreError::Damaged {
            case: "c1".to_owned(),
            reason: "event 3 has an unreadable body".to_owned(),
        });
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = err.body();
        assert_eq!(body.code, "internal_error");
        assert!(!body.message.contains("event 3"), "{}", body.message);
    }
}
