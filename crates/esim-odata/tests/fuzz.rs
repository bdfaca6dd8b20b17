//! The `$filter`, `$orderby` and `$select` parsers fuzzed in the test command (proptest,
//! a fixed seed, so every run tries the same inputs and a failure repeats):
//!
//! * arbitrary text and soups of the grammar's own tokens never panic, and whatever is
//!   accepted compiles to SQL made only of the schema's columns, operators, keywords and
//!   numbered placeholders - every value is a bound parameter, never SQL text;
//! * filters generated from the grammar, written out as OData text, parse back to the same
//!   tree (the round trip), with the values normalised as the parser does.
//!
//! `PROPTEST_CASES` raises the number of cases for a longer run.

use esim_odata::{
    parse_filter, parse_orderby, parse_select, Dialect, Filter, Kind, Op, Param, Property,
    QueryOptions, Schema, Value,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

const STATES: &[&str] = &["notEvaluated", "installed", "removedByUser"];

const fn prop(name: &'static str, column: &'static str, kind: Kind) -> Property {
    Property {
        name,
        column,
        kind,
        filter: true,
        order: true,
    }
}

static SCHEMA: Schema = Schema {
    entity: "thing",
    properties: &[
        prop("id", "t.id", Kind::Text),
        prop("deviceName", "d.display_name", Kind::Text),
        prop("state", "t.state", Kind::Enum(STATES)),
        prop("lastSyncDateTime", "t.last_sync_at", Kind::Time),
        prop("activationCodeCount", "p.code_count", Kind::Int),
        prop("isRetired", "d.retired", Kind::Bool),
        prop("target/groupId", "a.group_id", Kind::Text),
    ],
};

fn config(default: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(0x0da7_a5ee_d5ee_d001),
        ..Config::default()
    }
}

/// Asserts that `sql` is only columns, operators, keywords and `$first..` placeholders,
/// one per parameter, in order.
fn assert_only_parameters(sql: &str, params: &[Param], first: usize) {
    let columns: Vec<&str> = SCHEMA.properties.iter().map(|p| p.column).collect();
    let mut next = first;
    let mut rest = sql;
    while !rest.is_empty() {
        let c = rest.chars().next().unwrap();
        if c == ' ' || c == '(' || c == ')' {
            rest = &rest[1..];
            continue;
        }
        if let Some(tail) = rest.strip_prefix("ESCAPE '\\'") {
            rest = tail;
            continue;
        }
        if let Some(tail) = rest.strip_prefix('$') {
            let n: String = tail.chars().take_while(char::is_ascii_digit).collect();
            assert_eq!(
                n.parse::<usize>().ok(),
                Some(next),
                "placeholder order in {sql}"
            );
            next += 1;
            rest = &tail[n.len()..];
            continue;
        }
        let word: String = rest
            .chars()
            .take_while(|c| !matches!(c, ' ' | '(' | ')'))
            .collect();
        assert!(
            columns.contains(&word.as_str())
                || [
                    "AND", "OR", "NOT", "IS", "NULL", "=", "<>", "<", "<=", ">", ">=", "LIKE",
                    "ILIKE"
                ]
                .contains(&word.as_str()),
            "'{word}' is neither a column, an operator nor a placeholder in {sql}"
        );
        rest = &rest[word.len()..];
    }
    assert_eq!(
        next - first,
        params.len(),
        "one parameter per placeholder: {sql}"
    );
}

fn check_accepted(input: &str) {
    if let Ok(f) = parse_filter(input, &SCHEMA) {
        for (dialect, first) in [(Dialect::Sqlite, 1), (Dialect::Postgres, 4)] {
            let sql = f.to_sql(dialect, first);
            assert_only_parameters(&sql.text, &sql.params, first);
        }
    }
    // The other options' parsers see the same text.
    let _ = parse_orderby(input, &SCHEMA);
    let _ = parse_select(input, &SCHEMA);
    let _ = QueryOptions::parse([("$filter", input), ("$orderby", input)], &SCHEMA);
}

/// The grammar's tokens, some of them wrong on purpose.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just(",".to_owned()),
        Just("and".to_owned()),
        Just("or".to_owned()),
        Just("not".to_owned()),
        Just("eq".to_owned()),
        Just("ne".to_owned()),
        Just("gt".to_owned()),
        Just("le".to_owned()),
        Just("in".to_owned()),
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("startswith".to_owned()),
        Just("contains".to_owned()),
        Just("'".to_owned()),
        Just("''".to_owned()),
        Just("-".to_owned()),
        Just("2026-01-31T12:00:00Z".to_owned()),
        Just("2026-02-30T25:61:00.5+00:00".to_owned()),
        Just("9223372036854775808".to_owned()),
        Just("; DROP TABLE t; --".to_owned()),
        prop::sample::select(SCHEMA.properties).prop_map(|p| p.name.to_owned()),
        "'[a-z'%_\\\\ ]{0,6}'",
        "-?[0-9]{1,4}",
    ]
}

/// A filter and its OData text, built from the grammar.
fn filter() -> impl Strategy<Value = (Filter, String)> {
    let leaf = prop_oneof![compare(), startswith()];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|((a, at), (b, bt))| (
                Filter::And(Box::new(a), Box::new(b)),
                format!("({at}) and ({bt})")
            )),
            (inner.clone(), inner.clone()).prop_map(|((a, at), (b, bt))| (
                Filter::Or(Box::new(a), Box::new(b)),
                format!("({at}) or ({bt})")
            )),
            inner.prop_map(|(a, at)| (Filter::Not(Box::new(a)), format!("not ({at})"))),
        ]
    })
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn op_word(op: Op) -> &'static str {
    match op {
        Op::Eq => "eq",
        Op::Ne => "ne",
        Op::Gt => "gt",
        Op::Ge => "ge",
        Op::Lt => "lt",
        Op::Le => "le",
    }
}

