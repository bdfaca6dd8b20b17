//! The line-level reader. The `csv` crate skips empty lines, counts lines only at LF and
//! hides whether a value was quoted or padded; a strict validator must see all of that, so
//! lines and values are scanned here, keeping every byte position.

use std::borrow::Cow;
use std::ops::Range;

use crate::report::LineEnding;

/// One physical line: its bytes (without the line break) and its line break.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawLine<'a> {
    pub bytes: &'a [u8],
    pub ending: Option<LineEnding>,
}

/// Splits at CRLF, LF and lone CR. A final line break does not start another line.
pub(crate) struct Lines<'a> {
    input: &'a [u8],
    pos: usize,
}

impl RawLine<'_> {
    /// The length with the line break.
    pub fn len(&self) -> usize {
        self.bytes.len() + self.ending.map_or(0, |e| e.as_bytes().len())
    }
}

impl<'a> Lines<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        Lines { input, pos: 0 }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = RawLine<'a>;

    fn next(&mut self) -> Option<RawLine<'a>> {
        let rest = &self.input[self.pos..];
        if rest.is_empty() {
            return None;
        }
        let line = line_at(rest);
        self.pos += line.len();
        Some(line)
    }
}

/// The line at the start of `rest`.
pub(crate) fn line_at(rest: &[u8]) -> RawLine<'_> {
    match memchr::memchr2(b'\n', b'\r', rest) {
        None => RawLine {
            bytes: rest,
            ending: None,
        },
        Some(i) => RawLine {
            bytes: &rest[..i],
            ending: Some(ending_at(rest, i)),
        },
    }
}

/// The line break at `rest[i]`, a CR or LF.
#[inline]
pub(crate) fn ending_at(rest: &[u8], i: usize) -> LineEnding {
    if rest[i] == b'\n' {
        LineEnding::Lf
    } else if rest.get(i + 1) == Some(&b'\n') {
        LineEnding::Crlf
    } else {
        LineEnding::Cr
    }
}

/// White space for this format: Unicode `White_Space` (tabs, no-break spaces, ...) plus the
/// invisible zero-width space and byte-order mark that spreadsheets leave in cells.
pub(crate) fn is_ws(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}' | '\u{FEFF}')
}

/// True when the line holds no value: white space and separators only (an empty
/// spreadsheet row exported as `;;` or `,,`). Such a line is a blank line.
pub(crate) fn is_empty_row(s: &str) -> bool {
    s.chars().all(|c| is_ws(c) || matches!(c, ',' | ';'))
}

/// One value of a line.
#[derive(Debug, Clone)]
pub(crate) struct Field<'a> {
    /// The bytes of the value in the line, separators excluded, quotes and padding included.
    pub raw: Range<usize>,
    /// Byte offset of the cleaned value (after padding and the opening quote).
    pub value_start: usize,
    /// The value without quotes and surrounding white space (`""` unescaped).
    pub value: Cow<'a, str>,
    /// Wrapped in double quotes.
    pub quoted: bool,
    /// White space around the value, outside or inside the quotes.
    pub padded: bool,
}

/// Separators allowed by a split.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Seps {
    /// Only this one.
    One(u8),
    /// Any of `,`, `;` and tab.
    Any,
}

impl Seps {
    fn is(self, b: u8) -> bool {
        match self {
            Seps::One(s) => b == s,
            Seps::Any => matches!(b, b',' | b';' | b'\t'),
        }
    }
}

/// Skips white space that is not a separator, from `pos`.
fn skip_ws(line: &str, mut pos: usize, seps: Seps) -> usize {
    for c in line[pos..].chars() {
        if !is_ws(c) || (c.is_ascii() && seps.is(c as u8)) {
            break;
        }
        pos += c.len_utf8();
    }
    pos
}

/// Trims white space from the end of `line[start..end]`, returning the new end.
fn trim_end(line: &str, start: usize, end: usize) -> usize {
    start + line[start..end].trim_end_matches(is_ws).len()
}

/// Splits a line into values at `seps` outside double quotes. A value counts as quoted
/// only when its quotes are closed and nothing but white space follows them; otherwise
/// the quotes are ordinary characters (and the value checks report them).
pub(crate) fn split<'a>(line: &'a str, seps: Seps, out: &mut Vec<Field<'a>>) {
    out.clear();
    let b = line.as_bytes();
    let mut pos = 0;
    loop {
        let start = pos;
        let lead = skip_ws(line, start, seps);
        if let Some(field) = quoted_field(line, start, lead, seps) {
            pos = field.raw.end;
            out.push(field);
        } else {
            let end = b[start..]
                .iter()
                .position(|c| seps.is(*c))
                .map_or(b.len(), |p| start + p);
            let value_start = lead.min(end);
            let value_end = trim_end(line, value_start, end).max(value_start);
            out.push(Field {
                raw: start..end,
                value_start,
                value: Cow::Borrowed(&line[value_start..value_end]),
                quoted: false,
                padded: value_start != start || value_end != end,
            });
            pos = end;
        }
        if pos >= b.len() {
            break;
        }
        pos += 1; // the separator
        if pos == b.len() {
            out.push(Field {
                raw: pos..pos,
                value_start: pos,
                value: Cow::Borrowed(""),
                quoted: false,
                padded: false,
            });
            break;
        }
    }
}

