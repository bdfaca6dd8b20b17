//! The source view's logic: where each line starts (built once per file), which lines a
//! scroll position shows, and which part of a line a finding marks.
//!
//! The view renders only the visible lines at a fixed line height, so a file of a million
//! lines costs as much to show as one of twenty.

use std::ops::Range;

/// The height of one line in CSS pixels (`.source-line` in `style/main.css`).
pub const LINE_HEIGHT: f64 = 20.0;
/// How many lines the view shows at once.
pub const VIEW_LINES: usize = 20;
/// Lines rendered above and below the visible ones, so fast scrolling shows no gap.
pub const OVERSCAN: usize = 10;
/// How many lines stay above a line the user asked for.
pub const CONTEXT_ABOVE: usize = 4;
/// Longer lines are cut for display (the file is not changed).
pub const MAX_DISPLAY_CHARS: usize = 500;
/// The tallest scroll area the view makes: browsers cap element heights near 2^25 px,
/// so past this many pixels a pixel of scrolling moves more than a line's share.
pub const MAX_SCROLL_PX: f64 = 15_000_000.0;

/// The start of every line of a file, as the validator counts lines: a line ends at CRLF,
/// LF or a lone CR, and a final line break does not start another line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset of each line's first byte (`u32`: files are capped far below 4 GB).
    starts: Vec<u32>,
    len: u32,
}

impl LineIndex {
    /// Scans the file once.
    pub fn new(bytes: &[u8]) -> Self {
        let mut starts = Vec::with_capacity(bytes.len() / 40 + 1);
        if !bytes.is_empty() {
            starts.push(0);
        }
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => {
                    i += 1;
                    starts.push(i as u32);
                }
                b'\r' => {
                    i += if bytes.get(i + 1) == Some(&b'\n') {
                        2
                    } else {
                        1
                    };
                    starts.push(i as u32);
                }
                _ => i += 1,
            }
        }
        if starts.last() == Some(&(bytes.len() as u32)) && !bytes.is_empty() {
            starts.pop();
        }
        Self {
            starts,
            len: bytes.len() as u32,
        }
    }

    /// The number of lines.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// The bytes of line `n` (1-based) without its line break; empty past the end.
    pub fn line<'a>(&self, bytes: &'a [u8], n: usize) -> &'a [u8] {
        let Some(&start) = self.starts.get(n.wrapping_sub(1)) else {
            return &[];
        };
        let end = self.starts.get(n).map_or(self.len, |&next| next) as usize;
        let line = &bytes[start as usize..end.min(bytes.len())];
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        line.strip_suffix(b"\r").unwrap_or(line)
    }
}

/// The scroll geometry of a file of `total` lines.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    pub total: usize,
}

impl Geometry {
    /// The height of the scroll area in pixels.
    pub fn height(self) -> f64 {
        (self.total as f64 * LINE_HEIGHT).min(MAX_SCROLL_PX)
    }

    fn scaled(self) -> bool {
        self.total as f64 * LINE_HEIGHT > MAX_SCROLL_PX
    }

    /// Pixels of scrolling per line.
    fn per_line(self) -> f64 {
        if self.total == 0 {
            LINE_HEIGHT
        } else {
            self.height() / self.total as f64
        }
    }

    /// The 0-based lines to render at this scroll position (visible ones plus overscan).
    pub fn window(self, scroll_top: f64) -> Range<usize> {
        let first = (scroll_top.max(0.0) / self.per_line()) as usize;
        let first = first.min(self.total);
        let start = first.saturating_sub(OVERSCAN);
        let end = (first + VIEW_LINES + OVERSCAN).min(self.total);
        start..end
    }

    /// Where the 0-based line `index` is drawn when the view is scrolled to `scroll_top`.
    pub fn top(self, index: usize, scroll_top: f64) -> f64 {
        if self.scaled() {
            let first = (scroll_top.max(0.0) / self.per_line()) as usize;
            scroll_top + (index as f64 - first as f64) * LINE_HEIGHT
        } else {
            index as f64 * LINE_HEIGHT
        }
    }

    /// The scroll position that shows 1-based line `n` with a few lines above it.
    pub fn scroll_to(self, n: usize) -> f64 {
        let index = n.saturating_sub(1).saturating_sub(CONTEXT_ABOVE);
        index as f64 * self.per_line()
    }
}

/// A line split around the marked value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marked {
    pub before: String,
    pub mark: String,
    pub after: String,
}

/// The text of a line for display: invalid UTF-8 shown as U+FFFD, a byte-order mark on the
/// first line left out (columns do not count it), very long lines cut.
pub fn display(bytes: &[u8], first_line: bool) -> String {
    let bytes = if first_line {
        bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
    } else {
        bytes
    };
    let text = String::from_utf8_lossy(bytes);
    match text.char_indices().nth(MAX_DISPLAY_CHARS) {
        Some((at, _)) => format!("{}\u{2026}", &text[..at]),
        None => text.into_owned(),
    }
}

