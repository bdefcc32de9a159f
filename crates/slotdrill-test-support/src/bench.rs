//! What the benches share beyond criterion: whether this run is a measurement, ratios from
//! interleaved pairs, and a gauge of how busy the machine is.
//!
//! On a shared machine the speed drifts over seconds by more than the differences the benches
//! measure, and criterion times two groups tens of seconds apart; a ratio taken from pairs run
//! back to back, each seeing the same state of the machine, is the figure to compare with a
//! target. An absolute figure (milliseconds) is read beside the gauge printed with it: the same
//! fixed work takes up to 40% longer in a busy minute than in a quiet one on a shared VM.

use std::time::{Duration, Instant};

/// True in a benchmark run: cargo passes `--bench` to one, not to `cargo test --benches`; a
/// test, a listing or a profiling run (`--profile-time`) of criterion's is not a measurement.
pub fn measuring() -> bool {
    let args: Vec<String> = std::env::args().collect();
    measuring_with(&args)
}

fn measuring_with(args: &[String]) -> bool {
    args.iter().any(|a| a == "--bench")
        && !args
            .iter()
            .any(|a| a == "--test" || a == "--list" || a.starts_with("--profile-time"))
}

/// The median, lowest and highest of `pairs` ratios, and the ratio of the fastest times.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratios {
    /// The middle ratio.
    pub median: f64,
    /// The lowest ratio.
    pub lowest: f64,
    /// The highest ratio.
    pub highest: f64,
    /// The fastest numerator time over the fastest denominator time: what the work costs with
    /// the least interference, as other load on a shared machine only ever adds time.
    pub fastest: f64,
}

/// `numerator` time / `denominator` time from `pairs` pairs run back to back; which of the two
/// goes first alternates from pair to pair, so neither always runs on a warmer machine.
pub fn interleaved(
    pairs: usize,
    mut numerator: impl FnMut() -> Duration,
    mut denominator: impl FnMut() -> Duration,
) -> Ratios {
    assert!(pairs > 0, "at least one pair");
    let times: Vec<(Duration, Duration)> = (0..pairs)
        .map(|pair| {
            if pair % 2 == 0 {
                let n = numerator();
                (n, denominator())
            } else {
                let d = denominator();
                (numerator(), d)
            }
        })
        .collect();
    let mut ratios: Vec<f64> = times
        .iter()
        .map(|(n, d)| n.as_secs_f64() / d.as_secs_f64())
        .collect();
    ratios.sort_by(f64::total_cmp);
    let fastest = |side: fn(&(Duration, Duration)) -> Duration| {
        times.iter().map(side).min().unwrap_or_default()
    };
    Ratios {
        median: ratios[pairs / 2],
        lowest: ratios[0],
        highest: ratios[pairs - 1],
        fastest: fastest(|t| t.0).as_secs_f64() / fastest(|t| t.1).as_secs_f64(),
    }
}

/// A bench binary's allocator and `main`: the `slotdrill` binary's allocator, configured as
/// `src/main.rs` configures it (`slotdrill_alloc::configure` first), so figures are the binary's;
/// then the criterion groups, as `criterion_main!` runs them, between two readings of the
/// [`gauge`]. The bench's package must depend on `slotdrill-alloc` and `criterion` (the root
/// package does). `bench_main!("engine bench", group, …)`.
#[macro_export]
macro_rules! bench_main {
    ($bench:literal, $($group:path),+ $(,)?) => {
        #[global_allocator]
        static ALLOCATOR: ::slotdrill_alloc::MiMalloc = ::slotdrill_alloc::MiMalloc;

        fn main() {
            ::slotdrill_alloc::configure();
            $crate::bench::print_gauge($bench, "before");
            $($group();)+
            ::criterion::Criterion::default()
                .configure_from_args()
                .final_summary();
            $crate::bench::print_gauge($bench, "after");
        }
    };
}

/// How many steps of integer work one gauge reading times (about 100 ms on the 2.45 GHz EPYC VM
/// of issue 19 in a quiet minute).
const GAUGE_STEPS: u64 = 200_000_000;

/// The machine's speed now: the median time of five runs of a fixed loop of integer work on one
/// thread (no memory traffic, no allocation, no system call). Lower is a quieter machine.
pub fn gauge() -> Duration {
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            let start = Instant::now();
            let mut sum = 0u64;
            for step in 0..GAUGE_STEPS {
                let step = std::hint::black_box(step);
                sum = sum.wrapping_add(step.wrapping_mul(step));
            }
            std::hint::black_box(sum);
            start.elapsed()
        })
        .collect();
    median(&mut times)
}

/// Prints the gauge on standard error, named after `when` (`before`, `after`), in a benchmark
/// run only.
pub fn print_gauge(bench: &str, when: &str) {
    if measuring() {
        eprintln!(
            "{bench}: machine gauge {when}: {:.1} ms (a fixed loop; lower is a quieter machine)",
            gauge().as_secs_f64() * 1e3
        );
    }
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::time::Duration;

    use super::{Ratios, interleaved, measuring_with, median};

    #[test]
    fn only_a_benchmark_run_measures() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(measuring_with(&args(&["engine", "--bench"])));
        assert!(measuring_with(&args(&["engine", "--bench", "observe"])));
        assert!(!measuring_with(&args(&["engine"])));
        assert!(!measuring_with(&args(&["engine", "--bench", "--test"])));
        assert!(!measuring_with(&args(&["engine", "--bench", "--list"])));
        assert!(!measuring_with(&args(&[
            "engine",
            "--bench",
            "--profile-time",
            "5"
        ])));
    }

    #[test]
    fn ratios_are_per_pair_and_the_order_alternates() {
        // Each pair's times, and which side ran first, recorded by the two closures.
        let order = Cell::new(String::new());
        let (n_times, d_times) = ([4, 6, 9], [2, 3, 1]);
        let (n_calls, d_calls) = (Cell::new(0), Cell::new(0));
        let ratios = interleaved(
            3,
            || {
                order.set(format!("{}n", order.take()));
                n_calls.set(n_calls.get() + 1);
                Duration::from_millis(n_times[n_calls.get() - 1])
            },
            || {
                order.set(format!("{}d", order.take()));
                d_calls.set(d_calls.get() + 1);
                Duration::from_millis(d_times[d_calls.get() - 1])
            },
        );
        assert_eq!(order.take(), "nddnnd");
        assert_eq!(
            ratios,
            Ratios {
                median: 2.0,
                lowest: 2.0,
                highest: 9.0,
                // 4 ms over 1 ms: the fastest of each side, from different pairs.
                fastest: 4.0,
            }
        );
    }

    #[test]
    fn the_gauge_reads_the_middle_of_its_runs() {
        let ms = Duration::from_millis;
        let mut times = [ms(140), ms(100), ms(220), ms(105), ms(160)];
        assert_eq!(median(&mut times), ms(140));
        assert_eq!(median(&mut []), Duration::ZERO);
    }
}
