//! Values that can only hold what the contract accepts ("parse, don't validate").
//!
//! Each type is built by a `parse` function at the edge and is valid from then on, so code
//! that receives an [`Iccid`] never checks its digits again.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An Integrated Circuit Card Identifier: 19 or 20 ASCII digits (Graph's `^[0-9]{19}[0-9]?$`).
///
/// The prefix (`89`) and the Luhn check digit are *not* required: many issued ICCIDs carry
/// no check digit. [`Iccid::has_telecom_prefix`] and [`Iccid::luhn_valid`] tell.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Iccid(String);

/// Why a value is not an [`Iccid`], in the order the validator checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IccidError {
    /// A number in scientific notation (`8.946E+18`): a spreadsheet lost the digits.
    Scientific,
    /// Something other than ASCII digits.
    NotDigits,
    /// Not 19 or 20 digits; carries the number of digits.
    Length(usize),
}

impl Iccid {
    /// Parses a cleaned value (no quotes, no surrounding white space).
    pub fn parse(value: &str) -> Result<Self, IccidError> {
        if is_scientific(value) {
            return Err(IccidError::Scientific);
        }
        if !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IccidError::NotDigits);
        }
        if !(19..=20).contains(&value.len()) {
            return Err(IccidError::Length(value.len()));
        }
        Ok(Self(value.to_owned()))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when the ICCID starts with `89`, the telecom prefix of ITU-T E.118.
    pub fn has_telecom_prefix(&self) -> bool {
        self.0.starts_with("89")
    }

    /// True when the last digit is the Luhn check digit of the digits before it.
    pub fn luhn_valid(&self) -> bool {
        luhn_valid(self.0.as_bytes())
    }

    /// A compact key that identifies the ICCID (used for duplicate detection).
    pub fn key(&self) -> u128 {
        iccid_key(self.0.as_bytes())
    }
}

impl fmt::Display for Iccid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Iccid {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Iccid::parse(&s).map_err(|_| serde::de::Error::custom("not an ICCID of 19 or 20 digits"))
    }
}

/// A Matching ID: 1 to 255 characters of `A-Z`, `a-z`, `0-9` and `-`.
///
/// Lower-case letters are accepted (Graph's pattern allows them) and reported as a warning
/// by the validator; the value is never changed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct MatchingId(String);

/// Why a value is not a [`MatchingId`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MatchingIdError {
    /// The value is empty.
    Empty,
    /// A character outside `A-Z a-z 0-9 -`; carries it.
    Character(char),
    /// Longer than 255 characters; carries the length in characters.
    Length(usize),
}

/// The longest Matching ID, and the longest activation code, Graph accepts.
pub const MAX_MATCHING_ID_LEN: usize = 255;

impl MatchingId {
    /// Parses a cleaned value (no quotes, no surrounding white space).
    pub fn parse(value: &str) -> Result<Self, MatchingIdError> {
        if value.is_empty() {
            return Err(MatchingIdError::Empty);
        }
        if let Some(c) = value
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(MatchingIdError::Character(c));
        }
        if value.len() > MAX_MATCHING_ID_LEN {
            return Err(MatchingIdError::Length(value.len()));
        }
        Ok(Self(value.to_owned()))
    }

    /// The characters, as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when the value has lower-case letters (real Matching IDs are upper case).
    pub fn has_lowercase(&self) -> bool {
        self.0.bytes().any(|b| b.is_ascii_lowercase())
    }
}

impl fmt::Display for MatchingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for MatchingId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        MatchingId::parse(&s).map_err(|_| {
            serde::de::Error::custom("not a Matching ID of 1-255 characters A-Z a-z 0-9 -")
        })
    }
}

/// An SM-DP+ server address: a fully qualified domain name.
///
/// Graph's pattern `^([a-zA-Z0-9]+(-[a-zA-Z0-9]+)*\.)+[a-zA-Z]{2,}$` plus the DNS limits
/// (labels of at most 63 characters, at most 253 in all). The case is kept as written;
/// [`SmdpAddress::same_host`] compares without case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct SmdpAddress(String);

/// Why a value is not an [`SmdpAddress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SmdpError {
    /// A scheme, port, path or query around the host; `host_start..host_end` is the host.
    Decorated {
        /// Byte offset of the host in the value.
        host_start: usize,
        /// Byte offset just past the host.
        host_end: usize,
    },
    /// Not a fully qualified domain name.
    NotFqdn,
}

impl SmdpAddress {
    /// Parses a cleaned value: a bare host name.
    pub fn parse(value: &str) -> Result<Self, SmdpError> {
        let (start, end) = host_span(value);
        if (start, end) != (0, value.len()) {
            return Err(SmdpError::Decorated {
                host_start: start,
                host_end: end,
            });
        }
        if is_fqdn(value) {
            Ok(Self(value.to_owned()))
        } else {
            Err(SmdpError::NotFqdn)
        }
    }

