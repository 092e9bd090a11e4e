//! Schemas for the calendar types that cross Accord's JSON API, for the
//! OpenAPI document accord-web serves (feature `openapi`), and the helpers
//! the other domain crates use for types whose serde form is a plain
//! string or number.

use utoipa::openapi::{ObjectBuilder, RefOr, Type, schema::Schema};

use crate::{CalendarId, WorkingDays, deadline::MAX_WORKING_DAYS};

/// A string schema with an optional pattern (searched, as JSON Schema
/// does, so anchor it) and length bounds.
pub fn string(
    description: &str,
    pattern: Option<&str>,
    min_length: Option<usize>,
    max_length: Option<usize>,
) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .pattern(pattern)
        .min_length(min_length)
        .max_length(max_length)
        .into()
}

/// An integer schema from `minimum` to `maximum`.
pub fn integer(description: &str, minimum: u64, maximum: u64) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .description(Some(description))
        .minimum(Some(minimum as f64))
        .maximum(Some(maximum as f64))
        .into()
}

/// The pattern of a kebab-case id: lowercase words and digits joined by
/// single hyphens.
pub const SLUG_PATTERN: &str = "^[a-z0-9]+(-[a-z0-9]+)*$";

/// Implements `utoipa::ToSchema` for `$ty` as `$schema`, for a type whose
/// serde form is hand-written (a string or number newtype).
#[macro_export]
macro_rules! schema_as {
    ($ty:ty, $schema:expr) => {
        impl utoipa::PartialSchema for $ty {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $schema
            }
        }
        impl utoipa::ToSchema for $ty {}
    };
}

schema_as!(
    CalendarId,
    string(
        "A calendar's id, such as `england-and-wales`.",
        Some(SLUG_PATTERN),
        Some(1),
        Some(80)
    )
);
schema_as!(
    WorkingDays,
    integer("A number of working days.", 1, u64::from(MAX_WORKING_DAYS))
);
