//! Properties of the date and time functions, `formatNumber`, `guid` and `rand`: timestamps
//! survive formatting and reading back, adding then subtracting is the identity, time zone
//! conversions undo each other, random values keep their shape and range, and no argument —
//! however odd — makes a function panic.

use proptest::prelude::*;
use serde_json::Value;
use slotdrill_wdl::eval::{EvalError, Scope, eval_wdl_string, has_unknown};
use slotdrill_wdl::expr::Expr;

/// A scope with an optional clock and an optional queue of random numbers.
struct Fixed {
    now: Option<i64>,
    randoms: Vec<u64>,
    random: bool,
}

impl Scope for Fixed {
    fn call(&mut self, _: &str, _: &[Value], _: &Expr) -> Option<Result<Value, EvalError>> {
        None
    }

    fn now_millis(&mut self) -> Option<i64> {
        self.now
    }

    fn next_random(&mut self) -> Option<u64> {
        if !self.random {
            return None;
        }
        Some(if self.randoms.is_empty() {
            0
        } else {
            self.randoms.remove(0)
        })
    }
}

fn scope() -> Fixed {
    Fixed {
        now: None,
        randoms: Vec::new(),
        random: false,
    }
}

fn eval(expr: &str) -> Result<Value, EvalError> {
    eval_wdl_string(&format!("@{expr}"), &mut scope())
}

fn text(expr: &str) -> String {
    match eval(expr) {
        Ok(Value::String(s)) => s,
        other => panic!("`{expr}` gave {other:?}"),
    }
}

/// A WDL string literal.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A valid ISO 8601 timestamp, with `Z`, an offset or nothing.
fn timestamp() -> impl Strategy<Value = String> {
    (
        1i64..=9998,
        1i64..=12,
        1i64..=28,
        0i64..24,
        0i64..60,
        0i64..60,
        0i64..10_000_000,
        prop_oneof![
            Just(String::new()),
            Just("Z".to_owned()),
            (-12i64..=14, prop_oneof![Just(0i64), Just(30), Just(45)]).prop_map(|(h, m)| format!(
                "{}{:02}:{m:02}",
                if h < 0 { '-' } else { '+' },
                h.abs()
            )),
        ],
    )
        .prop_map(|(y, mo, d, h, mi, s, f, suffix)| {
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{f:07}{suffix}")
        })
}