    /// The host name as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first DNS label (`smdp` of `smdp.example.com`), offered as a pool name.
    pub fn first_label(&self) -> &str {
        self.0.split('.').next().unwrap_or(&self.0)
    }

    /// True when both name the same host (DNS names are case-insensitive).
    pub fn same_host(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl fmt::Display for SmdpAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SmdpAddress {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        SmdpAddress::parse(&s)
            .map_err(|_| serde::de::Error::custom("not a fully qualified domain name"))
    }
}

/// One activation code of a pool, in the shape of Graph's `embeddedSIMActivationCode`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivationCode {
    /// The ICCID.
    pub integrated_circuit_card_identifier: Iccid,
    /// The Matching ID.
    pub matching_identifier: MatchingId,
    /// The file's SM-DP+ address, copied onto every code.
    pub smdp_plus_server_address: SmdpAddress,
}

/// A GSMA SGP.22 activation code as carriers hand it out, in a QR code or a column of an
/// export: `LPA:1$<SM-DP+ address>$<Matching ID>[$<SM-DP+ OID>[$<confirmation code
/// required flag>]]`. The `LPA:` prefix (the QR code's) may be left out (`1$...`).
///
/// ```
/// use esim_csv::LpaCode;
///
/// let code = LpaCode::parse("LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815").unwrap();
/// assert_eq!(code.smdp_address.as_str(), "smdp.example.com");
/// assert_eq!(code.matching_id.as_str(), "04386-AGYFT-A74Y8-3F815");
/// assert!(!code.confirmation_code_required);
/// let code = LpaCode::parse("1$smdp.example.com$ABC$1.3.6.1.4.1.31746$1").unwrap();
/// assert!(code.confirmation_code_required);
/// assert!(LpaCode::parse("LPA:2$smdp.example.com$ABC").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LpaCode {
    /// The SM-DP+ address.
    pub smdp_address: SmdpAddress,
    /// The Matching ID (SGP.22's AC_Token).
    pub matching_id: MatchingId,
    /// The SM-DP+ OID, when given (dotted decimal, `1.3.6.1.4.1.31746`).
    pub oid: Option<String>,
    /// The code needs a confirmation code (the flag `1`): it cannot be installed through
    /// a pool.
    pub confirmation_code_required: bool,
}

/// Why a value is not an [`LpaCode`]: the first part that is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LpaError {
    /// Not `LPA:1$...` or `1$...`, fewer than three or more than five `$`-separated parts,
    /// or a last part other than `1`; see [`LpaFormat`].
    Format(LpaFormat),
    /// The SM-DP+ address part.
    Smdp(SmdpError),
    /// The Matching ID part.
    MatchingId(MatchingIdError),
    /// The OID part is not dotted decimal.
    Oid,
}

/// What is wrong with the form of an LPA activation code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LpaFormat {
    /// The format part (before the first `$`, after `LPA:`) is not `1`.
    Version,
    /// Fewer than three `$`-separated parts: no Matching ID.
    TooFewParts,
    /// More than five `$`-separated parts.
    TooManyParts,
    /// The fifth part, the confirmation code flag, is not `1`.
    Flag,
}

