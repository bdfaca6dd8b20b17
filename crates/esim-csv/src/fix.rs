//! Applying safe fixes.

use std::collections::{HashMap, HashSet};

use crate::decode::Encoding;
use crate::report::{Edit, Finding, Fix, LineEnding, Report};
use crate::scan::Lines;
use crate::{Columns, Options};

/// The most rounds of fixing; each round removes what the last one uncovered (a `;` line
/// becomes a `,` line with a trailing comma, which the next round removes).
const MAX_ROUNDS: usize = 8;

/// The outcome of [`fix()`].
#[derive(Debug, Clone)]
pub struct Fixed {
    /// The repaired file.
    pub bytes: Vec<u8>,
    /// The findings whose fixes were applied, round by round (positions refer to the file
    /// as it was in that round).
    pub applied: Vec<Finding>,
    /// The report on the repaired file; what is left cannot be fixed mechanically (or needs
    /// [`split()`](crate::split())).
    pub report: Report,
    /// For each line of `bytes`, the line of the original file it came from (fixes only
    /// remove and edit lines, never add or move them).
    pub origin: Vec<u32>,
}

/// One line that a repair changed, for a preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The line in the original file.
    pub line: u32,
    /// The original text (invalid UTF-8 shown with U+FFFD).
    pub before: String,
    /// The repaired text, or `None` when the line was removed.
    pub after: Option<String>,
}

impl Fixed {
    /// True when the repair changed the file.
    pub fn changed(&self) -> bool {
        !self.applied.is_empty()
    }

    /// The lines the repair removed or changed, in order, given the original file. Changes
    /// of the byte-order mark and of line breaks are file-wide and not listed here (they
    /// are in [`Fixed::applied`]).
    pub fn changes(&self, original: &[u8]) -> Vec<Change> {
        let mut fixed_lines = Lines::new(&self.bytes).zip(&self.origin).peekable();
        let mut out = Vec::new();
        for (i, raw) in Lines::new(original).enumerate() {
            let line = u32::try_from(i + 1).unwrap_or(u32::MAX);
            // Lines a conversion added (an SM-DP+ line) have no original.
            while fixed_lines.next_if(|(_, origin)| **origin == 0).is_some() {}
            let before = strip_bom(i, raw.bytes);
            match fixed_lines.peek() {
                Some((after, origin)) if **origin == line => {
                    let after = strip_bom(0, after.bytes);
                    if after != before {
                        out.push(Change {
                            line,
                            before: String::from_utf8_lossy(before).into_owned(),
                            after: Some(String::from_utf8_lossy(after).into_owned()),
                        });
                    }
                    fixed_lines.next();
                }
                _ => out.push(Change {
                    line,
                    before: String::from_utf8_lossy(before).into_owned(),
                    after: None,
                }),
            }
        }
        out
    }
}

fn strip_bom(index: usize, bytes: &[u8]) -> &[u8] {
    if index == 0 {
        bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
    } else {
        bytes
    }
}

/// Applies every safe fix except splitting, until nothing changes, and checks the result.
///
/// Fixes never change an ICCID's digits or a Matching ID's characters and never choose
/// between two conflicting lines.
pub fn fix(input: &[u8], options: &Options) -> Fixed {
    Fixer::new(input, options).finish()
}

/// A repair in progress: [`fix()`] in steps, so the browser can give the page a turn
/// between them on a big file. Each round checks the file (fed a few lines at a time) and
/// applies the fixes found in one pass.
///
/// ```
/// use esim_csv::{Fixer, Options};
///
/// let mut fixer = Fixer::new(b"smdp.example.com\n8946000000000000014;ABC\n", &Options::default());
/// while !fixer.step(1) {}
/// let fixed = fixer.finish();
/// assert_eq!(fixed.bytes, b"smdp.example.com\n8946000000000000014,ABC\n");
/// ```
#[derive(Debug)]
pub struct Fixer {
    options: Options,
    all: Options,
    bytes: Vec<u8>,
    applied: Vec<Finding>,
    origin: Vec<u32>,
    rounds: usize,
    validator: Option<crate::Validator>,
    /// The check of `bytes` as they are now, once no fix is left.
    last: Option<Report>,
}

