//! `$filter`: a lexer and a recursive-descent parser for the part of OData's grammar Graph
//! supports on these resources, checked against the collection's [`Schema`].

use crate::{Error, Kind, Property, Schema};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `eq`
    Eq,
    /// `ne`
    Ne,
    /// `gt`
    Gt,
    /// `ge`
    Ge,
    /// `lt`
    Lt,
    /// `le`
    Le,
}

impl Op {
    fn from_word(w: &str) -> Option<Op> {
        Some(match w {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            _ => return None,
        })
    }

    /// The SQL operator.
    pub fn sql(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "<>",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
        }
    }
}

/// A literal, already checked against the property's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `null`.
    Null,
    /// A string, an enumeration member (its canonical name) or a date-time (normalised to
    /// the stored form).
    Text(String),
    /// A whole number (also `true`/`false` as 1/0).
    Int(i64),
}

/// A parsed `$filter`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// `a and b`.
    And(Box<Filter>, Box<Filter>),
    /// `a or b`.
    Or(Box<Filter>, Box<Filter>),
    /// `not a`.
    Not(Box<Filter>),
    /// `property op literal`.
    Compare {
        /// The property.
        property: &'static Property,
        /// The operator.
        op: Op,
        /// The literal.
        value: Value,
    },
    /// `startswith(property, 'prefix')`.
    StartsWith {
        /// The property (text).
        property: &'static Property,
        /// The prefix.
        prefix: String,
    },
}

/// How deeply parentheses and `not` may nest.
pub const MAX_DEPTH: usize = 32;

/// The most comparisons in one `$filter`.
pub const MAX_TERMS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Open,
    Close,
    Comma,
    Str(String),
    /// A word: a property, a keyword, `true`, `null`.
    Word(String),
    /// Starts with a digit or `-`: a number or a date-time.
    Number(String),
}

impl Tok {
    fn show(&self) -> String {
        match self {
            Tok::Open => "(".into(),
            Tok::Close => ")".into(),
            Tok::Comma => ",".into(),
            Tok::Str(s) => format!("'{}'", s.replace('\'', "''")),
            Tok::Word(w) | Tok::Number(w) => w.clone(),
        }
    }

    /// As shown in a message: in quotes (a string keeps its own).
    fn quoted(&self) -> String {
        match self {
            Tok::Str(_) => self.show(),
            _ => format!("'{}'", self.show()),
        }
    }
}

fn lex(input: &str) -> Result<Vec<(usize, Tok)>, Error> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = input.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push((at, Tok::Open));
                i += 1;
            }
            ')' => {
                out.push((at, Tok::Close));
                i += 1;
            }
            ',' => {
                out.push((at, Tok::Comma));
                i += 1;
            }
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(Error(format!(
                            "The string starting at position {} of $filter has no closing quote.",
                            at + 1
                        )))
                        }
                        Some((_, '\'')) if matches!(chars.get(i + 1), Some((_, '\''))) => {
                            s.push('\'');
                            i += 2;
                        }
                        Some((_, '\'')) => {
                            i += 1;
                            break;
                        }
                        Some((_, c)) => {
                            s.push(*c);
                            i += 1;
                        }
                    }
                }
                out.push((at, Tok::Str(s)));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].1.is_ascii_alphanumeric() || matches!(chars[i].1, '_' | '/' | '.'))
                {
                    i += 1;
                }
                out.push((at, Tok::Word(chars[start..i].iter().map(|c| c.1).collect())));
            }
            c if c.is_ascii_digit() || c == '-' => {
                let start = i;
                i += 1;
                while i < chars.len()
                    && (chars[i].1.is_ascii_alphanumeric()
                        || matches!(chars[i].1, ':' | '.' | '-' | '+'))
                {
                    i += 1;
                }
                out.push((
                    at,
                    Tok::Number(chars[start..i].iter().map(|c| c.1).collect()),
                ));
            }
            other => {
                return Err(Error(format!(
                    "The character '{other}' at position {} of $filter is not understood.",
                    at + 1
                )))
            }
        }
    }
    Ok(out)
}

