//! Property tests of the string, collection, logical comparison, math, URI parsing and
//! manipulation chapters: any arguments, of any type and number, give a value or an error, never
//! a panic (huge counts, `i64::MIN`, empty strings, deep values, non-ASCII text included); and a
//! few laws that hold whatever the input (`reverse` twice, `take` + `skip`, `slice` against
//! `substring`, `add` against `sub`).

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use slotdrill_wdl::eval::{NoScope, eval};
use slotdrill_wdl::expr::Expr;
use slotdrill_wdl::functions::CHAPTERS;

/// The chapters this test covers; `rand`, `guid`, `formatNumber` and `xpath` are excluded by
/// name below because they belong to other chapters' work.
const CHAPTER_NAMES: [&str; 6] = [
    "string",
    "collection",
    "logical comparison",
    "math",
    "uri parsing",
    "manipulation",
];
const NOT_HERE: [&str; 4] = ["rand", "guid", "formatnumber", "xpath"];

fn functions() -> Vec<&'static str> {
    CHAPTERS
        .iter()
        .filter(|(chapter, _)| CHAPTER_NAMES.contains(chapter))
        .flat_map(|(_, names)| names.iter().copied())
        .filter(|name| !NOT_HERE.contains(name))
        .collect()
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(0)),
        Just(json!(-1)),
        Just(json!(i64::MIN)),
        Just(json!(i64::MAX)),
        Just(json!(u64::MAX)),
        Just(json!(100_001)),
        Just(json!(2_147_483_647)),
        (-20i64..20).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        Just(json!(f64::MAX)),
        Just(json!(0.0)),
    ]
}

fn text() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("")),
        Just(json!("https://user@Host.example:8080/a/../b c?q=1#f")),
        Just(json!("http://[::1]:/")),
        Just(json!("10,000.00")),
        Just(json!("de-DE")),
        "[a-c@{}'?\\[\\].:/ 0-9-]{0,12}".prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text(),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(("[a-cA-C]{1,2}", inner), 0..4)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn call(name: &str, args: &[Value]) -> Result<Value, slotdrill_wdl::eval::EvalError> {
    let expr = Expr::Call {
        name: name.to_owned(),
        args: args.iter().cloned().map(Expr::Literal).collect(),
    };
    eval(&expr, &mut NoScope)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_arguments_give_a_value_or_an_error(
        pick in any::<prop::sample::Index>(),
        args in prop::collection::vec(value(), 0..5),
    ) {
        let names = functions();
        let name = names[pick.index(names.len())];
        // Reaching the end without a panic is the property; the result itself may be either.
        let _ = call(name, &args);
    }

    #[test]
    fn every_function_survives_every_argument_shape(args in prop::collection::vec(value(), 0..4)) {
        for name in functions() {
            let _ = call(name, &args);
        }
    }

    #[test]
    fn reverse_twice_is_the_identity(items in prop::collection::vec(value(), 0..6)) {
        let once = call("reverse", &[Value::Array(items.clone())]).expect("an array reverses");
        let twice = call("reverse", &[once]).expect("an array reverses");
        prop_assert_eq!(twice, Value::Array(items));
    }

    #[test]
    fn take_then_skip_gives_the_whole(s in any::<String>(), n in 0i64..20) {
        let taken = call("take", &[json!(s), json!(n)]).expect("take");
        let rest = call("skip", &[json!(s), json!(n)]).expect("skip");
        let joined = format!(
            "{}{}",
            taken.as_str().expect("a string"),
            rest.as_str().expect("a string")
        );
        prop_assert_eq!(joined, s);
    }

    #[test]
    fn slice_within_bounds_is_substring(s in "[a-zé😀 ]{0,10}", a in 0usize..12, b in 0usize..12) {
        let len = s.chars().count();
        let (start, end) = (a.min(len), b.min(len).max(a.min(len)));
        let sliced = call("slice", &[json!(s), json!(start), json!(end)]).expect("slice");
        let sub = call("substring", &[json!(s), json!(start), json!(end - start)]).expect("substring");
        prop_assert_eq!(sliced, sub);
    }

    #[test]
    fn sub_undoes_add_when_nothing_overflows(a in -1_000_000_000i64..1_000_000_000, b in -1_000_000_000i64..1_000_000_000) {
        let sum = call("add", &[json!(a), json!(b)]).expect("add");
        prop_assert_eq!(call("sub", &[sum, json!(b)]).expect("sub"), json!(a));
    }

    #[test]
    fn equals_is_reflexive_and_symmetric(a in value(), b in value()) {
        prop_assert_eq!(call("equals", &[a.clone(), a.clone()]).expect("equals"), json!(true));
        prop_assert_eq!(
            call("equals", &[a.clone(), b.clone()]).expect("equals"),
            call("equals", &[b, a]).expect("equals")
        );
    }
}