fn any_op() -> impl Strategy<Value = Op> {
    prop::sample::select(vec![Op::Eq, Op::Ne, Op::Gt, Op::Ge, Op::Lt, Op::Le])
}

fn eq_ne() -> impl Strategy<Value = Op> {
    prop::sample::select(vec![Op::Eq, Op::Ne])
}

fn compare() -> impl Strategy<Value = (Filter, String)> {
    let p = |name: &str| SCHEMA.find(name).unwrap();
    prop_oneof![
        // Text, with quotes, LIKE's wildcards and non-ASCII.
        (
            prop::sample::select(vec!["id", "deviceName", "target/groupId"]),
            any_op(),
            "[a-zA-Z0-9 '%_\\\\åäö-]{0,12}"
        )
            .prop_map(move |(name, op, s)| (
                Filter::Compare {
                    property: p(name),
                    op,
                    value: Value::Text(s.clone())
                },
                format!("{name} {} {}", op_word(op), quote(&s))
            )),
        // Enumeration members in any case read as the member.
        (eq_ne(), prop::sample::select(STATES), any::<bool>()).prop_map(move |(op, m, upper)| {
            let sent = if upper {
                m.to_uppercase()
            } else {
                m.to_owned()
            };
            (
                Filter::Compare {
                    property: p("state"),
                    op,
                    value: Value::Text(m.to_owned()),
                },
                format!("state {} {}", op_word(op), quote(&sent)),
            )
        }),
        (any_op(), any::<i64>()).prop_map(move |(op, n)| (
            Filter::Compare {
                property: p("activationCodeCount"),
                op,
                value: Value::Int(n)
            },
            format!("activationCodeCount {} {n}", op_word(op))
        )),
        (eq_ne(), any::<bool>()).prop_map(move |(op, b)| (
            Filter::Compare {
                property: p("isRetired"),
                op,
                value: Value::Int(i64::from(b))
            },
            format!("isRetired {} {b}", op_word(op))
        )),
        (
            any_op(),
            2000u32..2100,
            1u32..=12,
            1u32..=28,
            0u32..24,
            0u32..60,
            0u32..60,
            prop::option::of(0u32..1000)
        )
            .prop_map(move |(op, y, mo, d, h, mi, s, ms)| {
                let frac = ms.map(|m| format!(".{m:03}")).unwrap_or_default();
                (
                    Filter::Compare {
                        property: p("lastSyncDateTime"),
                        op,
                        value: Value::Text(format!(
                            "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}Z",
                            ms.unwrap_or(0)
                        )),
                    },
                    format!(
                        "lastSyncDateTime {} {y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}Z",
                        op_word(op)
                    ),
                )
            }),
        (
            prop::sample::select(vec!["deviceName", "lastSyncDateTime", "state"]),
            eq_ne()
        )
            .prop_map(move |(name, op)| (
                Filter::Compare {
                    property: p(name),
                    op,
                    value: Value::Null
                },
                format!("{name} {} null", op_word(op))
            )),
    ]
}

fn startswith() -> impl Strategy<Value = (Filter, String)> {
    (
        prop::sample::select(vec!["id", "deviceName"]),
        "[a-zA-Z0-9 '%_\\\\é]{0,8}",
    )
        .prop_map(|(name, s)| {
            (
                Filter::StartsWith {
                    property: SCHEMA.find(name).unwrap(),
                    prefix: s.clone(),
                },
                format!("startswith({name}, {})", quote(&s)),
            )
        })
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn arbitrary_text_never_panics(input in any::<String>()) {
        check_accepted(&input);
    }

    #[test]
    fn token_soup_never_panics(tokens in prop::collection::vec(token(), 0..24)) {
        check_accepted(&tokens.join(" "));
        check_accepted(&tokens.concat());
    }

    #[test]
    fn generated_filters_round_trip((expected, text) in filter()) {
        let parsed = parse_filter(&text, &SCHEMA);
        prop_assert_eq!(parsed.as_ref(), Ok(&expected), "{}", text);
        let sql = expected.to_sql(Dialect::Postgres, 2);
        assert_only_parameters(&sql.text, &sql.params, 2);
    }

    #[test]
    fn orderby_and_select_round_trip(
        keys in prop::sample::subsequence(SCHEMA.properties.to_vec(), 1..=3),
        desc in prop::collection::vec(any::<bool>(), 3),
    ) {
        let text: Vec<String> = keys
            .iter()
            .zip(&desc)
            .map(|(p, d)| format!("{}{}", p.name, if *d { " desc" } else { "" }))
            .collect();
        let order = parse_orderby(&text.join(","), &SCHEMA).unwrap();
        let got: Vec<(&str, bool)> = order.iter().map(|o| (o.property.name, o.descending)).collect();
        let want: Vec<(&str, bool)> = keys.iter().zip(&desc).map(|(p, d)| (p.name, *d)).collect();
        prop_assert_eq!(got, want);
        let plain: Vec<&str> = keys.iter().map(|p| p.name).filter(|n| !n.contains('/')).collect();
        if !plain.is_empty() {
            let select = parse_select(&plain.join(","), &SCHEMA).unwrap();
            let got: Vec<&str> = select.iter().map(|p| p.name).collect();
            prop_assert_eq!(got, plain);
        }
    }
}
