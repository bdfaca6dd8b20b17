//! Activation codes sent as a request body (Graph's `activationCodes`) rather than a file:
//! the same value, duplicate, operator and 1,000-code rules, positions naming the n-th
//! code's field instead of a line.

use std::collections::HashMap;

use crate::code::Code;
use crate::report::{report, CodeField, Finding, Position, Report, Shape};
use crate::rules;
use crate::{ActivationCode, Iccid, MatchingId, Options, Pool, SmdpAddress, MAX_CODES};

/// One activation code of a request body, as sent; [`check_codes`] checks its strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CodeInput<'a> {
    /// `integratedCircuitCardIdentifier`
    pub iccid: &'a str,
    /// `matchingIdentifier`
    pub matching_id: &'a str,
    /// `smdpPlusServerAddress`
    pub smdp_address: &'a str,
}

/// Checks the activation codes of a request body by the rules of a file, and returns the
/// report and, when it has no errors, the codes as a [`Pool`].
///
/// Every value gets the checks of its column in a file (`iccid-*`, `matching-id-*`,
/// `smdp-scheme`, `smdp-invalid`, `activation-code-length`); a repeated ICCID or Matching
/// ID is `iccid-duplicate` or `matching-id-duplicate` naming the earlier code; a code of
/// another operator is `second-smdp` (a body, like a file, holds one operator's codes:
/// the first valid address, or `pool_address` when the codes are added to a pool of that
/// address). An empty list is `no-codes`; more than 1,000 codes is `too-many-codes` and
/// nothing else (the body is refused whole). Positions are [`Position::Codes`] and
/// [`Position::Code`]; nothing has a fix (there is no file to edit).
///
/// ```
/// use esim_csv::{check_codes, CodeInput, Code, Lang, Options};
///
/// let codes = [
///     CodeInput { iccid: "8946000000000000014", matching_id: "A1", smdp_address: "smdp.example.com" },
///     CodeInput { iccid: "8946000000000000014", matching_id: "A2", smdp_address: "smdp.example.com" },
/// ];
/// let (report, pool) = check_codes(&codes, None, &Options::default());
/// assert!(pool.is_none());
/// let f = &report.findings[0];
/// assert_eq!(f.code, Code::IccidDuplicate);
/// assert_eq!(
///     f.position.target().as_deref(),
///     Some("activationCodes[1].integratedCircuitCardIdentifier")
/// );
/// assert_eq!(
///     f.message(Lang::En),
///     "ICCID 8946000000000000014 is also activationCodes[0]; each code may be used once."
/// );
/// ```
pub fn check_codes(
    codes: &[CodeInput<'_>],
    pool_address: Option<&str>,
    options: &Options,
) -> (Report, Option<Pool>) {
    let mut findings: Vec<Finding> = Vec::new();
    if codes.is_empty() {
        findings.push(Finding::new(Code::NoCodes).placed(Position::Codes));
    }
    if codes.len() > MAX_CODES {
        // Past the limit the values are not checked one by one: the body is refused whole.
        findings.push(
            Finding::new(Code::TooManyCodes)
                .placed(Position::Codes)
                .number(codes.len() as u64),
        );
        return (report(findings, codes.len(), None, options, SHAPE), None);
    }
    let mut first: Option<(u32, SmdpAddress)> = None;
    let mut iccids: HashMap<u128, u32> = HashMap::with_capacity(codes.len());
    let mut mids: HashMap<&str, u32> = HashMap::with_capacity(codes.len());
    let mut typed = Vec::with_capacity(codes.len());
    for (i, c) in codes.iter().enumerate() {
        let i = u32::try_from(i).unwrap_or(u32::MAX);
        let at = |field, v| at(i, field, v);

        let smdp = rules::smdp_address(c.smdp_address, at(CodeField::SmdpAddress, c.smdp_address));
        let host = smdp.as_ref().ok().map(SmdpAddress::as_str);

        let iccid_key = rules::iccid(c.iccid, at(CodeField::Iccid, c.iccid), &mut findings);
        let mut new_iccid = false;
        if let Some((key, tag)) = iccid_key {
            let wide = u128::from(key) << 8 | u128::from(tag);
            match iccids.get(&wide) {
                Some(&earlier) => findings
                    .push(at(CodeField::Iccid, c.iccid)(Code::IccidDuplicate).other_code(earlier)),
                None => {
                    iccids.insert(wide, i);
                    new_iccid = true;
                }
            }
        }

        let mid_ok = rules::matching_id(
            c.matching_id,
            host,
            at(CodeField::MatchingId, c.matching_id),
            &mut findings,
        );
        // As in a file: a code whose ICCID repeats an earlier one is that finding alone.
        if mid_ok && new_iccid {
            match mids.get(c.matching_id) {
                Some(&earlier) => findings.push(
                    at(CodeField::MatchingId, c.matching_id)(Code::MatchingIdDuplicate)
                        .other_code(earlier),
                ),
                None => {
                    mids.insert(c.matching_id, i);
                }
            }
        }

        let smdp = match smdp {
            Ok(address) => {
                let place = Position::Code {
                    index: i,
                    field: CodeField::SmdpAddress,
                };
                match (pool_address, &first) {
                    (Some(pool), _) if !address.same_host(pool) => {
                        findings.push(Finding::not_the_pools_smdp(place, address.as_str(), pool))
                    }
                    (None, Some((earlier, expected))) if !address.same_host(expected.as_str()) => {
                        findings.push(
                            Finding::new(Code::SecondSmdp)
                                .placed(place)
                                .value(address.as_str())
                                .extra(expected.as_str())
                                .other_code(*earlier),
                        );
                    }
                    _ => {}
                }
                if first.is_none() {
                    first = Some((i, address.clone()));
                }
                Some(address)
            }
            Err(f) => {
                findings.push(*f);
                None
            }
        };

        if let (Some(_), true, Some(smdp)) = (iccid_key, mid_ok, smdp) {
            if let (Ok(iccid), Ok(mid)) = (Iccid::parse(c.iccid), MatchingId::parse(c.matching_id))
            {
                typed.push(ActivationCode {
                    integrated_circuit_card_identifier: iccid,
                    matching_identifier: mid,
                    smdp_plus_server_address: smdp,
                });
            }
        }
    }
    // By code, then field (ICCID, Matching ID, SM-DP+); in check order within a field.
    crate::report::sort_findings(&mut findings);
    let address = first.map(|(_, a)| a);
    let report = report(findings, codes.len(), address.clone(), options, SHAPE);
    let pool = match address {
        Some(smdp_address) if report.errors() == 0 => Some(Pool {
            smdp_address,
            codes: typed,
        }),
        _ => None,
    };
    (report, pool)
}

/// Builds a finding of a code at this field, naming its value.
fn at(index: u32, field: CodeField, v: &str) -> impl Fn(Code) -> Finding + '_ {
    move |code| Finding::new(code).in_code(index, field).value(v)
}

