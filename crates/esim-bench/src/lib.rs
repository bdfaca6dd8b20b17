//! What the benchmarks run, compiled twice: to wasm for the bench page (`bench/web/`), and
//! natively for the wasm/native ratio.
//!
//! * [`validate`]: the real validator (`esim_csv::check`, default options), returning the
//!   number of findings (all of them, also those beyond the report's limit).
//! * [`csv_parse_only`]: the `csv` crate's `ByteRecord` reader over the same bytes, no
//!   checks - the practical limit of a CSV reader in the same build.
//! * [`generate`]: the benchmark file, byte for byte the one `bench/web/gen.js` makes.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen::prelude::wasm_bindgen;

/// The SM-DP+ line of every generated file.
pub const SMDP: &str = "smdp.example.com";

/// Bytes per code line of a generated file: 19-digit ICCID, comma, 24-character Matching
/// ID, LF.
pub const LINE_LEN: usize = 45;

/// Checks the file with `esim_csv::check` and default options; returns how many findings
/// it has (all codes counted).
#[cfg_attr(target_arch = "wasm32", wasm_bindgen)]
pub fn validate(bytes: &[u8]) -> u32 {
    let report = esim_csv::check(bytes, &esim_csv::Options::default());
    let total: usize = report.counts.values().sum();
    u32::try_from(total).unwrap_or(u32::MAX)
}

/// Reads every record with the `csv` crate (`has_headers(false)`, `flexible(true)`) and
/// returns how many there are. Parse only: no value is looked at.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen)]
pub fn csv_parse_only(bytes: &[u8]) -> u32 {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let mut records = 0u32;
    while reader.read_byte_record(&mut record).unwrap_or(false) {
        records += 1;
    }
    records
}

/// A valid file of `codes` activation codes: the SM-DP+ line, then `ICCID,MatchingID`
/// lines with unique ICCIDs (prefix `894601`, Luhn check digit) and unique Matching IDs.
///
/// `bench/web/gen.js` makes the same bytes; the bench compares a hash of both.
pub fn generate(codes: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(SMDP.len() + 1 + codes * LINE_LEN);
    out.extend_from_slice(SMDP.as_bytes());
    out.push(b'\n');
    for i in 0..codes as u64 {
        let start = out.len();
        out.extend_from_slice(b"894601");
        push_padded(&mut out, i, 12);
        let check = luhn_check_digit(&out[start..]);
        out.push(b'0' + check);
        out.push(b',');
        let a = (i * 2_654_435_761) % 36u64.pow(8);
        push_base36(&mut out, a / 36u64.pow(4), 4);
        out.push(b'-');
        push_base36(&mut out, a % 36u64.pow(4), 4);
        for (mul, add) in [(1_103_515_245, 12_345), (69_069, 1), (22_695_477, 1)] {
            out.push(b'-');
            push_base36(&mut out, (i * mul + add) % 36u64.pow(4), 4);
        }
        out.push(b'\n');
    }
    out
}

/// FNV-1a (32 bits) of the bytes: the page reports it for its generated file.
pub fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |hash, &b| {
        (hash ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

fn push_padded(out: &mut Vec<u8>, mut n: u64, width: usize) {
    let at = out.len();
    out.resize(at + width, b'0');
    for slot in out[at..].iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

fn push_base36(out: &mut Vec<u8>, mut n: u64, width: usize) {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let at = out.len();
    out.resize(at + width, b'0');
    for slot in out[at..].iter_mut().rev() {
        *slot = DIGITS[(n % 36) as usize];
        n /= 36;
    }
}

/// The Luhn check digit for these ASCII digits.
fn luhn_check_digit(payload: &[u8]) -> u8 {
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(k, &b)| {
            let d = u32::from(b - b'0');
            if k % 2 == 0 {
                let twice = d * 2;
                if twice > 9 {
                    twice - 9
                } else {
                    twice
                }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_file_of_1000_codes_is_valid() {
        let file = generate(1000);
        assert_eq!(file.len(), SMDP.len() + 1 + 1000 * LINE_LEN);
        let report = esim_csv::check(&file, &esim_csv::Options::default());
        assert!(report.findings.is_empty(), "{:?}", report.findings);
        assert_eq!(validate(&file), 0);
        assert_eq!(csv_parse_only(&file), 1001);
    }

    #[test]
    fn a_generated_file_over_the_limit_has_one_finding() {
        let file = generate(5000);
        let report = esim_csv::check(&file, &esim_csv::Options::default());
        assert_eq!(report.count(esim_csv::Code::TooManyCodes), 1);
        assert_eq!(validate(&file), 1);
    }

    #[test]
    fn the_first_line_matches_the_page_generator() {
        // bench/web/gen.js must produce these bytes too (checked by the bench's hash).
        let file = generate(2);
        let text = std::str::from_utf8(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], SMDP);
        assert_eq!(lines[1], "8946010000000000004,0000-0000-09IX-0001-0001");
        assert_eq!(lines[2], "8946010000000000012,017W-DRQP-0FC6-1HAM-IFXY");
        assert_eq!(lines[2].len(), LINE_LEN - 1);
    }
}
