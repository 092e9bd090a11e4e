//! Rules for the years no list is published for.