impl Fixer {
    /// A repair of `input` (copied).
    pub fn new(input: &[u8], options: &Options) -> Fixer {
        let lines = u32::try_from(Lines::new(input).count()).unwrap_or(u32::MAX);
        Fixer {
            options: options.clone(),
            all: Options {
                max_findings: usize::MAX,
                ..options.clone()
            },
            bytes: input.to_vec(),
            applied: Vec::new(),
            origin: (1..=lines).collect(),
            rounds: 0,
            validator: None,
            last: None,
        }
    }

    /// Bytes of the current round's file checked so far, and that file's length.
    pub fn progress(&self) -> (usize, usize) {
        let read = self
            .validator
            .as_ref()
            .map_or(0, crate::Validator::bytes_read);
        (read, self.bytes.len())
    }

    /// Checks up to `max_lines` more lines, applying the round's fixes when its check is
    /// complete. Returns true when nothing is left to fix.
    pub fn step(&mut self, max_lines: usize) -> bool {
        if self.last.is_some() {
            return true;
        }
        let all = &self.all;
        let validator = self
            .validator
            .get_or_insert_with(|| crate::Validator::new(all.clone()));
        if !validator.feed(&self.bytes, max_lines) {
            return false;
        }
        let (report, converted) = self
            .validator
            .take()
            .expect("fed above")
            .finish_converted(&self.bytes);
        let fixes: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.fix.as_ref().is_some_and(Fix::is_edit))
            .collect();
        if fixes.is_empty() || self.rounds == MAX_ROUNDS {
            self.last = Some(report);
            return true;
        }
        // A conversion of the whole file comes alone: the other fixes' positions are the
        // old file's.
        let whole = fixes
            .iter()
            .copied()
            .find(|f| matches!(f.fix, Some(Fix::Convert | Fix::ConvertEncoding { .. })));
        if let Some(finding) = whole {
            let next = match &finding.fix {
                Some(Fix::Convert) => {
                    // The check converted the export already (in steps): its pool file.
                    let (bytes, from) = converted.unwrap_or_else(|| {
                        let c = crate::convert(&self.bytes, &self.all);
                        (c.bytes, c.origin)
                    });
                    // The pool file is a pool file: no columns to choose any more, and
                    // it is saved under a new name (the export may be a `.xlsx`).
                    for o in [&mut self.all, &mut self.options] {
                        o.columns = Columns::default();
                        o.check_extension = false;
                        o.sheet_text = false;
                    }
                    let origin = from
                        .iter()
                        .map(|l| match *l {
                            0 => 0,
                            l => self.origin.get(l as usize - 1).copied().unwrap_or(0),
                        })
                        .collect();
                    Some((bytes, origin))
                }
                Some(Fix::ConvertEncoding { from }) => Encoding::from_name(from)
                    .and_then(|e| e.decode(&self.bytes))
                    .map(|text| (text.into_bytes(), self.origin.clone())),
                _ => None,
            };
            let Some((bytes, origin)) = next.filter(|(b, _)| *b != self.bytes) else {
                self.last = Some(report);
                return true;
            };
            self.bytes = bytes;
            self.origin = origin;
            self.applied.push(finding.clone());
            self.rounds += 1;
            return false;
        }
        let (next, kept) = apply_tracked(&self.bytes, fixes.iter().filter_map(|f| f.fix.as_ref()));
        if next == self.bytes {
            self.last = Some(report);
            return true;
        }
        self.origin = kept.iter().map(|l| self.origin[*l as usize - 1]).collect();
        self.bytes = next;
        self.applied.extend(fixes.into_iter().cloned());
        self.rounds += 1;
        false
    }

    /// Finishes the repair and returns it, with the report under the caller's options.
    pub fn finish(mut self) -> Fixed {
        while !self.step(usize::MAX) {}
        let mut report = self.last.take().expect("set by the last step");
        // The last round's check saw every finding; keep the first ones as `check` would.
        let max = self.options.max_findings;
        if report.findings.len() > max {
            report.findings.truncate(max);
            report.truncated = true;
        }
        report.deny_warnings = self.options.deny_warnings;
        Fixed {
            bytes: self.bytes,
            applied: self.applied,
            report,
            origin: self.origin,
        }
    }
}

