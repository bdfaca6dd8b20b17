//! Every upload is validated again here with the `esim-csv` rules; the client is never
//! trusted. A raw file goes through the validator as it is, a JSON body through its check
//! of request bodies; this module only turns findings into Graph's error details.

use esim_csv::{ActivationCode, CodeInput, Finding, Lang, Options, Report, SmdpAddress};
use esim_wire::ErrorDetail;

use crate::error::{ApiError, ApiResult};
use crate::messages::Message;

/// The longest pool, group or device name.
pub const MAX_NAME: usize = 128;

pub use crate::messages::lang;

/// A name for a pool, group or device: 1-128 letters, digits, spaces and `._-()+,&'#@[]`.
///
/// Markup (`<`, `>`), quotes, `;`, `=` and control characters are refused, so a name
/// cannot carry script or SQL text into another system that shows or exports it.
pub fn name(field: &str, value: &str) -> ApiResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ApiError::BadRequest(Message::NameEmpty {
            field: field.to_owned(),
        }));
    }
    if v.chars().count() > MAX_NAME {
        return Err(ApiError::BadRequest(Message::NameTooLong {
            field: field.to_owned(),
            max: MAX_NAME,
        }));
    }
    if let Some(c) = v
        .chars()
        .find(|c| !(c.is_alphanumeric() || " ._-()+,&'#@[]".contains(*c)))
    {
        return Err(ApiError::BadRequest(Message::NameCharacter {
            field: field.to_owned(),
            character: c.escape_default().to_string(),
        }));
    }
    Ok(v.to_owned())
}

/// A finding as an error detail: a file's findings name the file (`target`) and carry
/// line and column; a request body's name the field (`activationCodes[17].matchingIdentifier`).
pub fn detail(f: &Finding, file: Option<&str>, lang: Lang) -> ErrorDetail {
    ErrorDetail {
        code: f.code.as_str().to_owned(),
        message: f.message(lang),
        target: f.position.target().or_else(|| file.map(str::to_owned)),
        severity: Some(f.severity().as_str().to_owned()),
        line: f.line(),
        column: f.column(),
    }
}

/// A finding of a raw file as an error detail (with severity, line and column).
pub fn file_detail(f: &Finding, file: &str, lang: Lang) -> ErrorDetail {
    detail(f, Some(file), lang)
}

/// The findings of a rejected file.
pub fn file_details(report: &Report, file: &str, lang: Lang) -> Vec<ErrorDetail> {
    report
        .findings
        .iter()
        .map(|f| file_detail(f, file, lang))
        .collect()
}

/// Checks the codes of a JSON body with the validator's rules (`esim_csv::check_codes`).
/// `pool_smdp` is the pool's address when codes are added to an existing pool. Returns the
/// typed codes, or every finding (warnings too).
pub fn json_codes(
    codes: &[esim_wire::ActivationCode],
    pool_smdp: Option<&str>,
    lang: Lang,
) -> Result<(SmdpAddress, Vec<ActivationCode>), Vec<ErrorDetail>> {
    let input: Vec<CodeInput<'_>> = codes
        .iter()
        .map(|c| CodeInput {
            iccid: &c.integrated_circuit_card_identifier,
            matching_id: &c.matching_identifier,
            smdp_address: &c.smdp_plus_server_address,
        })
        .collect();
    let options = Options {
        max_findings: usize::MAX,
        ..Options::default()
    };
    match esim_csv::check_codes(&input, pool_smdp, &options) {
        (_, Some(pool)) => Ok((pool.smdp_address, pool.codes)),
        (report, None) => Err(report
            .findings
            .iter()
            .map(|f| detail(f, None, lang))
            .collect()),
    }
}
