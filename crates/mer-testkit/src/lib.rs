//! Test support for `mer`'s crates (a dev-dependency only; nothing here ships in `mer`).
//!
//! - [`fuzz`]: a seeded mutation fuzzer on stable Rust, run with a fixed budget inside
//!   `cargo test` (every reader of untrusted bytes: model files, audio headers, dataset CSVs).

pub mod fuzz;