struct Parser<'s> {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    schema: &'s Schema,
    terms: usize,
}

/// Parses `$filter` against `schema`.
pub fn parse_filter(input: &str, schema: &Schema) -> Result<Filter, Error> {
    let toks = lex(input)?;
    if toks.is_empty() {
        return Err(Error("$filter is empty.".into()));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        schema,
        terms: 0,
    };
    let f = p.or(0)?;
    match p.peek() {
        None => Ok(f),
        Some(t) => Err(p.unexpected(t.clone(), "and, or or the end of the filter")),
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.1)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|t| t.1.clone());
        self.pos += usize::from(t.is_some());
        t
    }

    fn at(&self) -> usize {
        self.toks.get(self.pos).map_or_else(
            || self.toks.last().map_or(0, |t| t.0 + t.1.show().len()),
            |t| t.0,
        ) + 1
    }

    /// `found` is the token at the current position (not consumed).
    fn unexpected(&self, found: Tok, expected: &str) -> Error {
        Error(format!(
            "The $filter part {} at position {} is not understood: expected {expected}.",
            found.quoted(),
            self.at()
        ))
    }

    fn end(&self, expected: &str) -> Error {
        Error(format!(
            "$filter ends too early: expected {expected} at position {}.",
            self.at()
        ))
    }

    fn expect(&mut self, want: Tok, expected: &str) -> Result<(), Error> {
        match self.peek() {
            Some(t) if *t == want => {
                self.pos += 1;
                Ok(())
            }
            Some(t) => Err(self.unexpected(t.clone(), expected)),
            None => Err(self.end(expected)),
        }
    }

    fn or(&mut self, depth: usize) -> Result<Filter, Error> {
        let mut left = self.and(depth)?;
        while self.peek() == Some(&Tok::Word("or".into())) {
            self.pos += 1;
            let right = self.and(depth)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self, depth: usize) -> Result<Filter, Error> {
        let mut left = self.unary(depth)?;
        while self.peek() == Some(&Tok::Word("and".into())) {
            self.pos += 1;
            let right = self.unary(depth)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self, depth: usize) -> Result<Filter, Error> {
        if depth >= MAX_DEPTH {
            return Err(Error(format!(
                "$filter nests parentheses or not more than {MAX_DEPTH} deep."
            )));
        }
        match self.peek() {
            Some(Tok::Word(w)) if w == "not" => {
                self.pos += 1;
                Ok(Filter::Not(Box::new(self.unary(depth + 1)?)))
            }
            Some(Tok::Open) => {
                self.pos += 1;
                let inner = self.or(depth + 1)?;
                self.expect(Tok::Close, "')'")?;
                Ok(inner)
            }
            _ => self.term(),
        }
    }

    fn property(&mut self, word: &str, context: &str) -> Result<&'static Property, Error> {
        match self.schema.find(word) {
            Some(p) if p.filter => Ok(p),
            _ => Err(Error(format!(
                "'{word}' {context} is not a property of {} that $filter supports; use one of: {}.",
                self.schema.entity,
                self.schema.names(|p| p.filter)
            ))),
        }
    }

    fn term(&mut self) -> Result<Filter, Error> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(Error(format!(
                "$filter has more than {MAX_TERMS} comparisons."
            )));
        }
        let tok = match self.next() {
            Some(t) => t,
            None => return Err(self.end("a comparison such as state eq 'installed'")),
        };
        let Tok::Word(word) = tok else {
            self.pos -= 1;
            return Err(self.unexpected(tok, "a property, not, startswith or '('"));
        };
        if self.peek() == Some(&Tok::Open) {
            return self.function(&word);
        }
        if word == "true" || word == "false" || word == "null" {
            return Err(Error(format!(
                "'{word}' cannot start a $filter comparison: write the property first, such as state eq 'installed'."
            )));
        }
        let property = self.property(&word, "in $filter")?;
        let op = match self.next() {
            Some(Tok::Word(w)) => match Op::from_word(&w) {
                Some(op) => op,
                None => {
                    return Err(Error(format!(
                        "The $filter operator '{w}' after {} is not supported; use eq, ne, gt, ge, lt or le.",
                        property.name
                    )))
                }
            },
            Some(t) => {
                self.pos -= 1;
                return Err(self.unexpected(t, "an operator (eq, ne, gt, ge, lt, le)"));
            }
            None => return Err(self.end("an operator (eq, ne, gt, ge, lt, le)")),
        };
        let literal = match self.next() {
            Some(t @ (Tok::Str(_) | Tok::Number(_) | Tok::Word(_))) => t,
            Some(t) => {
                self.pos -= 1;
                return Err(self.unexpected(t, "a value"));
            }
            None => return Err(self.end("a value")),
        };
        let value = literal_for(property, op, literal)?;
        Ok(Filter::Compare {
            property,
            op,
            value,
        })
    }

    fn function(&mut self, name: &str) -> Result<Filter, Error> {
        if name != "startswith" {
            return Err(Error(format!(
                "The $filter function '{name}' is not supported; the supported function is startswith(property, 'text')."
            )));
        }
        self.expect(Tok::Open, "'('")?;
        let property = match self.next() {
            Some(Tok::Word(w)) => self.property(&w, "in startswith")?,
            Some(t) => {
                self.pos -= 1;
                return Err(self.unexpected(t, "a property"));
            }
            None => return Err(self.end("a property")),
        };
        if property.kind != Kind::Text {
            return Err(Error(format!(
                "startswith applies to text properties; {} is not one.",
                property.name
            )));
        }
        self.expect(Tok::Comma, "','")?;
        let prefix = match self.next() {
            Some(Tok::Str(s)) => s,
            Some(t) => {
                self.pos -= 1;
                return Err(self.unexpected(t, "a string in quotes"));
            }
            None => return Err(self.end("a string in quotes")),
        };
        self.expect(Tok::Close, "')'")?;
        if self
            .peek()
            .and_then(|t| match t {
                Tok::Word(w) => Op::from_word(w),
                _ => None,
            })
            .is_some()
        {
            return Err(Error(
                "Compare startswith(...) directly (startswith(deviceName,'a')), not with eq true or eq false."
                    .into(),
            ));
        }
        Ok(Filter::StartsWith { property, prefix })
    }
}