proptest! {
    #[test]
    fn the_o_format_reads_back_as_the_same_instant(ts in timestamp()) {
        let Ok(Value::String(o)) = eval(&format!("formatDateTime({})", quote(&ts))) else {
            // An offset can push year 1 or 9999 out of range: then both refuse.
            return Ok(());
        };
        prop_assert_eq!(text(&format!("formatDateTime({})", quote(&o))), o.clone());
        prop_assert_eq!(
            eval(&format!("ticks({})", quote(&o))).ok(),
            eval(&format!("ticks({})", quote(&ts))).ok()
        );
    }

    #[test]
    fn standard_formats_read_back_to_the_same_second(
        ts in timestamp(),
        spec in prop::sample::select(vec!["s", "u", "r", "G", "F", "U", "o", "yyyy-MM-dd HH:mm:ss"]),
    ) {
        let seconds = "'yyyy-MM-ddTHH:mm:ss'";
        let Ok(Value::String(expected)) = eval(&format!("formatDateTime({}, {seconds})", quote(&ts))) else {
            return Ok(());
        };
        let shown = text(&format!("formatDateTime({}, {})", quote(&ts), quote(spec)));
        let back = text(&format!("parseDateTime({}, 'en-US')", quote(&shown)));
        prop_assert_eq!(text(&format!("formatDateTime({}, {seconds})", quote(&back))), expected);
    }

    #[test]
    fn adding_then_subtracting_days_is_the_identity(ts in timestamp(), n in -4_000_000i64..4_000_000) {
        let Ok(Value::String(moved)) = eval(&format!("addDays({}, {n})", quote(&ts))) else {
            return Ok(());
        };
        let back = text(&format!("addDays({}, {})", quote(&moved), -n));
        prop_assert_eq!(back, text(&format!("formatDateTime({})", quote(&ts))));
    }

    #[test]
    fn seconds_added_show_in_ticks_and_date_difference(ts in timestamp(), n in -1_000_000i64..1_000_000) {
        let Ok(Value::String(moved)) = eval(&format!("addSeconds({}, {n})", quote(&ts))) else {
            return Ok(());
        };
        let ticks = |t: &str| eval(&format!("ticks({})", quote(t))).ok().and_then(|v| v.as_i64());
        let (Some(a), Some(b)) = (ticks(&ts), ticks(&moved)) else {
            return Err(TestCaseError::fail("ticks of valid timestamps"));
        };
        prop_assert_eq!(b - a, n * 10_000_000);
        let span = text(&format!("dateDifference({}, {})", quote(&ts), quote(&moved)));
        prop_assert_eq!(span.starts_with('-'), n < 0, "{}", span);
    }

    #[test]
    fn converting_to_a_zone_and_back_returns_the_instant(
        ts in timestamp(),
        zone in prop::sample::select(vec![
            "Pacific Standard Time", "W. Europe Standard Time", "AUS Eastern Standard Time",
            "New Zealand Standard Time", "India Standard Time", "GMT Standard Time",
        ]),
    ) {
        let utc = format!("{}Z", &ts[..27]);
        let Ok(Value::String(local)) = eval(&format!("convertFromUtc({}, {})", quote(&utc), quote(zone))) else {
            return Ok(());
        };
        let Ok(Value::String(back)) = eval(&format!("convertToUtc({}, {})", quote(&local), quote(zone))) else {
            return Err(TestCaseError::fail(format!("{local} in {zone} did not convert back")));
        };
        let ticks = |t: &str| eval(&format!("ticks({})", quote(t))).ok().and_then(|v| v.as_i64()).unwrap_or(-1);
        let diff = ticks(&back) - ticks(&utc);
        // A wall-clock time in the repeated autumn hour reads as standard time: one hour later.
        prop_assert!(diff == 0 || diff == 36_000_000_000, "{utc} → {local} → {back}");
        if zone == "India Standard Time" {
            prop_assert_eq!(diff, 0);
        }
    }

    #[test]
    fn integers_and_doubles_survive_formatting(i in any::<i64>(), f in any::<f64>()) {
        prop_assert_eq!(text(&format!("formatNumber({i}, 'D')")), i.to_string());
        prop_assert_eq!(text(&format!("formatNumber({i}, 'R')")), i.to_string());
        let grouped = text(&format!("formatNumber({i}, 'N0')")).replace(',', "");
        prop_assert_eq!(grouped, i.to_string());
        if f.is_finite() && f.abs() < 1e15 && f.abs() > 1e-300 {
            let literal = format!("{f:?}");
            if literal.contains('e') {
                return Ok(());
            }
            let shown = text(&format!("formatNumber({literal}, 'R')"));
            let back: f64 = shown.parse().map_err(|e| TestCaseError::fail(format!("{shown}: {e}")))?;
            prop_assert_eq!(back, f);
        }
    }

    #[test]
    fn rand_stays_in_its_range(min in any::<i64>(), width in 1u64..u64::MAX, draws in prop::collection::vec(any::<u64>(), 1..4)) {
        let max = min.saturating_add(i64::try_from(width / 2).unwrap_or(i64::MAX));
        prop_assume!(max > min);
        let mut s = Fixed { now: None, randoms: draws, random: true };
        match eval_wdl_string(&format!("@rand({min}, {max})"), &mut s) {
            Ok(Value::Number(n)) => {
                let n = n.as_i64().ok_or_else(|| TestCaseError::fail("an integer"))?;
                prop_assert!(min <= n && n < max, "{min} <= {n} < {max}");
            }
            other => return Err(TestCaseError::fail(format!("{other:?}"))),
        }
    }

    #[test]
    fn arbitrary_arguments_never_panic(
        name in prop::sample::select(vec![
            "addDays", "addHours", "addMinutes", "addSeconds", "addToTime", "convertFromUtc",
            "convertTimeZone", "convertToUtc", "dateDifference", "dayOfMonth", "dayOfWeek",
            "dayOfYear", "formatDateTime", "getFutureTime", "getPastTime", "parseDateTime",
            "startOfDay", "startOfHour", "startOfMonth", "subtractFromTime", "ticks", "utcNow",
            "formatNumber", "guid", "rand",
        ]),
        args in prop::collection::vec(prop_oneof![
            ".{0,24}".prop_map(|s| quote(&s)),
            "[-0-9:TZ.+ /]{0,30}".prop_map(|s| quote(&s)),
            "[yMdHhmsfFtzK:./' %#0,E;\\\\-]{0,16}".prop_map(|s| quote(&s)),
            any::<i64>().prop_map(|i| i.to_string()),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| format!("{f:?}")),
            Just("null".to_owned()),
        ], 0..5),
        now in proptest::option::of(-62_135_596_800_000i64..253_402_300_799_999),
    ) {
        let expr = format!("@{name}({})", args.join(", "));
        let mut s = Fixed { now, randoms: vec![1, 2, 3], random: true };
        let _ = eval_wdl_string(&expr, &mut s);
    }
}

