//! The disagreement: an event-sourced aggregate checked against its policy.
//!
//! SKELETON: being written.
