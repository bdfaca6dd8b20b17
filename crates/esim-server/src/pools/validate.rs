//! Every upload is validated again here with the `esim-csv` rules; the client is never
//! trusted. A raw file goes through the validator as it is; a JSON create is checked value
//! by value with the same value, duplicate and 1,000-code rules.

use std::collections::HashMap;

use axum::http::{header, HeaderMap};
use esim_csv::{
    ActivationCode, Code, Finding, Iccid, IccidError, Lang, MatchingId, MatchingIdError, Report,
    SmdpAddress, SmdpError, MAX_CODES, MAX_MATCHING_ID_LEN,
};
use esim_wire::ErrorDetail;

use crate::error::{ApiError, ApiResult};

/// The longest pool, group or device name.
pub const MAX_NAME: usize = 128;

/// The language of messages, from `Accept-Language` (English by default).
pub fn lang(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|t| Lang::from_tag(t.split(';').next().unwrap_or("").trim()))
        .unwrap_or_default()
}

/// A name for a pool, group or device: 1-128 letters, digits, spaces and `._-()+,&'#@[]`.
///
/// Markup (`<`, `>`), quotes, `;`, `=` and control characters are refused, so a name
/// cannot carry script or SQL text into another system that shows or exports it.
pub fn name(field: &str, value: &str) -> ApiResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ApiError::BadRequest(format!("{field} must not be empty.")));
    }
    if v.chars().count() > MAX_NAME {
        return Err(ApiError::BadRequest(format!(
            "{field} is longer than {MAX_NAME} characters."
        )));
    }
    if let Some(c) = v
        .chars()
        .find(|c| !(c.is_alphanumeric() || " ._-()+,&'#@[]".contains(*c)))
    {
        return Err(ApiError::BadRequest(format!(
            "{field} contains '{}'; use letters, digits, spaces and . _ - ( ) + , & ' # @ [ ].",
            c.escape_default()
        )));
    }
    Ok(v.to_owned())
}

/// A finding of a raw file as an error detail (with severity, line and column).
pub fn file_detail(f: &Finding, file: &str, lang: Lang) -> ErrorDetail {
    ErrorDetail {
        code: f.code.as_str().to_owned(),
        message: f.message(lang),
        target: Some(file.to_owned()),
        severity: Some(f.severity().as_str().to_owned()),
        line: f.line,
        column: f.column,
    }
}

/// The findings of a rejected file.
pub fn file_details(report: &Report, file: &str, lang: Lang) -> Vec<ErrorDetail> {
    report
        .findings
        .iter()
        .map(|f| file_detail(f, file, lang))
        .collect()
}

fn detail(f: &Finding, target: String, lang: Lang) -> ErrorDetail {
    ErrorDetail {
        code: f.code.as_str().to_owned(),
        message: f.message(lang),
        target: Some(target),
        severity: Some(f.severity().as_str().to_owned()),
        line: None,
        column: None,
    }
}

fn plain(code: Code, message: String, target: String) -> ErrorDetail {
    ErrorDetail {
        code: code.as_str().to_owned(),
        message,
        target: Some(target),
        severity: Some(code.severity().as_str().to_owned()),
        line: None,
        column: None,
    }
}

