//! The allocator slotdrill's binary and benches run on: mimalloc ([`MiMalloc`]), and
//! [`configure`], which sets the one option slotdrill changes from mimalloc's defaults.
//!
//! mimalloc (v3) hands memory that has stayed free for `purge_delay` (1 s by default) back to
//! the OS (`MADV_DONTNEED` on Linux), and the next allocation there faults every page in again.
//! Repeated observes of a large estate free and reallocate hundreds of MiB, and a longer run
//! loses more of its memory to that purge before the next one reuses it, so the time grew faster
//! than the estate (issue 19: 715-1,813 minor faults per observe + plan at 200,000 actions,
//! 2,651-9,971 at 400,000; with purging off, under 25 at either size). Ten seconds keeps memory
//! for reuse across a burst of work and still returns it when a long-running `serve` goes idle.
//!
//! The binary and each bench call [`configure`] first thing in `main`, so the benches measure
//! what the binary runs. `MIMALLOC_PURGE_DELAY`, mimalloc's own variable, still wins when set.

use std::ffi::c_long;

pub use mimalloc::MiMalloc;

/// How long freed memory is kept for reuse before it is handed back to the OS, in milliseconds.
pub const PURGE_DELAY_MS: c_long = 10_000;

/// The variables mimalloc reads its purge delay from at process start: the name, its legacy
/// name, each as written in `options.c` and in capitals (`mi_option_init`, `_mi_getenv`).
const PURGE_DELAY_VARIABLES: [&str; 4] = [
    "MIMALLOC_PURGE_DELAY",
    "mimalloc_purge_delay",
    "MIMALLOC_RESET_DELAY",
    "mimalloc_reset_delay",
];

/// Whether the environment sets the purge delay (mimalloc has read it then).
fn set_by_environment() -> bool {
    PURGE_DELAY_VARIABLES
        .iter()
        .any(|name| std::env::var_os(name).is_some())
}

/// `mi_option_purge_delay`: its place in `mi_option_t` (mimalloc v3, `include/mimalloc.h`).
/// `libmimalloc-sys` names the options around it but not this one.
const PURGE_DELAY_OPTION: libmimalloc_sys::mi_option_t = 15;

/// Sets mimalloc's purge delay to [`PURGE_DELAY_MS`], unless the environment sets it
/// (`MIMALLOC_PURGE_DELAY`).
/// Call it at the start of `main`, before any other thread starts.
pub fn configure() {
    if set_by_environment() {
        return;
    }
    #[allow(unsafe_code)]
    // SAFETY: `mi_option_set` stores one integer in mimalloc's option table and has no other
    // precondition. It is called before other threads start, so no allocation reads the option
    // while it is written.
    unsafe {
        libmimalloc_sys::mi_option_set(PURGE_DELAY_OPTION, PURGE_DELAY_MS);
    }
}

/// mimalloc's purge delay now, in milliseconds.
pub fn purge_delay_ms() -> c_long {
    #[allow(unsafe_code)]
    // SAFETY: `mi_option_get` reads one integer from mimalloc's option table (initialising the
    // table from the environment first if it has not been); it has no precondition.
    unsafe {
        libmimalloc_sys::mi_option_get(PURGE_DELAY_OPTION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option's place is checked against mimalloc's own default (1000 ms in v3, a value no
    /// neighbouring option has), then `configure` is seen to change it. One test, so that no
    /// other test in this process configures first.
    #[test]
    fn configure_sets_the_purge_delay_mimalloc_reads() {
        if set_by_environment() {
            // The variable wins: configure must leave mimalloc's value as it read it.
            let before = purge_delay_ms();
            configure();
            assert_eq!(purge_delay_ms(), before);
            return;
        }
        assert_eq!(purge_delay_ms(), 1_000, "mimalloc v3's default purge delay");
        configure();
        assert_eq!(purge_delay_ms(), PURGE_DELAY_MS);
    }
}