/// A code list's report: findings in the order the rules found them; any `smdp-*`
/// finding withholds the address; no line ending (there is no file).
const SHAPE: Shape = Shape {
    sort: false,
    smdp_hidden_by: &[Code::SmdpScheme, Code::SmdpInvalid, Code::SecondSmdp],
    line_ending: None,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lang;

    fn code<'a>(iccid: &'a str, mid: &'a str, smdp: &'a str) -> CodeInput<'a> {
        CodeInput {
            iccid,
            matching_id: mid,
            smdp_address: smdp,
        }
    }

    fn targets(report: &Report) -> Vec<(&'static str, String)> {
        report
            .findings
            .iter()
            .map(|f| (f.code.as_str(), f.position.target().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn every_value_rule_of_a_file_names_the_field() {
        let codes = [
            code("8946000000000000014", "A-1", "smdp.example.com"),
            code("894600000000014", "a_1", "https://smdp.example.com/x"),
            code("8946000000000000014", "A-2", "smdp.example.com"),
            code("8946000000000000022", "A-1", "other.example.com"),
            code("8.946E+18", "", "smdp"),
            code("1946000000000000015", "abc", "smdp.example.com"),
        ];
        let (report, pool) = check_codes(&codes, None, &Options::default());
        assert!(pool.is_none());
        let c = |i: u32, f: &str| format!("activationCodes[{i}].{f}");
        let (iccid, mid, smdp) = (
            "integratedCircuitCardIdentifier",
            "matchingIdentifier",
            "smdpPlusServerAddress",
        );
        assert_eq!(
            targets(&report),
            [
                ("iccid-length", c(1, iccid)),
                ("matching-id-format", c(1, mid)),
                ("smdp-scheme", c(1, smdp)),
                ("iccid-duplicate", c(2, iccid)),
                ("matching-id-duplicate", c(3, mid)),
                ("second-smdp", c(3, smdp)),
                ("iccid-scientific", c(4, iccid)),
                ("matching-id-empty", c(4, mid)),
                ("smdp-invalid", c(4, smdp)),
                ("iccid-prefix", c(5, iccid)),
                ("iccid-checksum", c(5, iccid)),
                ("matching-id-lowercase", c(5, mid)),
            ]
        );
        let second = &report.findings[5];
        assert_eq!(second.line(), None);
        assert_eq!(
            second.message(Lang::En),
            "The SM-DP+ address \"other.example.com\" differs from \"smdp.example.com\" of activationCodes[0]; one pool holds the codes of one operator."
        );
        assert!(second.message(Lang::Sv).starts_with("SM-DP+-adressen"));
        let dup = &report.findings[4];
        assert_eq!(
            dup.message(Lang::Sv),
            "Matching ID \"A-1\" finns också i activationCodes[0] med ett annat ICCID; varje Matching ID hör till ett ICCID."
        );
        assert!(report.findings.iter().all(|f| f.fix.is_none()));
    }

    #[test]
    fn a_clean_body_is_a_pool_and_a_pools_address_is_enforced() {
        let codes = [
            code("8946000000000000014", "A-1", "smdp.example.com"),
            code("8946000000000000022", "A-2", "SMDP.example.com"),
        ];
        let (report, pool) = check_codes(&codes, None, &Options::default());
        assert!(report.is_valid() && report.findings.is_empty());
        let pool = pool.unwrap();
        assert_eq!(pool.smdp_address.as_str(), "smdp.example.com");
        assert_eq!(pool.codes.len(), 2);
        let (report, pool) = check_codes(&codes, Some("other.example.com"), &Options::default());
        assert!(pool.is_none());
        assert_eq!(report.count(Code::SecondSmdp), 2);
        assert_eq!(
            report.findings[0].message(Lang::En),
            "The SM-DP+ address \"smdp.example.com\" is not the pool's, \"other.example.com\"; one pool holds the codes of one operator."
        );
    }

    #[test]
    fn empty_and_too_many() {
        let (report, _) = check_codes(&[], None, &Options::default());
        assert_eq!(targets(&report), [("no-codes", "activationCodes".into())]);
        let many = vec![code("1", "", ""); MAX_CODES + 1];
        let (report, _) = check_codes(&many, None, &Options::default());
        assert_eq!(
            targets(&report),
            [("too-many-codes", "activationCodes".into())]
        );
        assert_eq!(report.findings[0].fix, None);
        assert!(report.findings[0].message(Lang::En).contains("1,001"));
    }
}
