//! diffopt-core: the pure-Rust kernels behind diffopt.
//!
//! Everything here is std-only and free of wasm specifics, so the same code is
//! tested natively (`cargo test`), benchmarked natively (`crates/native-bench`)
//! and compiled to wasm32 with SIMD by `crates/wasm`.
//!
//! Kernels never panic on user input: they validate and return a [`Status`].
//! Scratch memory is reserved with `try_reserve`, so running out of memory is
//! reported as [`Status::OutOfMemory`] instead of aborting the process.

pub mod dtw;
pub mod fy;
pub mod lasso;
pub mod math;
pub mod perturb;
pub mod sort;
mod status;

pub use status::{KernelError, Status};

#[cfg(test)]
pub(crate) mod testutil;
