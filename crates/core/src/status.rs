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
}

impl Status {
    pub fn code(self) -> i32 {
        self as i32
    }
}
