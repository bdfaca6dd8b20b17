//! A parsed `$filter` and `$orderby` as SQL: column expressions from the schema, every
//! value a bound parameter (`$n`), OData's two-valued logic on NULL.

use crate::filter::{Filter, Op, Value};
use crate::Order;

/// The database the SQL is for (they differ in case-insensitive matching only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite: `LIKE` is case-insensitive for ASCII.
    Sqlite,
    /// PostgreSQL: `ILIKE`.
    Postgres,
}

/// A value to bind, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    /// Text.
    Text(String),
    /// A whole number (booleans are 0/1).
    Int(i64),
}

/// A condition with its parameters: `text` uses `$first`, `$first + 1`, ...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sql {
    /// The SQL condition, in parentheses.
    pub text: String,
    /// The values of its placeholders, in order.
    pub params: Vec<Param>,
}

impl Filter {
    /// The condition, its placeholders numbered from `first`. In OData a comparison with
    /// a missing (null) value is false, and `ne` is true (`deviceName ne 'a'` matches a
    /// device without a name); the SQL says so explicitly, so `not` stays the opposite.
    pub fn to_sql(&self, dialect: Dialect, first: usize) -> Sql {
        let mut params = Vec::new();
        let mut text = String::new();
        write(self, dialect, first, &mut text, &mut params);
        Sql { text, params }
    }
}

fn write(f: &Filter, dialect: Dialect, first: usize, out: &mut String, params: &mut Vec<Param>) {
    let placeholder = |p: Param, params: &mut Vec<Param>| {
        params.push(p);
        format!("${}", first + params.len() - 1)
    };
    match f {
        Filter::And(a, b) | Filter::Or(a, b) => {
            out.push('(');
            write(a, dialect, first, out, params);
            out.push_str(if matches!(f, Filter::And(..)) {
                " AND "
            } else {
                " OR "
            });
            write(b, dialect, first, out, params);
            out.push(')');
        }
        Filter::Not(a) => {
            out.push_str("(NOT ");
            write(a, dialect, first, out, params);
            out.push(')');
        }
        Filter::Compare {
            property,
            op,
            value,
        } => {
            let c = property.column;
            let text = match (op, value) {
                (Op::Eq, Value::Null) => format!("({c} IS NULL)"),
                (_, Value::Null) => format!("({c} IS NOT NULL)"),
                (Op::Ne, v) => {
                    let ph = placeholder(param(v), params);
                    format!("({c} IS NULL OR {c} <> {ph})")
                }
                (op, v) => {
                    let ph = placeholder(param(v), params);
                    format!("({c} IS NOT NULL AND {c} {} {ph})", op.sql())
                }
            };
            out.push_str(&text);
        }
        Filter::StartsWith { property, prefix } => {
            let c = property.column;
            let mut pattern = String::with_capacity(prefix.len() + 1);
            for ch in prefix.chars() {
                if matches!(ch, '%' | '_' | '\\') {
                    pattern.push('\\');
                }
                pattern.push(ch);
            }
            pattern.push('%');
            let like = match dialect {
                Dialect::Sqlite => "LIKE",
                Dialect::Postgres => "ILIKE",
            };
            let ph = placeholder(Param::Text(pattern), params);
            out.push_str(&format!(
                "({c} IS NOT NULL AND {c} {like} {ph} ESCAPE '\\')"
            ));
        }
    }
}

fn param(v: &Value) -> Param {
    match v {
        Value::Text(s) => Param::Text(s.clone()),
        Value::Int(n) => Param::Int(*n),
        Value::Null => unreachable!("null is compared with IS NULL"),
    }
}

/// `ORDER BY` keys for `$orderby`, then `tie` (the collection's key, which makes the order
/// total so that pages neither repeat nor skip items). OData sorts null before any value.
pub fn order_sql(order: &[Order], tie: &str) -> String {
    let mut keys: Vec<String> = order
        .iter()
        .map(|o| {
            if o.descending {
                format!("{} DESC NULLS LAST", o.property.column)
            } else {
                format!("{} ASC NULLS FIRST", o.property.column)
            }
        })
        .collect();
    keys.push(tie.to_owned());
    keys.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::SCHEMA;
    use crate::{parse_filter, parse_orderby};

    fn sql(s: &str, dialect: Dialect) -> Sql {
        parse_filter(s, &SCHEMA).unwrap().to_sql(dialect, 3)
    }

    #[test]
    fn values_are_parameters() {
        let q = sql(
            "state eq 'installed' and (deviceName ne 'x''; --' or not startswith(deviceName,'50%_a\\'))",
            Dialect::Sqlite,
        );
        assert_eq!(
            q.text,
            "((ds.state IS NOT NULL AND ds.state = $3) AND ((d.display_name IS NULL OR d.display_name <> $4) OR (NOT (d.display_name IS NOT NULL AND d.display_name LIKE $5 ESCAPE '\\'))))"
        );
        assert_eq!(
            q.params,
            [
                Param::Text("installed".into()),
                Param::Text("x'; --".into()),
                Param::Text("50\\%\\_a\\\\%".into())
            ]
        );
        let q = sql("startswith(deviceName,'a')", Dialect::Postgres);
        assert!(q.text.contains("ILIKE $3"), "{}", q.text);
        let q = sql("deviceName eq null or retired eq false", Dialect::Postgres);
        assert_eq!(
            q.text,
            "((d.display_name IS NULL) OR (d.retired IS NOT NULL AND d.retired = $3))"
        );
        assert_eq!(q.params, [Param::Int(0)]);
    }

    #[test]
    fn order_ends_with_the_key() {
        let order = parse_orderby("deviceName desc,lastSyncDateTime", &SCHEMA).unwrap();
        assert_eq!(
            order_sql(&order, "ds.device_id"),
            "d.display_name DESC NULLS LAST, ds.last_sync_at ASC NULLS FIRST, ds.device_id"
        );
        assert_eq!(order_sql(&[], "ds.device_id"), "ds.device_id");
    }
}