#[test]
fn guid_is_version_4_shaped_in_every_format_and_differs_between_calls() {
    let mut s = Fixed {
        now: None,
        randoms: vec![u64::MAX, 0, 0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210],
        random: true,
    };
    let first = match eval_wdl_string("@guid()", &mut s) {
        Ok(Value::String(g)) => g,
        other => panic!("{other:?}"),
    };
    let second = match eval_wdl_string("@guid('D')", &mut s) {
        Ok(Value::String(g)) => g,
        other => panic!("{other:?}"),
    };
    assert_ne!(first, second);
    for g in [&first, &second] {
        let groups: Vec<&str> = g.split('-').collect();
        assert_eq!(
            groups.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(
            g.chars()
                .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(&g[14..15], "4", "version nibble of {g}");
        assert!("89ab".contains(&g[19..20]), "variant of {g}");
    }
    assert_eq!(first, "ffffffff-ffff-4fff-8000-000000000000");
    assert_eq!(second, "01234567-89ab-4def-bedc-ba9876543210");
}

#[test]
fn rand_rejects_the_biased_tail_and_draws_again() {
    // rand(0, 3): 2^64 is not a multiple of 3, so the last value of u64 would favour 0; it is
    // rejected and the next draw (4 → 4 mod 3 = 1) is used.
    let mut s = Fixed {
        now: None,
        randoms: vec![u64::MAX, 4],
        random: true,
    };
    assert_eq!(
        eval_wdl_string("@rand(0, 3)", &mut s).ok(),
        Some(Value::from(1))
    );
    assert!(s.randoms.is_empty(), "both draws were used");
}

#[test]
fn the_clock_and_random_functions_are_unknown_without_a_clock_or_generator() {
    for expr in [
        "@utcNow()",
        "@utcNow('D')",
        "@getFutureTime(1, 'Day')",
        "@getPastTime(1, 'Day')",
        "@guid()",
        "@rand(1, 5)",
        "@addDays(utcNow(), 1)",
    ] {
        match eval_wdl_string(expr, &mut scope()) {
            Ok(Value::String(s)) => assert!(has_unknown(&s), "{expr} gave {s}"),
            other => panic!("{expr} gave {other:?}"),
        }
    }
}

#[test]
fn utc_now_reads_the_scope_clock_to_the_millisecond() {
    let mut s = Fixed {
        now: Some(1_521_118_800_123),
        randoms: Vec::new(),
        random: false,
    };
    assert_eq!(
        eval_wdl_string("@utcNow()", &mut s).ok(),
        Some(Value::from("2018-03-15T13:00:00.1230000Z"))
    );
}