/// The parts of an LPA activation code with their byte offsets in the value; the checks of
/// each part are the caller's.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LpaParts<'a> {
    pub smdp: (&'a str, usize),
    pub matching_id: (&'a str, usize),
    pub oid: Option<(&'a str, usize)>,
    pub flag: Option<(&'a str, usize)>,
}

/// Splits an activation code at `$`: the form only (`Err` names what and the byte offset).
pub(crate) fn lpa_parts(value: &str) -> Result<LpaParts<'_>, (LpaFormat, usize)> {
    let body_at = if value.len() >= 4 && value[..4].eq_ignore_ascii_case("lpa:") {
        4
    } else {
        0
    };
    let body = &value[body_at..];
    let mut parts = [("", 0usize); 5];
    let mut n = 0;
    let mut at = body_at;
    for part in body.split('$') {
        if n == parts.len() {
            return Err((LpaFormat::TooManyParts, at - 1));
        }
        parts[n] = (part, at);
        n += 1;
        at += part.len() + 1;
    }
    if parts[0].0 != "1" {
        return Err((LpaFormat::Version, body_at));
    }
    if n < 3 {
        return Err((LpaFormat::TooFewParts, body_at));
    }
    if n == 5 && parts[4].0 != "1" {
        return Err((LpaFormat::Flag, parts[4].1));
    }
    Ok(LpaParts {
        smdp: parts[1],
        matching_id: parts[2],
        oid: (n >= 4 && !parts[3].0.is_empty()).then_some(parts[3]),
        flag: (n == 5).then_some(parts[4]),
    })
}

/// True for a dotted-decimal object identifier of at least two arcs (`1.3.6.1.4.1.31746`).
pub(crate) fn is_oid(value: &str) -> bool {
    value.split('.').count() >= 2
        && value
            .split('.')
            .all(|arc| !arc.is_empty() && arc.bytes().all(|b| b.is_ascii_digit()))
}

impl LpaCode {
    /// Parses an activation code strictly (no white space around it, no quotes).
    pub fn parse(value: &str) -> Result<LpaCode, LpaError> {
        let parts = lpa_parts(value).map_err(|(f, _)| LpaError::Format(f))?;
        let smdp_address = SmdpAddress::parse(parts.smdp.0).map_err(LpaError::Smdp)?;
        let matching_id = MatchingId::parse(parts.matching_id.0).map_err(LpaError::MatchingId)?;
        let oid = match parts.oid {
            Some((oid, _)) if !is_oid(oid) => return Err(LpaError::Oid),
            oid => oid.map(|(o, _)| o.to_owned()),
        };
        Ok(LpaCode {
            smdp_address,
            matching_id,
            oid,
            confirmation_code_required: parts.flag.is_some(),
        })
    }
}

/// The byte span of the host inside a value that may carry a scheme, user, port, path or
/// query. Returns `(0, len)` when there is nothing around the host.
pub(crate) fn host_span(value: &str) -> (usize, usize) {
    let b = value.as_bytes();
    let mut start = 0;
    if let Some(pos) = value.find("://") {
        let scheme = &b[..pos];
        if !scheme.is_empty()
            && scheme[0].is_ascii_alphabetic()
            && scheme
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-'))
        {
            start = pos + 3;
        }
    }
    let mut end = b[start..]
        .iter()
        .position(|c| matches!(c, b'/' | b'?' | b'#'))
        .map_or(b.len(), |p| start + p);
    if let Some(at) = b[start..end].iter().rposition(|c| *c == b'@') {
        start += at + 1;
    }
    if let Some(colon) = b[start..end].iter().rposition(|c| *c == b':') {
        let port = &b[start + colon + 1..end];
        if port.iter().all(u8::is_ascii_digit) {
            end = start + colon;
        }
    }
    (start, end)
}

/// Graph's host-name pattern plus the DNS length limits.
pub(crate) fn is_fqdn(value: &str) -> bool {
    if value.is_empty() || value.len() > 253 {
        return false;
    }
    let labels: Vec<&str> = value.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let (tld, rest) = labels.split_last().expect("at least two labels");
    if tld.len() < 2 || tld.len() > 63 || !tld.bytes().all(|c| c.is_ascii_alphabetic()) {
        return false;
    }
    rest.iter().all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && label
                .split('-')
                .all(|part| !part.is_empty() && part.bytes().all(|c| c.is_ascii_alphanumeric()))
    })
}

/// True for a number in scientific notation such as `8.946E+18` or `8,946E+18`.
pub(crate) fn is_scientific(value: &str) -> bool {
    let b = value.as_bytes();
    let Some(e) = b.iter().position(|c| matches!(c, b'e' | b'E')) else {
        return false;
    };
    let (mantissa, exponent) = (&b[..e], &b[e + 1..]);
    let digits_then = |s: &[u8]| -> usize { s.iter().take_while(|c| c.is_ascii_digit()).count() };
    let int = digits_then(mantissa);
    if int == 0 {
        return false;
    }
    let frac = &mantissa[int..];
    let mantissa_ok = frac.is_empty()
        || (matches!(frac[0], b'.' | b',')
            && frac.len() > 1
            && digits_then(&frac[1..]) == frac.len() - 1);
    let exponent = exponent
        .strip_prefix(b"+")
        .or_else(|| exponent.strip_prefix(b"-"))
        .unwrap_or(exponent);
    mantissa_ok && !exponent.is_empty() && digits_then(exponent) == exponent.len()
}

/// Luhn over ASCII digits: the last digit checks the ones before it.
pub(crate) fn luhn_valid(digits: &[u8]) -> bool {
    // A doubled digit's digit sum, by table.
    const DOUBLED: [u32; 10] = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];
    let mut sum = 0u32;
    let mut double = false;
    for d in digits.iter().rev() {
        let v = usize::from(d - b'0');
        sum += if double { DOUBLED[v] } else { v as u32 };
        double = !double;
    }
    sum % 10 == 0
}

