//! Who is looking at a page: [`Viewer`], the pages' counterpart of the
//! API's [`Principal`]. Someone not signed in is sent to the sign-in page
//! (and back to the page they asked for afterwards), and someone whose
//! partnership requires a second factor they have not set up is sent to set
//! it up, rather than shown a JSON error.

use axum::{
    extract::{FromRequestParts, OptionalFromRequestParts},
    http::request::Parts,
    response::{IntoResponse, Redirect, Response},
};

use super::{PageError, ViewerBar};
use crate::{ApiError, AppState, auth::Principal};

/// Someone signed in, looking at a page.
#[derive(Debug, Clone)]
pub(crate) struct Viewer {
    /// Who they are and what they may do.
    pub(crate) principal: Principal,
    /// Their partnership's name.
    pub(crate) partnership_name: String,
    /// How many of their notifications they have not marked read, for the
    /// header of every page (issue 14 §6).
    pub(crate) unread: u64,
    /// Whether they may see the partnership's insight
    /// (`access::may_see_insight`), for the navigation.
    pub(crate) sees_insight: bool,
}

impl Viewer {
    /// How the frame shows them.
    pub(crate) fn bar(&self) -> ViewerBar {
        let person = &self.principal.person;
        ViewerBar {
            name: person.name.clone(),
            role: if person.job_title.trim().is_empty() {
                person.tier.id().replace('-', " ")
            } else {
                person.job_title.clone()
            },
            partnership: self.partnership_name.clone(),
            csrf_token: self.csrf_token().to_owned(),
            admin: person.tier == accord_policy::RoleTier::Admin,
            insight: self.sees_insight,
            unread: self.unread,
        }
    }

    /// The token their forms carry; empty for a bearer token, which needs
    /// none.
    pub(crate) fn csrf_token(&self) -> &str {
        match &self.principal.signed_in_with {
            crate::auth::SignedInWith::Session { csrf_token, .. } => csrf_token,
            crate::auth::SignedInWith::Token { .. } => "",
        }
    }
}

/// A local address to come back to after signing in: a path on this site,
/// never another site's (`//evil.example` is not local).
pub(crate) fn local_path(next: &str) -> Option<&str> {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.len() <= 2_000
        && !next.chars().any(|c| c.is_control());
    local.then_some(next)
}

async fn viewer(parts: &Parts, state: &AppState) -> Result<Option<Viewer>, Response> {
    let principal = match crate::auth::authenticate_session(parts, state).await {
        Ok(principal) => principal,
        Err(ApiError::Unauthorized { .. }) => return Ok(None),
        Err(error) => return Err(PageError::from(error).into_response()),
    };
    let partnership = state
        .store()
        .partnerships()
        .await
        .map_err(|e| PageError::from(ApiError::from(e)).into_response())?
        .into_iter()
        .find(|p| p.id == principal.partnership());
    let sees_insight = match &partnership {
        Some(p) => {
            let policy = state
                .current_policy(&p.policy)
                .await
                .map_err(|e| PageError::from(e).into_response())?;
            crate::access::may_see_insight(&principal.person, &policy)
        }
        None => false,
    };
    let partnership_name =
        partnership.map_or_else(|| principal.partnership().to_owned(), |p| p.name);
    // One count over the index of unread notifications; an administrator
    // is told nothing in the app and has no notifications to count.
    let unread = if principal.person.tier == accord_policy::RoleTier::Admin {
        0
    } else {
        state
            .store()
            .unread_notifications(principal.id())
            .await
            .map_err(|e| PageError::from(ApiError::from(e)).into_response())?
    };
    Ok(Some(Viewer {
        principal,
        partnership_name,
        unread,
        sees_insight,
    }))
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match viewer(parts, state).await? {
            Some(viewer) if viewer.principal.must_enrol => {
                Err(Redirect::to("/second-factor").into_response())
            }
            Some(viewer) => Ok(viewer),
            None => {
                let asked = parts
                    .uri
                    .path_and_query()
                    .map_or("/", |p| p.as_str())
                    .to_owned();
                let next: String = form_urlencoded::byte_serialize(asked.as_bytes()).collect();
                Err(Redirect::to(&format!("/sign-in?next={next}")).into_response())
            }
        }
    }
}

/// Someone signed in who may still have to set up the second factor their
/// partnership requires: what the page that sets it up takes.
#[derive(Debug, Clone)]
pub(crate) struct Enrolling(pub(crate) Viewer);

impl FromRequestParts<AppState> for Enrolling {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match viewer(parts, state).await? {
            Some(viewer) => Ok(Enrolling(viewer)),
            None => Err(Redirect::to("/sign-in?next=%2Fsecond-factor").into_response()),
        }
    }
}

impl OptionalFromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Response> {
        viewer(parts, state).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_path_on_this_site_is_come_back_to() {
        assert_eq!(
            local_path("/cases/HAV-2026-0001"),
            Some("/cases/HAV-2026-0001")
        );
        assert_eq!(local_path("/register?stage=2"), Some("/register?stage=2"));
        for elsewhere in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "cases",
            "",
        ] {
            assert_eq!(local_path(elsewhere), None, "{elsewhere}");
        }
    }
}
