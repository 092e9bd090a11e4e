//! The five built-in policies, one per document in `policy-documents/`.

use accord_calendar::Calendars;

use crate::Policy;

/// The built-in policies' ids and TOML sources, in the order they are listed.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "east-riding-2018",
        include_str!("../policies/east-riding-2018.toml"),
    ),
    (
        "havering-2022",
        include_str!("../policies/havering-2022.toml"),
    ),
    (
        "isle-of-man-2023",
        include_str!("../policies/isle-of-man-2023.toml"),
    ),
    (
        "plymouth-2025",
        include_str!("../policies/plymouth-2025.toml"),
    ),
    ("sutton-2015", include_str!("../policies/sutton-2015.toml")),
];

/// Every built-in policy, checked. A built-in that fails its own check is a
/// bug in this crate, caught by its tests, so this panics rather than
/// returning an error nobody could act on.
pub fn builtin(calendars: &Calendars) -> Vec<Policy> {
    BUILTIN
        .iter()
        .map(|(id, source)| {
            Policy::from_toml(source, calendars)
                .unwrap_or_else(|d| panic!("built-in policy {id} is invalid: {d:?}"))
        })
        .collect()
}