/// Applies the given fixes to a file (one click in the browser applies one). Fixes refer to
/// positions in `input`; edits that overlap an earlier one are skipped. [`Fix::Split`] is
/// ignored.
pub fn apply_fixes<'f>(input: &[u8], fixes: impl IntoIterator<Item = &'f Fix>) -> Vec<u8> {
    apply_tracked(input, fixes).0
}

/// [`apply_fixes`], also returning for each output line the input line it came from.
fn apply_tracked<'f>(
    input: &[u8],
    fixes: impl IntoIterator<Item = &'f Fix>,
) -> (Vec<u8>, Vec<u32>) {
    let mut remove_bom = false;
    let mut normalize = None;
    let mut removed = HashSet::new();
    let mut trailing_from = u32::MAX;
    let mut edits: HashMap<u32, Vec<&Edit>> = HashMap::new();
    for fix in fixes {
        match fix {
            Fix::RemoveBom => remove_bom = true,
            Fix::NormalizeLineEndings { to } => normalize = Some(*to),
            Fix::RemoveLine { line } => {
                removed.insert(*line);
            }
            Fix::RemoveTrailingBlankLines { from_line } => {
                trailing_from = trailing_from.min(*from_line);
            }
            Fix::Edit { line, edits: e } => edits.entry(*line).or_default().extend(e),
            // Whole-file conversions: `Fixer` applies them alone.
            Fix::Split | Fix::Convert | Fix::ConvertEncoding { .. } => {}
        }
    }
    let mut out = Vec::with_capacity(input.len());
    let mut kept = Vec::new();
    for (i, raw) in Lines::new(input).enumerate() {
        let ln = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let mut bytes = raw.bytes;
        if i == 0 && bytes.starts_with(b"\xEF\xBB\xBF") {
            bytes = &bytes[3..];
            if !remove_bom {
                out.extend_from_slice(b"\xEF\xBB\xBF");
            }
        }
        if removed.contains(&ln) || ln >= trailing_from {
            continue;
        }
        kept.push(ln);
        match (edits.get_mut(&ln), std::str::from_utf8(bytes)) {
            (Some(e), Ok(text)) => out.extend_from_slice(edit_line(text, e).as_bytes()),
            _ => out.extend_from_slice(bytes),
        }
        if let Some(ending) = raw.ending {
            out.extend_from_slice(normalize.unwrap_or(ending).as_bytes());
        }
    }
    (out, kept)
}

fn edit_line(text: &str, edits: &mut [&Edit]) -> String {
    let starts: Vec<usize> = text
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(text.len()))
        .collect();
    let byte = |col: u32| starts[(col as usize).saturating_sub(1).min(starts.len() - 1)];
    edits.sort_by_key(|e| (e.column, e.length));
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for e in edits.iter() {
        let start = byte(e.column);
        let end = byte(e.column.saturating_add(e.length));
        if start < pos {
            continue; // overlaps an edit already made
        }
        out.push_str(&text[pos..start]);
        out.push_str(&e.text);
        pos = end;
    }
    out.push_str(&text[pos..]);
    out
}

/// The line break a repaired or split file uses.
pub(crate) fn line_ending_of(report: &Report) -> LineEnding {
    report.line_ending.unwrap_or(LineEnding::Crlf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_list_removed_and_edited_lines_by_original_line() {
        let input = b"\xEF\xBB\xBFICCID,MatchingID\r\nsmdp.example.com\r\n\r\n8946000000000000014;ABC;\r\n8946000000000000022,DEF\r\n";
        let fixed = fix(input, &Options::file("a.csv"));
        assert!(fixed.report.is_valid(), "{:?}", fixed.report.findings);
        assert_eq!(fixed.origin, [2, 4, 5]);
        let changes = fixed.changes(input);
        let view: Vec<(u32, &str, Option<&str>)> = changes
            .iter()
            .map(|c| (c.line, c.before.as_str(), c.after.as_deref()))
            .collect();
        assert_eq!(
            view,
            [
                (1, "ICCID,MatchingID", None),
                (3, "", None),
                (
                    4,
                    "8946000000000000014;ABC;",
                    Some("8946000000000000014,ABC")
                ),
            ]
        );
    }
}
