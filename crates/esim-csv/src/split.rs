//! Splitting a file into valid files: one operator and at most 1,000 codes each.

use std::fmt;

use crate::code::Code;
use crate::fix::{fix, line_ending_of};
use crate::report::Report;
use crate::scan::{is_empty_row, Lines};
use crate::{check, Options, SmdpAddress};

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
            "the file has {} error(s) that splitting does not remove",
            self.report.errors()
        )
    }
}

impl std::error::Error for SplitError {}

/// Applies every safe fix, then splits the file by SM-DP+ address (codes under a repeated
/// address join the earlier ones) and into files of at most `max` codes. Each part is a
/// valid file. Fails when errors remain that splitting cannot remove.
pub fn split(input: &[u8], options: &Options, max: usize) -> Result<Vec<Part>, SplitError> {
    let max = max.clamp(1, crate::MAX_CODES);
    let fixed = fix(input, options);
    let all = Options {
        max_findings: usize::MAX,
        ..options.clone()
    };
    let report = check(&fixed.bytes, &all);
    let blocking = report.counts.iter().any(|(code, n)| {
        *n > 0
            && code.severity() == crate::Severity::Error
            && !matches!(code, Code::TooManyCodes | Code::SecondSmdp)
    });
    if blocking {
        return Err(SplitError {
            report: Box::new(fixed.report),
        });
    }
    let ending = line_ending_of(&report).as_bytes();

    // Group code lines by host, in order of first appearance.
    let mut groups: Vec<(SmdpAddress, Vec<&[u8]>)> = Vec::new();
    let mut current = 0;
    let second: std::collections::HashSet<u32> = report
        .findings
        .iter()
        .filter(|f| f.code == Code::SecondSmdp)
        .filter_map(|f| f.line)
        .collect();
    for (i, raw) in Lines::new(&fixed.bytes).enumerate() {
        let ln = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let text = std::str::from_utf8(raw.bytes).unwrap_or_default();
        if is_empty_row(text) {
            continue;
        }
        if i == 0 || second.contains(&ln) {
            let host = if i == 0 {
                Some(text.to_owned())
            } else {
                crate::engine::second_smdp_host(text)
            };
            let host = host.unwrap_or_default();
            let host = host.as_str();
            let Ok(address) = SmdpAddress::parse(host) else {
                return Err(SplitError {
                    report: Box::new(report),
                });
            };
            current = match groups.iter().position(|(a, _)| a.same_host(host)) {
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
