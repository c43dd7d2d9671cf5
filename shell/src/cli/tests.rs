//! Parsing and help snapshots.
