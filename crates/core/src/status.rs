/// Outcome of a kernel call. The numeric values are part of the wasm ABI
/// (`ts/runtime/errors.ts` maps them to `DiffoptError` codes): never renumber.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok = 0,
    /// An input contains NaN or ±Inf.
    NonFinite = 1,
    /// A scalar option is outside its domain (e.g. strength ≤ 0).
    Domain = 2,
    /// Lengths or shapes do not agree.
    Shape = 3,
    /// Scratch memory could not be reserved.
    OutOfMemory = 4,
    /// An enum-like option has a value the kernel does not know.
    BadOption = 5,
    /// An iterative solver stopped at its iteration cap before reaching its
    /// tolerance (or found a point that cannot be the maximizer it seeks).
    NotConverged = 6,
}

impl Status {
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// Why a kernel refused its input: the status and the 0-based index of the
/// offending array argument in the kernel's signature (for error messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelError {
    pub status: Status,
    pub arg: u8,
}

impl KernelError {
    pub fn new(status: Status, arg: u8) -> Self {
        Self { status, arg }
    }
    /// ABI encoding: low byte the status, next byte the argument index.
    pub fn code(self) -> i32 {
        self.status.code() | ((self.arg as i32) << 8)
    }
}

