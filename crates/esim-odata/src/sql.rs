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

/// The condition that a row comes after the row whose `$orderby` values were `values` (one
/// per key of `order`, `None` for null) and whose key (`tie`) was `key`, in the order of
/// [`order_sql`]: the seek of keyset paging, so that a page of a sorted collection starts
/// where the one before ended without counting the items before it (`OFFSET`), and an item
/// added or removed before that point neither repeats an item nor skips one. Placeholders
/// are numbered from `first`.
///
/// A key's "after" follows its null order: ascending, nulls come first (after a null: any
/// value; after a value: a greater one); descending, nulls come last (after a value: a
/// smaller one or null; after a null: nothing but an equal null, through the keys after it).
/// Each value is one placeholder, used wherever the condition compares with it.
pub fn seek_sql(
    order: &[Order],
    values: &[Option<Param>],
    tie: &str,
    key: &str,
    first: usize,
) -> Sql {
    let mut params = Vec::new();
    let mut placeholder = |p: &Param| {
        params.push(p.clone());
        format!("${}", first + params.len() - 1)
    };
    // Each alternative: the keys before it equal, this one after.
    let mut alternatives = Vec::new();
    let mut equal: Vec<String> = Vec::new();
    for (o, value) in order.iter().zip(values) {
        let c = o.property.column;
        let value = value.as_ref().map(&mut placeholder);
        let after = match (o.descending, &value) {
            (false, None) => Some(format!("{c} IS NOT NULL")),
            (false, Some(v)) => Some(format!("{c} > {v}")),
            (true, None) => None,
            (true, Some(v)) => Some(format!("({c} < {v} OR {c} IS NULL)")),
        };
        if let Some(after) = after {
            alternatives.push(and(&equal, after));
        }
        equal.push(match value {
            None => format!("{c} IS NULL"),
            Some(v) => format!("{c} = {v}"),
        });
    }
    let after = format!("{tie} > {}", placeholder(&Param::Text(key.to_owned())));
    alternatives.push(and(&equal, after));
    Sql {
        text: format!("({})", alternatives.join(" OR ")),
        params,
    }
}

fn and(equal: &[String], last: String) -> String {
    if equal.is_empty() && last.starts_with('(') {
        return last;
    }
    let mut parts = equal.to_vec();
    parts.push(last);
    format!("({})", parts.join(" AND "))
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

    #[test]
    fn seek_follows_each_keys_direction_and_null_order() {
        let order = parse_orderby("deviceName desc,lastSyncDateTime", &SCHEMA).unwrap();
        let q = seek_sql(
            &order,
            &[Some(Param::Text("b".into())), None],
            "ds.device_id",
            "k",
            4,
        );
        assert_eq!(
            q.text,
            "((d.display_name < $4 OR d.display_name IS NULL) \
             OR (d.display_name = $4 AND ds.last_sync_at IS NOT NULL) \
             OR (d.display_name = $4 AND ds.last_sync_at IS NULL AND ds.device_id > $5))"
        );
        assert_eq!(q.params, [Param::Text("b".into()), Param::Text("k".into())]);
        // After a null in a descending key only equal nulls follow.
        let order = parse_orderby("deviceName desc", &SCHEMA).unwrap();
        let q = seek_sql(&order, &[None], "ds.device_id", "k", 1);
        assert_eq!(q.text, "((d.display_name IS NULL AND ds.device_id > $1))");
        // A value in an ascending key: greater ones (nulls came before).
        let order = parse_orderby("lastSyncDateTime", &SCHEMA).unwrap();
        let q = seek_sql(
            &order,
            &[Some(Param::Text("t".into()))],
            "ds.device_id",
            "k",
            1,
        );
        assert_eq!(
            q.text,
            "((ds.last_sync_at > $1) OR (ds.last_sync_at = $1 AND ds.device_id > $2))"
        );
    }
}
