//! Splitting a file into valid files: one operator and at most 1,000 codes each.

use std::fmt;

use crate::code::Code;
use crate::fix::{fix, line_ending_of, Fixed};
use crate::report::Report;
use crate::scan::{is_empty_row, Lines};
use crate::{Options, SmdpAddress};

/// One file of a split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The suggested file name: the original stem and a number, `pool-01.csv`.
    pub file_name: String,
    /// The SM-DP+ address on its first line.
    pub smdp_address: SmdpAddress,
    /// Its number of codes.
    pub codes: usize,
    /// The file.
    pub bytes: Vec<u8>,
}

/// Why a file cannot be split: errors remain that splitting does not remove.
#[derive(Debug, Clone)]
pub struct SplitError {
    /// The report on the file after every safe fix; its errors other than `too-many-codes`
    /// and `second-smdp` must be corrected first.
    pub report: Box<Report>,
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the file has {} {} that splitting does not remove",
            self.report.errors(),
            if self.report.errors() == 1 {
                "error"
            } else {
                "errors"
            }
        )
    }
}

impl std::error::Error for SplitError {}

/// Applies every safe fix, then splits the file by SM-DP+ address (codes under a repeated
/// address join the earlier ones) and into files of at most `max` codes. Each part is a
/// valid file. Fails when errors remain that splitting cannot remove.
pub fn split(input: &[u8], options: &Options, max: usize) -> Result<Vec<Part>, SplitError> {
    split_fixed(&fix(input, options), options, max)
}

/// [`split()`] of a file already repaired by [`fix()`] (or a [`Fixer`](crate::Fixer)), so a
/// caller that shows the repair does not run it twice.
pub fn split_fixed(fixed: &Fixed, options: &Options, max: usize) -> Result<Vec<Part>, SplitError> {
    let max = max.clamp(1, crate::MAX_CODES);
    let report = &fixed.report;
    // The counts cover every finding, also those a limited report leaves out.
    let blocking = report.counts.iter().any(|(code, n)| {
        *n > 0
            && code.severity() == crate::Severity::Error
            && !matches!(code, Code::TooManyCodes | Code::SecondSmdp)
    });
    if blocking {
        return Err(SplitError {
            report: Box::new(report.clone()),
        });
    }
    let ending = line_ending_of(report).as_bytes();

    // Group code lines by host, in order of first appearance. After the repair, line 1 is
    // the SM-DP+ line and every later line holding one host name is a second one.
    let mut groups: Vec<(SmdpAddress, Vec<&[u8]>)> = Vec::new();
    let mut current = 0;
    for (i, raw) in Lines::new(&fixed.bytes).enumerate() {
        let text = std::str::from_utf8(raw.bytes).unwrap_or_default();
        if is_empty_row(text) {
            continue;
        }
        let host = if i == 0 {
            Some(text.to_owned())
        } else {
            crate::engine::second_smdp_host(text)
        };
        if let Some(host) = host {
            let Ok(address) = SmdpAddress::parse(&host) else {
                return Err(SplitError {
                    report: Box::new(report.clone()),
                });
            };
            current = match groups.iter().position(|(a, _)| a.same_host(&host)) {
                Some(i) => i,
                None => {
                    groups.push((address, Vec::new()));
                    groups.len() - 1
                }
            };
            continue;
        }
        groups[current].1.push(raw.bytes);
    }

    let stem = options
        .file_name
        .as_deref()
        .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n))
        .map(|n| {
            if n.len() > 4 && n[n.len() - 4..].eq_ignore_ascii_case(".csv") {
                &n[..n.len() - 4]
            } else {
                n
            }
        })
        .filter(|n| !n.is_empty() && *n != "-")
        .unwrap_or("pool");
    let total: usize = groups.iter().map(|(_, c)| c.len().div_ceil(max)).sum();
    let width = total.to_string().len().max(2);
    let mut parts = Vec::with_capacity(total);
    for (address, codes) in &groups {
        for chunk in codes.chunks(max) {
            let mut bytes = Vec::new();
            bytes.extend_from_slice(address.as_str().as_bytes());
            bytes.extend_from_slice(ending);
            for line in chunk {
                bytes.extend_from_slice(line);
                bytes.extend_from_slice(ending);
            }
            parts.push(Part {
                file_name: format!("{stem}-{:0width$}.csv", parts.len() + 1),
                smdp_address: address.clone(),
                codes: chunk.len(),
                bytes,
            });
        }
    }
    Ok(parts)
}
