//! Fuzzes the workflow reader and call finder: see `crates/slotdrill-fuzz`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = slotdrill_fuzz::workflow(data);
});
