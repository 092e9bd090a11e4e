//! The `accord` binary: parses arguments and hands over to the library crates.

fn main() {}
