//! Helpers shared by the command-line tests (and, through `#[path]`, the
//! benchmarks).

// Each test crate that includes this uses only part of it.
#![allow(dead_code)]

pub mod flood;
pub mod served;