/// Checks a literal against the property's type, and gives the value bound in SQL.
fn literal_for(property: &Property, op: Op, literal: Tok) -> Result<Value, Error> {
    let shown = literal.show();
    let wrong = |what: &str| {
        Error(format!(
            "{} is compared with {shown} in $filter; {} takes {what}.",
            property.name, property.name
        ))
    };
    if literal == Tok::Word("null".into()) {
        return match op {
            Op::Eq | Op::Ne => Ok(Value::Null),
            _ => Err(Error(format!(
                "null can only be compared with eq or ne ({} {} null).",
                property.name,
                match op {
                    Op::Gt => "gt",
                    Op::Ge => "ge",
                    Op::Lt => "lt",
                    _ => "le",
                }
            ))),
        };
    }
    match (property.kind, literal) {
        (Kind::Text, Tok::Str(s)) => Ok(Value::Text(s)),
        (Kind::Text, _) => Err(wrong("a string in quotes")),
        (Kind::Enum(members), Tok::Str(s)) => {
            let Some(m) = members.iter().find(|m| m.eq_ignore_ascii_case(&s)) else {
                return Err(Error(format!(
                    "'{s}' is not a value of {}; use one of: {}.",
                    property.name,
                    members.join(", ")
                )));
            };
            if !matches!(op, Op::Eq | Op::Ne) {
                return Err(Error(format!(
                    "{} is an enumeration: compare it with eq or ne.",
                    property.name
                )));
            }
            Ok(Value::Text((*m).to_owned()))
        }
        (Kind::Enum(_), _) => Err(wrong("a member's name in quotes")),
        (Kind::Int, Tok::Number(n)) => n
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| wrong("a whole number")),
        (Kind::Int, _) => Err(wrong("a whole number")),
        (Kind::Bool, Tok::Word(w)) if w == "true" || w == "false" => {
            if !matches!(op, Op::Eq | Op::Ne) {
                return Err(Error(format!(
                    "{} is true or false: compare it with eq or ne.",
                    property.name
                )));
            }
            Ok(Value::Int(i64::from(w == "true")))
        }
        (Kind::Bool, _) => Err(wrong("true or false")),
        (Kind::Time, Tok::Number(t)) => normalise_time(&t)
            .map(Value::Text)
            .ok_or_else(|| wrong("a UTC date-time such as 2026-01-31T12:00:00Z")),
        (Kind::Time, _) => Err(wrong("a UTC date-time such as 2026-01-31T12:00:00Z")),
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.f...]Z` (or `+00:00`) as the stored `...SS.mmmZ`; a date alone is
/// its midnight. Other offsets are refused rather than guessed.
fn normalise_time(t: &str) -> Option<String> {
    let b = t.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    if !(digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10))
    {
        return None;
    }
    let date = &t[..10];
    let (month, day) = (t[5..7].parse::<u32>().ok()?, t[8..10].parse::<u32>().ok()?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    if t.len() == 10 {
        return Some(format!("{date}T00:00:00.000Z"));
    }
    if b.get(10) != Some(&b'T')
        || !(digits(11..13)
            && b.get(13) == Some(&b':')
            && digits(14..16)
            && b.get(16) == Some(&b':')
            && digits(17..19))
    {
        return None;
    }
    let (h, m, s) = (
        t[11..13].parse::<u32>().ok()?,
        t[14..16].parse::<u32>().ok()?,
        t[17..19].parse::<u32>().ok()?,
    );
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let mut rest = &t[19..];
    let mut millis = String::from("000");
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        let mut f: String = frac[..n].chars().take(3).collect();
        while f.len() < 3 {
            f.push('0');
        }
        millis = f;
        rest = &frac[n..];
    }
    if rest != "Z" && rest != "+00:00" {
        return None;
    }
    Some(format!("{}T{}.{millis}Z", date, &t[11..19]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::SCHEMA;

    fn p(s: &str) -> Result<Filter, String> {
        parse_filter(s, &SCHEMA).map_err(|e| e.0)
    }

    fn cmp(name: &str, op: Op, value: Value) -> Filter {
        Filter::Compare {
            property: SCHEMA.find(name).unwrap(),
            op,
            value,
        }
    }

    #[test]
    fn comparisons_and_logic() {
        assert_eq!(
            p("state eq 'installed'").unwrap(),
            cmp("state", Op::Eq, Value::Text("installed".into()))
        );
        // Graph's names are case-insensitive; enum members are given their canonical case.
        assert_eq!(
            p("State eq 'REMOVEDBYUSER'").unwrap(),
            cmp("state", Op::Eq, Value::Text("removedByUser".into()))
        );
        let f = p("deviceName eq 'a''b' or not (activationCodeCount ge -3 and retired eq true)")
            .unwrap();
        assert_eq!(
            f,
            Filter::Or(
                Box::new(cmp("deviceName", Op::Eq, Value::Text("a'b".into()))),
                Box::new(Filter::Not(Box::new(Filter::And(
                    Box::new(cmp("activationCodeCount", Op::Ge, Value::Int(-3))),
                    Box::new(cmp("retired", Op::Eq, Value::Int(1)))
                ))))
            )
        );
        // and binds tighter than or.
        let f = p("id eq 'a' or id eq 'b' and id eq 'c'").unwrap();
        assert!(matches!(f, Filter::Or(_, r) if matches!(*r, Filter::And(_, _))));
        assert_eq!(
            p("startswith(deviceName,'Surf')").unwrap(),
            Filter::StartsWith {
                property: SCHEMA.find("deviceName").unwrap(),
                prefix: "Surf".into()
            }
        );
        assert_eq!(
            p("deviceName ne null").unwrap(),
            cmp("deviceName", Op::Ne, Value::Null)
        );
        assert_eq!(
            p("lastSyncDateTime gt 2026-01-31T12:00:00Z").unwrap(),
            cmp(
                "lastSyncDateTime",
                Op::Gt,
                Value::Text("2026-01-31T12:00:00.000Z".into())
            )
        );
        assert_eq!(
            p("lastSyncDateTime le 2026-01-31T12:00:00.1234+00:00").unwrap(),
            cmp(
                "lastSyncDateTime",
                Op::Le,
                Value::Text("2026-01-31T12:00:00.123Z".into())
            )
        );
        assert_eq!(
            p("lastSyncDateTime lt 2026-02-01").unwrap(),
            cmp(
                "lastSyncDateTime",
                Op::Lt,
                Value::Text("2026-02-01T00:00:00.000Z".into())
            )
        );
        assert!(p("((((state eq 'installed'))))").is_ok());
    }

    #[test]
    fn refused_expressions_name_the_part() {
        let cases: &[(&str, &str)] = &[
            ("", "empty"),
            ("colour eq 'red'", "'colour' in $filter is not a property"),
            ("stateDetails eq 'x'", "'stateDetails' in $filter"),
            (
                "contains(deviceName,'a')",
                "function 'contains' is not supported",
            ),
            ("endswith(deviceName,'a')", "'endswith'"),
            ("deviceName has 'a'", "operator 'has'"),
            ("deviceName in ('a','b')", "operator 'in'"),
            ("state eq 'sideways'", "'sideways' is not a value of state"),
            ("state gt 'installed'", "enumeration"),
            ("state eq installed", "state is compared with installed"),
            ("deviceName eq 3", "deviceName is compared with 3"),
            ("activationCodeCount eq 'x'", "whole number"),
            ("activationCodeCount eq 1.5", "whole number"),
            ("retired eq 1", "true or false"),
            ("retired gt false", "compare it with eq or ne"),
            (
                "lastSyncDateTime gt 2026-01-31T12:00:00+02:00",
                "UTC date-time",
            ),
            ("lastSyncDateTime gt 2026-13-01", "UTC date-time"),
            ("deviceName gt null", "null can only be compared"),
            ("deviceName eq 'a' and", "ends too early"),
            ("deviceName eq 'a' xor id eq 'b'", "'xor' at position 19"),
            ("deviceName eq 'a", "no closing quote"),
            ("(deviceName eq 'a'", "expected ')'"),
            ("deviceName eq 'a')", "')'"),
            ("'a' eq deviceName", "'a' at position 1"),
            ("null eq deviceName", "write the property first"),
            ("deviceName eq 'a' ; drop table", "character ';'"),
            ("startswith(deviceName,'a') eq true", "directly"),
            ("startswith(state,'a')", "text properties"),
            ("startswith(deviceName,3)", "a string in quotes"),
            ("target/groupId eq 'g'", "'target/groupId'"),
        ];
        for (input, want) in cases {
            let err = p(input).expect_err(input);
            assert!(err.contains(want), "{input}: {err}");
        }
        let deep = format!("{}id eq 'a'{}", "(".repeat(40), ")".repeat(40));
        assert!(p(&deep).unwrap_err().contains("deep"));
        let nots = format!("{}id eq 'a'", "not ".repeat(40));
        assert!(p(&nots).unwrap_err().contains("deep"));
        let many = vec!["id eq 'a'"; 101].join(" or ");
        assert!(p(&many).unwrap_err().contains("more than 100"));
    }
}
