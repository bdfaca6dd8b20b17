//! The value rules, each turned into its findings in one place: the file validator
//! ([`engine`](crate::engine)) and the request-body checker ([`codes`](crate::codes)) both
//! call these, and only say where a value is (the `at` closure builds a finding of a code
//! at the value's position, naming it).

use crate::code::Code;
use crate::dups;
use crate::report::Finding;
use crate::values::{
    is_oid, is_scientific, lpa_parts, luhn_check_digit, luhn_valid, LpaFormat, MAX_MATCHING_ID_LEN,
};
use crate::{SmdpAddress, SmdpError};

/// Where findings go: the validator (which counts them, keeps the first ones and builds a
/// warning only when it keeps it) or a plain list.
pub(crate) trait Sink {
    /// Adds a finding.
    fn emit(&mut self, f: Finding);
    /// Adds a finding of `code`, building it only when it is kept.
    fn emit_with(&mut self, code: Code, f: impl FnOnce() -> Finding);
}

impl Sink for Vec<Finding> {
    fn emit(&mut self, f: Finding) {
        self.push(f);
    }
    fn emit_with(&mut self, _: Code, f: impl FnOnce() -> Finding) {
        self.push(f());
    }
}

/// The ICCID checks on a cleaned value (unquoted, trimmed): at most one of
/// `iccid-scientific`, `iccid-format`, `iccid-length`; for an otherwise valid ICCID the
/// warnings `iccid-prefix` and `iccid-checksum`. Returns the compact key of a well-formed
/// ICCID.
#[inline]
pub(crate) fn iccid(
    v: &str,
    at: impl Fn(Code) -> Finding,
    sink: &mut impl Sink,
) -> Option<(u64, u8)> {
    // Digits only is the common case; scientific notation always has a non-digit.
    if let Some(c) = v
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .and_then(|i| v[i..].chars().next())
    {
        if is_scientific(v) {
            sink.emit(at(Code::IccidScientific));
        } else {
            sink.emit(at(Code::IccidFormat).extra(c.encode_utf8(&mut [0; 4])));
        }
        return None;
    }
    if !(19..=20).contains(&v.len()) {
        sink.emit(at(Code::IccidLength).number(v.len() as u64));
        return None;
    }
    // The warnings can come on every line of a file: built only when kept.
    if !v.starts_with("89") {
        sink.emit_with(Code::IccidPrefix, || at(Code::IccidPrefix));
    }
    let digits = v.as_bytes();
    if !luhn_valid(digits) {
        let expected = luhn_check_digit(&digits[..digits.len() - 1]);
        sink.emit_with(Code::IccidChecksum, || {
            at(Code::IccidChecksum).extra(&expected.to_string())
        });
    }
    Some(dups::iccid_parts(digits))
}

/// The Matching ID checks on a cleaned, non-empty value: `matching-id-format`,
/// `matching-id-length`, and for an otherwise valid one the warnings
/// `matching-id-lowercase` and `activation-code-length` (`host`: the SM-DP+ host the code
/// goes with, when known). Returns true for a well-formed Matching ID.
#[inline]
pub(crate) fn matching_id(
    v: &str,
    host: Option<&str>,
    at: impl Fn(Code) -> Finding,
    sink: &mut impl Sink,
) -> bool {
    if v.is_empty() {
        sink.emit(at(Code::MatchingIdEmpty));
        return false;
    }
    // One pass over the bytes: the first character outside `A-Z a-z 0-9 -` (a byte
    // outside it starts one), and whether there are lower-case letters.
    let mut lower = false;
    let bad = v
        .bytes()
        .position(|b| {
            lower |= b.is_ascii_lowercase();
            !(b.is_ascii_alphanumeric() || b == b'-')
        })
        .and_then(|i| v[i..].chars().next());
    if let Some(c) = bad {
        sink.emit(at(Code::MatchingIdFormat).extra(c.encode_utf8(&mut [0; 4])));
    }
    // Without a bad character the value is ASCII: bytes are characters.
    let len = if bad.is_none() {
        v.len()
    } else {
        v.chars().count()
    };
    let long = len > MAX_MATCHING_ID_LEN;
    if long {
        sink.emit(at(Code::MatchingIdLength).number(len as u64));
    }
    if bad.is_some() || long {
        return false;
    }
    if lower {
        sink.emit_with(Code::MatchingIdLowercase, || at(Code::MatchingIdLowercase));
    }
    if let Some(host) = host.filter(|h| !h.is_empty()) {
        // Bytes are at least characters, so most values are decided without counting.
        if 3 + host.len() + len > MAX_MATCHING_ID_LEN {
            let code_len = 3 + host.chars().count() + len;
            if code_len > MAX_MATCHING_ID_LEN {
                sink.emit(at(Code::ActivationCodeLength).number(code_len as u64));
            }
        }
    }
    true
}

