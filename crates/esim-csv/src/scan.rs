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

// Eight bytes at a time in a `u64` (the first byte lowest), for the clean code lines.
const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;
const EVEN: u64 = 0x00FF_00FF_00FF_00FF;

/// Eight bytes of `b` from `at`, the first lowest.
#[inline]
pub(crate) fn word(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// True when all eight bytes are ASCII digits.
#[inline]
fn all_digits(w: u64) -> bool {
    const HI_NIBBLES: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    (w & HI_NIBBLES) == 0x3030_3030_3030_3030
        && (w.wrapping_add(0x0606_0606_0606_0606) & HI_NIBBLES) == 0x3030_3030_3030_3030
}

/// Eight digit values (0-9, the first lowest) as one number.
#[inline]
fn parse8(v: u64) -> u64 {
    let v = (v.wrapping_mul(10) + (v >> 8)) & EVEN;
    let v = (v.wrapping_mul(100) + (v >> 16)) & 0x0000_FFFF_0000_FFFF;
    (v.wrapping_mul(10_000) + (v >> 32)) & 0xFFFF_FFFF
}

/// The sum of the four even bytes of `x` (each at most 63).
#[inline]
fn sum_even(x: u64) -> u32 {
    ((x & EVEN).wrapping_mul(0x0001_0001_0001_0001) >> 48) as u32
}

/// The first 19 bytes of `head` when they are ASCII digits: their value, the Luhn sum of
/// the 19 digits (the last one the check digit), and the Luhn sum of the 19 as the first
/// of 20 digits (the 20th not added).
#[inline]
pub(crate) fn digits19(head: &[u8; 24]) -> Option<(u64, u32, u32)> {
    let w0 = word(head, 0);
    let w1 = word(head, 8);
    // Digits 16-18, the rest filled with `0`, which adds nothing to the sums.
    let w2 = (word(head, 16) & 0x00FF_FFFF) | 0x3030_3030_3000_0000;
    if !(all_digits(w0) && all_digits(w1) && all_digits(w2)) {
        return None;
    }
    let zeros = ONES * u64::from(b'0');
    let (v0, v1, v2) = (w0 - zeros, w1 - zeros, w2 - zeros);
    let last3 = (v2 & 0xFF) * 100 + ((v2 >> 8) & 0xFF) * 10 + ((v2 >> 16) & 0xFF);
    let key = parse8(v0) * 100_000_000_000 + parse8(v1) * 1000 + last3;
    // Luhn: a doubled digit adds 2d, less 9 when d >= 5. Digit i sits in byte i % 8, so
    // even bytes hold the digits at even places.
    let five = |v: u64| ((v + ONES * 0x7B) & HIGH) >> 7;
    let sum = v0 + v1 + v2;
    let fives = five(v0) + five(v1) + five(v2);
    let (even, odd) = (sum_even(sum), sum_even(sum >> 8));
    let (even5, odd5) = (sum_even(fives), sum_even(fives >> 8));
    // 19 digits: the odd places are doubled; as the first 19 of 20, the even ones.
    Some((key, even + 2 * odd - 9 * odd5, 2 * even - 9 * even5 + odd))
}

/// The high bit of every byte of `w` that is not `A-Z`, `0-9` or `-`.
#[inline]
pub(crate) fn not_mid_bytes(w: u64) -> u64 {
    let x = w & !HIGH;
    // Bit 7 of a byte of `x + (0x80 - lo)` says byte >= lo; of `x + (0x7F - hi)`, byte > hi.
    let at_least = |lo: u8| x + ONES * u64::from(0x80 - lo);
    let above = |hi: u8| x + ONES * u64::from(0x7F - hi);
    let upper = at_least(b'A') & !above(b'Z');
    let digit = at_least(b'0') & !above(b'9');
    let dash = !((x ^ (ONES * u64::from(b'-'))) + ONES * 0x7F);
    !((upper | digit | dash) & !w) & HIGH
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
    fn eight_bytes_at_a_time() {
        for n in [0u64, 1, 12_345_678, 99_999_999, 40_506_070] {
            let text = format!("{n:08}");
            let v = word(text.as_bytes(), 0) - ONES * u64::from(b'0');
            assert_eq!(parse8(v), n);
        }
        for digits in [
            "8946000000000000014",
            "0123456789012345678",
            "9999999999999999999",
        ] {
            let mut head = [b','; 24];
            head[..19].copy_from_slice(digits.as_bytes());
            let (key, luhn19, luhn20) = digits19(&head).expect("digits");
            assert_eq!(key, digits.parse::<u64>().unwrap());
            let d: Vec<u32> = digits.bytes().map(|c| u32::from(c - b'0')).collect();
            let luhn = |d: &[u32]| -> u32 {
                d.iter()
                    .rev()
                    .enumerate()
                    .map(|(i, &v)| {
                        if i % 2 == 1 {
                            (2 * v) / 10 + (2 * v) % 10
                        } else {
                            v
                        }
                    })
                    .sum()
            };
            assert_eq!(luhn19, luhn(&d));
            let mut d20 = d.clone();
            d20.push(0);
            assert_eq!(luhn20, luhn(&d20));
        }
        let mut head = [b'1'; 24];
        head[7] = b'/';
        assert!(digits19(&head).is_none());
        head[7] = b':';
        assert!(digits19(&head).is_none());
        for b in 0..=255u8 {
            let w = u64::from_le_bytes([b'A', b, b'-', b'Z', b'0', b'9', 0xC3, b'a']);
            let ok = b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-';
            let expect = if ok { 0 } else { 0x80 << 8 } | 0x80 << 48 | 0x80 << 56;
            assert_eq!(not_mid_bytes(w), expect, "{b}");
        }
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(column("abc", 2), 3);
        assert_eq!(column("åbc", 3), 3);
    }
}