fn quoted_field<'a>(line: &'a str, start: usize, open: usize, seps: Seps) -> Option<Field<'a>> {
    let b = line.as_bytes();
    if b.get(open) != Some(&b'"') {
        return None;
    }
    let mut i = open + 1;
    let mut escaped = false;
    let close = loop {
        let q = i + b[i..].iter().position(|c| *c == b'"')?;
        if b.get(q + 1) == Some(&b'"') {
            escaped = true;
            i = q + 2;
        } else {
            break q;
        }
    };
    let end = skip_ws(line, close + 1, seps);
    if end < b.len() && !seps.is(b[end]) {
        return None;
    }
    let inner_start = skip_ws(line, open + 1, Seps::One(b'"'));
    let inner_end = trim_end(line, inner_start, close).max(inner_start);
    let inner = &line[inner_start..inner_end];
    Some(Field {
        raw: start..end,
        value_start: inner_start,
        value: if escaped {
            Cow::Owned(inner.replace("\"\"", "\""))
        } else {
            Cow::Borrowed(inner)
        },
        quoted: true,
        padded: open != start || inner_start != open + 1 || inner_end != close || end != close + 1,
    })
}

/// Printable ASCII other than space, `"`, `,` and `;`: the bytes of a plain value.
static PLAIN: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = b'!';
    while c <= b'~' {
        table[c as usize] = !matches!(c, b'"' | b',' | b';');
        c += 1;
    }
    table
};

/// The common case, recognised without the general splitter: two values of printable
/// ASCII other than quotes and separators, separated by one comma, with no white space.
/// Fills `out` exactly as [`split`] would and returns true; otherwise leaves `out` alone.
pub(crate) fn plain_pair<'a>(line: &'a str, out: &mut Vec<Field<'a>>) -> bool {
    let b = line.as_bytes();
    // Exactly one comma, found with the fast byte search, and plain bytes around it.
    let Some(comma) = b.iter().position(|&c| c == b',') else {
        return false;
    };
    if !b[..comma].iter().all(|&c| PLAIN[usize::from(c)])
        || !b[comma + 1..].iter().all(|&c| PLAIN[usize::from(c)])
    {
        return false;
    }
    out.clear();
    for raw in [0..comma, comma + 1..b.len()] {
        out.push(Field {
            value_start: raw.start,
            value: Cow::Borrowed(&line[raw.clone()]),
            raw,
            quoted: false,
            padded: false,
        });
    }
    true
}

/// True when `line` has the byte `sep` outside double-quoted values.
pub(crate) fn has_sep(line: &str, sep: u8) -> bool {
    let b = line.as_bytes();
    if !b.contains(&sep) {
        return false;
    }
    if !b.contains(&b'"') {
        return true;
    }
    let mut fields = Vec::new();
    split(line, Seps::One(sep), &mut fields);
    fields.len() > 1
}

/// The 1-based column of byte offset `byte` in `line`, counted in characters.
pub(crate) fn column(line: &str, byte: usize) -> u32 {
    let chars = if line.is_ascii() {
        byte
    } else {
        line[..byte].chars().count()
    };
    u32::try_from(chars + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(line: &str, seps: Seps) -> Vec<(String, bool, bool)> {
        let mut out = Vec::new();
        split(line, seps, &mut out);
        out.iter()
            .map(|f| (f.value.to_string(), f.quoted, f.padded))
            .collect()
    }

    #[test]
    fn lines_split_at_every_kind_of_break() {
        let lines: Vec<_> = Lines::new(b"a\r\nb\nc\rd").collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0].ending, Some(LineEnding::Crlf));
        assert_eq!(lines[1].ending, Some(LineEnding::Lf));
        assert_eq!(lines[2].ending, Some(LineEnding::Cr));
        assert_eq!(lines[3].ending, None);
        assert_eq!(lines[3].bytes, b"d");
        assert_eq!(Lines::new(b"a\n").count(), 1);
        assert_eq!(Lines::new(b"a\n\n").count(), 2);
    }

    #[test]
    fn split_values() {
        let c = Seps::One(b',');
        assert_eq!(
            values("a,b", c),
            vec![("a".into(), false, false), ("b".into(), false, false)]
        );
        assert_eq!(
            values(" \"a,x\" ,b ", c),
            vec![("a,x".into(), true, true), ("b".into(), false, true)]
        );
        assert_eq!(values("a,", c).len(), 2);
        assert_eq!(values("\"a\"\"b\"", c), vec![("a\"b".into(), true, false)]);
        // Unclosed or trailing text after quotes: not a quoted value.
        assert_eq!(values("\"ab", c), vec![("\"ab".into(), false, false)]);
        assert_eq!(values("\"a\"b,c", c)[0], ("\"a\"b".into(), false, false));
        assert_eq!(values("a\tb", Seps::One(b'\t')).len(), 2);
        assert_eq!(values("a;b\tc,d", Seps::Any).len(), 4);
        assert_eq!(values("", c), vec![("".into(), false, false)]);
    }

    #[test]
    fn plain_pair_agrees_with_split() {
        for line in [
            "8946000000000000014,ABCD-1234",
            "a,b",
            ",",
            "a,",
            ",b",
            "8.9E+18,x",
            "a,b,c",
            "a;b",
            "a b,c",
            "\"a\",b",
            "a,\tb",
            "å,b",
        ] {
            let mut fast = Vec::new();
            let mut slow = Vec::new();
            split(line, Seps::One(b','), &mut slow);
            if plain_pair(line, &mut fast) {
                let view = |v: &Vec<Field<'_>>| -> Vec<_> {
                    v.iter()
                        .map(|f| {
                            (
                                f.raw.clone(),
                                f.value_start,
                                f.value.to_string(),
                                f.quoted,
                                f.padded,
                            )
                        })
                        .collect()
                };
                assert_eq!(view(&fast), view(&slow), "{line:?}");
            } else {
                assert!(
                    slow.len() != 2
                        || slow.iter().any(|f| f.quoted || f.padded)
                        || !line.is_ascii()
                        || line.contains([';', '\t', ' ']),
                    "{line:?} should take the fast path"
                );
            }
        }
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(column("abc", 2), 3);
        assert_eq!(column("åbc", 3), 3);
    }
}