/// Checks the codes of a JSON body. `pool_smdp` is the pool's address when codes are added
/// to an existing pool. Returns the typed codes, or every finding (warnings too).
pub fn json_codes(
    codes: &[esim_wire::ActivationCode],
    pool_smdp: Option<&str>,
    lang: Lang,
) -> Result<(SmdpAddress, Vec<ActivationCode>), Vec<ErrorDetail>> {
    let mut out = Vec::new();
    let mut errors = 0;
    let mut push = |out: &mut Vec<ErrorDetail>, d: ErrorDetail| {
        if d.severity.as_deref() == Some("error") {
            errors += 1;
        }
        out.push(d);
    };
    if codes.is_empty() {
        let f = Finding::new(Code::NoCodes);
        push(&mut out, detail(&f, "activationCodes".into(), lang));
    }
    if codes.len() > MAX_CODES {
        let f = Finding::new(Code::TooManyCodes).number(codes.len() as u64);
        push(&mut out, detail(&f, "activationCodes".into(), lang));
        // Past the limit the values are not checked one by one: the body is refused whole.
        return Err(out);
    }
    let mut first_smdp: Option<(usize, SmdpAddress)> = None;
    let mut iccids: HashMap<&str, usize> = HashMap::with_capacity(codes.len());
    let mut matching: HashMap<&str, usize> = HashMap::with_capacity(codes.len());
    let mut typed = Vec::with_capacity(codes.len());
    for (i, c) in codes.iter().enumerate() {
        let at = |field: &str| format!("activationCodes[{i}].{field}");
        let iccid_s = c.integrated_circuit_card_identifier.as_str();
        let iccid = match Iccid::parse(iccid_s) {
            Ok(v) => {
                if !v.has_telecom_prefix() {
                    let f = Finding::new(Code::IccidPrefix).value(iccid_s);
                    push(
                        &mut out,
                        detail(&f, at("integratedCircuitCardIdentifier"), lang),
                    );
                } else if !v.luhn_valid() {
                    let f = Finding::new(Code::IccidChecksum).value(iccid_s);
                    push(
                        &mut out,
                        detail(&f, at("integratedCircuitCardIdentifier"), lang),
                    );
                }
                Some(v)
            }
            Err(e) => {
                let f = match e {
                    IccidError::Scientific => Finding::new(Code::IccidScientific).value(iccid_s),
                    IccidError::NotDigits => {
                        let bad = iccid_s.chars().find(|c| !c.is_ascii_digit()).unwrap_or('?');
                        Finding::new(Code::IccidFormat)
                            .value(iccid_s)
                            .extra(&bad.to_string())
                    }
                    IccidError::Length(n) => Finding::new(Code::IccidLength)
                        .value(iccid_s)
                        .number(n as u64),
                    _ => Finding::new(Code::IccidFormat).value(iccid_s),
                };
                push(
                    &mut out,
                    detail(&f, at("integratedCircuitCardIdentifier"), lang),
                );
                None
            }
        };
        if iccid.is_some() {
            if let Some(first) = iccids.insert(iccid_s, i) {
                iccids.insert(iccid_s, first);
                push(
                    &mut out,
                    plain(
                        Code::IccidDuplicate,
                        format!("ICCID {iccid_s} is also activationCodes[{first}]; each code may be used once."),
                        at("integratedCircuitCardIdentifier"),
                    ),
                );
            }
        }
        let mid_s = c.matching_identifier.as_str();
        let mid = match MatchingId::parse(mid_s) {
            Ok(v) => {
                if v.has_lowercase() {
                    let f = Finding::new(Code::MatchingIdLowercase).value(mid_s);
                    push(&mut out, detail(&f, at("matchingIdentifier"), lang));
                }
                Some(v)
            }
            Err(e) => {
                let f = match e {
                    MatchingIdError::Empty => Finding::new(Code::MatchingIdEmpty),
                    MatchingIdError::Character(ch) => Finding::new(Code::MatchingIdFormat)
                        .value(mid_s)
                        .extra(&ch.to_string()),
                    MatchingIdError::Length(n) => Finding::new(Code::MatchingIdLength)
                        .value(mid_s)
                        .number(n as u64),
                    _ => Finding::new(Code::MatchingIdFormat).value(mid_s),
                };
                push(&mut out, detail(&f, at("matchingIdentifier"), lang));
                None
            }
        };
        if mid.is_some() {
            if let Some(first) = matching.get(mid_s) {
                let other = &codes[*first].integrated_circuit_card_identifier;
                if other != iccid_s {
                    push(
                        &mut out,
                        plain(
                            Code::MatchingIdDuplicate,
                            format!("The Matching ID \"{mid_s}\" is also activationCodes[{first}] with another ICCID; each Matching ID belongs to one ICCID."),
                            at("matchingIdentifier"),
                        ),
                    );
                }
            } else {
                matching.insert(mid_s, i);
            }
        }
        let smdp_s = c.smdp_plus_server_address.as_str();
        let smdp = match SmdpAddress::parse(smdp_s) {
            Ok(v) => Some(v),
            Err(e) => {
                let f = match e {
                    SmdpError::Decorated {
                        host_start,
                        host_end,
                    } => Finding::new(Code::SmdpScheme)
                        .value(smdp_s)
                        .extra(smdp_s.get(host_start..host_end).unwrap_or("")),
                    _ => Finding::new(Code::SmdpInvalid).value(smdp_s),
                };
                push(&mut out, detail(&f, at("smdpPlusServerAddress"), lang));
                None
            }
        };
        if let Some(smdp) = &smdp {
            let expected = pool_smdp
                .map(str::to_owned)
                .or_else(|| first_smdp.as_ref().map(|(_, s)| s.as_str().to_owned()));
            match expected {
                Some(e) if !smdp.same_host(&e) => push(
                    &mut out,
                    plain(
                        Code::SecondSmdp,
                        format!("The SM-DP+ address \"{smdp}\" differs from \"{e}\"; one pool holds the codes of one operator."),
                        at("smdpPlusServerAddress"),
                    ),
                ),
                _ => {}
            }
            if first_smdp.is_none() {
                first_smdp = Some((i, smdp.clone()));
            }
        }
        if let (Some(iccid), Some(mid), Some(smdp)) = (iccid, mid, smdp) {
            let lpa = 3 + smdp.as_str().len() + mid.as_str().len();
            if lpa > MAX_MATCHING_ID_LEN {
                let f = Finding::new(Code::ActivationCodeLength).number(lpa as u64);
                push(&mut out, detail(&f, at("matchingIdentifier"), lang));
            }
            typed.push(ActivationCode {
                integrated_circuit_card_identifier: iccid,
                matching_identifier: mid,
                smdp_plus_server_address: smdp,
            });
        }
    }
    if errors > 0 {
        return Err(out);
    }
    match first_smdp {
        Some((_, smdp)) => Ok((smdp, typed)),
        None => Err(out),
    }
}