/// The Luhn check digit for these ASCII digits: the one digit that makes them, followed by
/// it, pass [`luhn_valid`].
pub(crate) fn luhn_check_digit(body: &[u8]) -> u8 {
    const DOUBLED: [u32; 10] = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];
    let mut sum = 0u32;
    // The check digit is not doubled, so the last digit of the body is.
    let mut double = true;
    for d in body.iter().rev() {
        let v = usize::from(d - b'0');
        sum += if double { DOUBLED[v] } else { v as u32 };
        double = !double;
    }
    ((10 - sum % 10) % 10) as u8
}

/// Packs 19 or 20 ASCII digits and their count into one integer.
pub(crate) fn iccid_key(digits: &[u8]) -> u128 {
    // Up to 19 digits fit a u64 (cheaper than u128 arithmetic); a 20th is added after.
    let (head, tail) = digits.split_at(digits.len().min(19));
    let head = head
        .iter()
        .fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
    let n = tail
        .iter()
        .fold(u128::from(head), |acc, d| acc * 10 + u128::from(d - b'0'));
    (n << 8) | digits.len() as u128
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iccid_rules() {
        assert!(Iccid::parse("8946000000000000014").is_ok());
        assert!(Iccid::parse("89460000000000000140").is_ok());
        assert_eq!(Iccid::parse("8.946E+18"), Err(IccidError::Scientific));
        assert_eq!(Iccid::parse("8,946E+18"), Err(IccidError::Scientific));
        assert_eq!(Iccid::parse("8946E18"), Err(IccidError::Scientific));
        assert_eq!(Iccid::parse("89A6"), Err(IccidError::NotDigits));
        assert_eq!(Iccid::parse(""), Err(IccidError::Length(0)));
        assert_eq!(Iccid::parse("894600000000014"), Err(IccidError::Length(15)));
        assert!(!is_scientific("E18"));
        assert!(!is_scientific("8.E18"));
        assert!(!is_scientific("8.9E"));
    }

    #[test]
    fn luhn_and_prefix() {
        let ok = Iccid::parse("8946000000000000014").unwrap();
        assert!(ok.has_telecom_prefix());
        assert!(ok.luhn_valid());
        let bad = Iccid::parse("8946000000000000015").unwrap();
        assert!(!bad.luhn_valid());
        // Wikipedia's example: 7992739871 has check digit 3.
        assert!(luhn_valid(b"79927398713"));
        assert_eq!(luhn_check_digit(b"7992739871"), 3);
        for n in 0..2000u32 {
            let body = format!("{n}");
            let d = luhn_check_digit(body.as_bytes());
            let mut all = body.into_bytes();
            all.push(b'0' + d);
            assert!(luhn_valid(&all), "{n}");
        }
    }

    #[test]
    fn smdp_rules() {
        assert!(SmdpAddress::parse("smdp.example.com").is_ok());
        assert!(SmdpAddress::parse("a-b.c-d.example.COM").is_ok());
        for bad in [
            "localhost",
            "smdp.example.com.",
            "10.0.0.1",
            "smdp_1.example.com",
            "-a.example.com",
            "a--b.example.com",
            "smdp.example.c0m",
            "",
        ] {
            assert_eq!(SmdpAddress::parse(bad), Err(SmdpError::NotFqdn), "{bad}");
        }
        let long_label = format!("{}.com", "a".repeat(64));
        assert!(SmdpAddress::parse(&long_label).is_err());
        assert_eq!(
            SmdpAddress::parse("https://smdp.example.com:443/x?y"),
            Err(SmdpError::Decorated {
                host_start: 8,
                host_end: 24
            })
        );
        assert_eq!(host_span("smdp.example.com/"), (0, 16));
        assert_eq!(
            SmdpAddress::parse("Smdp.Example.com")
                .unwrap()
                .first_label(),
            "Smdp"
        );
    }

    #[test]
    fn matching_id_rules() {
        assert!(MatchingId::parse("04386-AGYFT-A74Y8-3F815").is_ok());
        assert_eq!(MatchingId::parse(""), Err(MatchingIdError::Empty));
        assert_eq!(
            MatchingId::parse("AB_C"),
            Err(MatchingIdError::Character('_'))
        );
        assert_eq!(
            MatchingId::parse(&"A".repeat(256)),
            Err(MatchingIdError::Length(256))
        );
        assert!(MatchingId::parse("abc").unwrap().has_lowercase());
    }

    #[test]
    fn keys_distinguish_leading_zeros_and_length() {
        assert_ne!(
            iccid_key(b"0123456789012345678"),
            iccid_key(b"00123456789012345678")
        );
        assert_eq!(
            iccid_key(b"8946000000000000014"),
            iccid_key(b"8946000000000000014")
        );
    }
}
