//! Issue 18: `check` accepted a fault out of range (a 600,000 ms latency, a `server_error` that
//! answers 204). It is now bad input, exit 2, with the file, line and column as every other
//! drill error.

use std::process::Command;

#[test]
fn check_refuses_a_fault_out_of_range_with_its_position() {
    for (file, position, reason) in [
        (
            "fault-out-of-range.toml",
            "fault-out-of-range.toml:16:1:",
            "latency of 600000 ms is over the maximum of 300000 ms",
        ),
        (
            "server-error-status.toml",
            "server-error-status.toml:17:20:",
            "status 204 is not a server error: expected 500 to 599",
        ),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_slotdrill"))
            .args([
                "check",
                &format!("crates/slotdrill-scenario/tests/data/malformed/{file}"),
            ])
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{file}: {stderr}");
        assert!(
            stderr.contains(position) && stderr.contains(reason),
            "{file}: {stderr}"
        );
    }
}
