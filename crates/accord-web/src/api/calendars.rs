//! `/api/v1/calendars…`: the bank-holiday calendars working days are
//! counted on.

use accord_calendar::{Calendar, CalendarId};
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    ApiError, AppState, ErrorBody,
    extract::{Json, Path},
};

/// One calendar, as listed.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CalendarSummary {
    /// Its id, such as `england-and-wales`.
    #[schema(example = "england-and-wales")]
    id: String,
    /// Its name, such as "England and Wales".
    name: String,
    /// The time zone deadlines are computed and shown in.
    #[schema(example = "Europe/London")]
    time_zone: String,
    /// The first and last years with an officially published list; other
    /// years come from the calendar's rules. Absent if none is published.
    published_years: Option<[i16; 2]>,
}

impl From<&Calendar> for CalendarSummary {
    fn from(c: &Calendar) -> Self {
        CalendarSummary {
            id: c.id().to_string(),
            name: c.name().to_owned(),
            time_zone: c.time_zone().iana_name().unwrap_or("UTC").to_owned(),
            published_years: c.published_years().map(|r| [*r.start(), *r.end()]),
        }
    }
}

/// A calendar's bank holidays in one year.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct HolidayList {
    /// The calendar's id.
    calendar: String,
    /// The year.
    year: i16,
    /// The bank holidays, in date order.
    holidays: Vec<HolidayBody>,
}

/// One bank holiday.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct HolidayBody {
    /// The date.
    #[schema(value_type = String, format = Date, example = "2027-12-27")]
    date: jiff::civil::Date,
    /// Its name, as published.
    name: String,
}

/// Every calendar.
#[utoipa::path(
    get,
    path = "/api/v1/calendars",
    operation_id = "listCalendars",
    tag = "calendars",
    responses((status = 200, description = "The calendars.", body = [CalendarSummary]))
)]
pub(crate) async fn list(State(state): State<AppState>) -> Json<Vec<CalendarSummary>> {
    Json(
        state
            .calendars()
            .iter()
            .map(CalendarSummary::from)
            .collect(),
    )
}

/// The years bank holidays are given for, as `accord calendar holidays`.
const YEARS: std::ops::RangeInclusive<i16> = 1900..=2200;

/// A calendar's bank holidays in one year.
#[utoipa::path(
    get,
    path = "/api/v1/calendars/{id}/holidays/{year}",
    operation_id = "listCalendarHolidays",
    tag = "calendars",
    params(
        ("id" = String, Path, description = "The calendar's id, such as `england-and-wales`."),
        ("year" = i16, Path, description = "The year, from 1900 to 2200.", minimum = 1900, maximum = 2200),
    ),
    responses(
        (status = 200, description = "The bank holidays.", body = HolidayList),
        (status = 400, description = "The year is not a year from 1900 to 2200.", body = ErrorBody),
        (status = 404, description = "There is no such calendar.", body = ErrorBody),
    )
)]
pub(crate) async fn holidays(
    State(state): State<AppState>,
    Path((id, year)): Path<(String, String)>,
) -> Result<Json<HolidayList>, ApiError> {
    let calendar = find(&state, &id)?;
    let year = year
        .parse::<i16>()
        .ok()
        .filter(|y| YEARS.contains(y))
        .ok_or_else(|| {
            ApiError::invalid_parameter(
                "year",
                format!(
                    "`{year}` is not a year Accord gives bank holidays for: give one from {} to {}",
                    YEARS.start(),
                    YEARS.end()
                ),
            )
        })?;
    Ok(Json(HolidayList {
        calendar: calendar.id().to_string(),
        year,
        holidays: calendar
            .holidays(year)
            .into_iter()
            .map(|h| HolidayBody {
                date: h.date,
                name: h.name,
            })
            .collect(),
    }))
}

fn find<'a>(state: &'a AppState, id: &str) -> Result<&'a Calendar, ApiError> {
    let not_found = |message: String| ApiError::NotFound {
        code: "unknown_calendar",
        message,
    };
    let id = id
        .parse::<CalendarId>()
        .map_err(|e| not_found(e.to_string()))?;
    state
        .calendars()
        .get(&id)
        .map_err(|e| not_found(e.to_string()))
}