/// Marks the value that starts at the 1-based `column` (in characters): the finding's
/// `value` when the line has it there (so `8,94670E+18` is marked whole), else a quoted
/// value to its closing quote, else up to the next separator (`,`, `;`, tab) or the end of
/// the line. Without a column the whole line is marked.
pub fn mark(text: &str, column: Option<u32>, value: Option<&str>) -> Marked {
    let Some(column) = column else {
        return Marked {
            mark: text.to_owned(),
            ..Marked::default()
        };
    };
    let start = text
        .char_indices()
        .nth(column.saturating_sub(1) as usize)
        .map_or(text.len(), |(at, _)| at);
    let rest = &text[start..];
    let quoted = || {
        let inner = rest.strip_prefix('"')?;
        inner.find('"').map(|end| end + 2)
    };
    let len = match value {
        Some(value) if !value.is_empty() && rest.starts_with(value) => value.len(),
        _ => quoted().unwrap_or_else(|| rest.find([',', ';', '\t']).unwrap_or(rest.len())),
    };
    // An empty value (e.g. a missing Matching ID) still gets a visible mark.
    let len = if len == 0 {
        rest.chars().next().map_or(0, char::len_utf8)
    } else {
        len
    };
    Marked {
        before: text[..start].to_owned(),
        mark: rest[..len].to_owned(),
        after: rest[len..].to_owned(),
    }
}

/// A CSS length in whole pixels (`12px`). Whole numbers keep float formatting out of the
/// wasm (about 11 KB).
pub fn px(value: f64) -> String {
    format!("{}px", value.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_end_like_the_validators() {
        let bytes = b"a\r\nbb\ncc\rd";
        let index = LineIndex::new(bytes);
        assert_eq!(index.len(), 4);
        let lines: Vec<&[u8]> = (1..=4).map(|n| index.line(bytes, n)).collect();
        assert_eq!(lines, [&b"a"[..], b"bb", b"cc", b"d"]);
        assert_eq!(index.line(bytes, 5), b"");
        assert_eq!(index.line(bytes, 0), b"");
    }

    #[test]
    fn a_final_line_break_starts_no_line() {
        assert_eq!(LineIndex::new(b"a\n").len(), 1);
        assert_eq!(LineIndex::new(b"a\n\n").len(), 2);
        assert_eq!(LineIndex::new(b"").len(), 0);
        assert_eq!(LineIndex::new(b"\n").len(), 1);
    }

    #[test]
    fn the_line_count_agrees_with_the_validator() {
        // trailing-blank-lines names the first blank line after the last one with text.
        let bytes = b"smdp.example.com\n8946000000000000014,A\n\n\n";
        let report = esim_csv::check(bytes, &Default::default());
        let blank = report
            .findings
            .iter()
            .find(|f| f.code == esim_csv::Code::TrailingBlankLines)
            .unwrap();
        assert_eq!(blank.line(), Some(3));
        assert_eq!(LineIndex::new(bytes).len(), 4);
    }

    #[test]
    fn only_visible_lines_are_rendered() {
        let geometry = Geometry { total: 100_000 };
        assert_eq!(geometry.window(0.0), 0..VIEW_LINES + OVERSCAN);
        let middle = geometry.window(50_000.0 * LINE_HEIGHT);
        assert_eq!(middle, 50_000 - OVERSCAN..50_000 + VIEW_LINES + OVERSCAN);
        assert_eq!(geometry.window(1e12).end, 100_000);
        assert_eq!(geometry.top(7, 0.0), 7.0 * LINE_HEIGHT);
        let to = geometry.scroll_to(1_000);
        assert!(geometry.window(to).contains(&999));
        assert_eq!(Geometry { total: 3 }.window(0.0), 0..3);
    }

    #[test]
    fn huge_files_scale_the_scroll_area() {
        let geometry = Geometry { total: 5_000_000 };
        assert_eq!(geometry.height(), MAX_SCROLL_PX);
        let to = geometry.scroll_to(4_000_000);
        let window = geometry.window(to);
        assert!(window.contains(&3_999_999), "{window:?}");
        let first = window.start + OVERSCAN;
        assert_eq!(geometry.top(first, to), to);
    }

    #[test]
    fn the_value_at_the_column_is_marked() {
        let line = "8946000000000000014,ABCD 1234";
        assert_eq!(
            mark(line, Some(21), None),
            Marked {
                before: "8946000000000000014,".into(),
                mark: "ABCD 1234".into(),
                after: String::new()
            }
        );
        assert_eq!(mark(line, Some(1), None).mark, "8946000000000000014");
        assert_eq!(mark("å;b", Some(1), None).mark, "å");
        assert_eq!(mark("a,,c", Some(3), None).mark, ",");
        assert_eq!(mark("abc", None, None).mark, "abc");
        assert_eq!(mark("abc", Some(9), None).mark, "");
        // The whole bad value, separators in it and all.
        let excel = "\"8,946E+18\",ABCD-0001-XYZ";
        assert_eq!(mark(excel, Some(1), None).mark, "\"8,946E+18\"");
        assert_eq!(mark(excel, Some(2), Some("8,946E+18")).mark, "8,946E+18");
        assert_eq!(
            mark("8,946E+18,ABC", Some(1), Some("8,946E+18")).mark,
            "8,946E+18"
        );
    }

    #[test]
    fn display_drops_the_bom_and_cuts_long_lines() {
        assert_eq!(display(b"\xEF\xBB\xBFsmdp", true), "smdp");
        assert_eq!(display(b"a\xFFb", false), "a\u{fffd}b");
        let long = "x".repeat(MAX_DISPLAY_CHARS + 10);
        assert_eq!(
            display(long.as_bytes(), false).chars().count(),
            MAX_DISPLAY_CHARS + 1
        );
    }
}