/// The SM-DP+ address checks on a cleaned value: the address, or the finding
/// (`smdp-scheme` naming the host inside, or `smdp-invalid`), without a fix.
pub(crate) fn smdp_address(
    v: &str,
    at: impl Fn(Code) -> Finding,
) -> Result<SmdpAddress, Box<Finding>> {
    match SmdpAddress::parse(v) {
        Ok(address) => Ok(address),
        Err(SmdpError::Decorated {
            host_start,
            host_end,
        }) => Err(Box::new(
            at(Code::SmdpScheme).extra(v.get(host_start..host_end).unwrap_or("")),
        )),
        Err(_) => Err(Box::new(at(Code::SmdpInvalid))),
    }
}

/// The checks of an LPA activation code (`LPA:1$<SM-DP+>$<Matching ID>[$<OID>[$1]]`): its
/// form (`lpa-format`), the SM-DP+ address part (`smdp-scheme`, `smdp-invalid`), the
/// Matching ID part (every `matching-id-*` check), the OID (`lpa-oid`) and the
/// confirmation code flag (`lpa-confirmation-code`). `at(code, offset)` builds a finding
/// at that byte offset of the value. Returns the SM-DP+ address and the Matching ID when
/// the code has no error.
pub(crate) fn lpa<'v>(
    v: &'v str,
    at: impl Fn(Code, usize) -> Finding,
    sink: &mut impl Sink,
) -> Option<(SmdpAddress, &'v str)> {
    let parts = match lpa_parts(v) {
        Ok(parts) => parts,
        Err((kind, offset)) => {
            let (n, part) = match kind {
                LpaFormat::Version => (1, v[offset..].split('$').next().unwrap_or("")),
                LpaFormat::TooFewParts => (2, ""),
                LpaFormat::TooManyParts => (3, &v[offset + 1..]),
                LpaFormat::Flag => (4, &v[offset..]),
            };
            sink.emit(at(Code::LpaFormat, offset).value(v).number(n).extra(part));
            return None;
        }
    };
    let (smdp, smdp_at) = parts.smdp;
    let address = smdp_address(smdp, |code| at(code, smdp_at).value(smdp));
    let address = match address {
        Ok(a) => Some(a),
        Err(f) => {
            sink.emit(*f);
            None
        }
    };
    let (mid, mid_at) = parts.matching_id;
    let host = address.as_ref().map(SmdpAddress::as_str);
    let mid_ok = matching_id(mid, host, |code| at(code, mid_at).value(mid), sink);
    let mut oid_ok = true;
    if let Some((oid, oid_at)) = parts.oid {
        if !is_oid(oid) {
            sink.emit(at(Code::LpaOid, oid_at).value(oid));
            oid_ok = false;
        }
    }
    if let Some((_, flag_at)) = parts.flag {
        sink.emit_with(Code::LpaConfirmationCode, || {
            at(Code::LpaConfirmationCode, flag_at).value(v)
        });
    }
    match (address, mid_ok && oid_ok) {
        (Some(address), true) => Some((address, mid)),
        _ => None,
    }
}
