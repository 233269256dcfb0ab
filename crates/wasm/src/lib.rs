//! The wasm ABI of diffopt: plain `extern "C"` functions over diffopt-core.
//!
//! Conventions (mirrored by `ts/runtime`):
//! * Arrays are passed as (pointer, length) into linear memory owned by the
//!   caller, who reserves them with [`diffopt_alloc`]. A null pointer means
//!   "absent" for optional arrays.
//! * Every kernel returns an `i32` status: 0 on success, otherwise the
//!   `Status` code in the low byte and the 0-based index of the offending
//!   array argument in the next byte (see `KernelError::code`).
//! * No kernel panics on user input; scratch memory is reserved with
//!   `try_reserve`, so even allocation failure comes back as a status.
//!
//! Raw pointers are turned into slices only after the lengths were checked
//! against each other by the core; the caller guarantees they are in bounds.

use std::alloc::{alloc, dealloc, Layout};

use diffopt_core::sort::KernelError;
use diffopt_core::Status;

mod dtw;
mod fy;
mod lasso;
mod perturb;
mod sort;

/// Bumped whenever a signature below changes; `ts/runtime` refuses a module
/// whose version it does not know.
pub const ABI_VERSION: u32 = 2;

const ALIGN: usize = 16;

#[no_mangle]
pub extern "C" fn diffopt_abi_version() -> u32 {
    ABI_VERSION
}

/// Reserves `bytes` (16-byte aligned). Returns 0 when memory cannot grow.
#[no_mangle]
pub extern "C" fn diffopt_alloc(bytes: usize) -> *mut u8 {
    match Layout::from_size_align(bytes.max(1), ALIGN) {
        // SAFETY: the layout has non-zero size.
        Ok(layout) => unsafe { alloc(layout) },
        Err(_) => std::ptr::null_mut(),
    }
}

/// Releases memory from [`diffopt_alloc`] with the same `bytes`.
///
/// # Safety
/// `ptr` must come from `diffopt_alloc(bytes)` and not be freed twice (the
/// TypeScript handle type guarantees both).
#[no_mangle]
pub unsafe extern "C" fn diffopt_free(ptr: *mut u8, bytes: usize) {
    if !ptr.is_null() {
        if let Ok(layout) = Layout::from_size_align(bytes.max(1), ALIGN) {
            dealloc(ptr, layout);
        }
    }
}

/// A slice from (ptr, len); null or zero length give an empty slice.
pub(crate) unsafe fn slice<'a, T>(ptr: *const T, len: usize) -> &'a [T] {
    if ptr.is_null() || len == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(ptr, len)
    }
}

pub(crate) unsafe fn slice_mut<'a, T>(ptr: *mut T, len: usize) -> &'a mut [T] {
    if ptr.is_null() || len == 0 {
        &mut []
    } else {
        std::slice::from_raw_parts_mut(ptr, len)
    }
}

pub(crate) fn status(r: Result<(), KernelError>) -> i32 {
    match r {
        Ok(()) => 0,
        Err(e) => e.code(),
    }
}


/// Status for an enum-like argument the kernel does not know.
pub(crate) const BAD_OPTION: i32 = Status::BadOption as i32;

/// Total element count rows·n, or None on overflow.
pub(crate) fn total(rows: usize, n: usize) -> Option<usize> {
    rows.checked_mul(n)
}
