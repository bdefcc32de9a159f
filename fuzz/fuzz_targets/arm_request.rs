//! Fuzzes the emulator's ARM request router: see `crates/slotdrill-fuzz`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = slotdrill_fuzz::arm_request(data);
});
