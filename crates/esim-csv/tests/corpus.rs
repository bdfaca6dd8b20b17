//! The data-driven corpus: every file in `tests/data/` is checked and fixed, and the result
//! is compared with `<file>.expect` beside it.
//!
//! After a deliberate change of verdicts or messages, regenerate the expectations with
//! `UPDATE_EXPECT=1 cargo test -p esim-csv --test corpus` and review the diff.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use esim_csv::{check, fix, Code, Lang, Options, Report, Validator};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// The report as reviewed text: verdict, then one line per finding with its fix.
fn render(report: &Report) -> String {
    let mut out = String::new();
    let smdp = report
        .smdp_address
        .as_ref()
        .map_or("-".to_owned(), ToString::to_string);
    let verdict = if report.is_valid() {
        "valid"
    } else {
        "invalid"
    };
    writeln!(out, "{verdict}, {} codes, SM-DP+ {smdp}", report.codes).unwrap();
    if let Some(mapping) = &report.conversion {
        writeln!(out, "mapping: {}", serde_json::to_string(mapping).unwrap()).unwrap();
    }
    for f in &report.findings {
        let pos = match (f.line(), f.column()) {
            (Some(l), Some(c)) => format!("{l}:{c}"),
            (Some(l), None) => format!("{l}"),
            _ => "-".to_owned(),
        };
        writeln!(
            out,
            "{pos} {}[{}] {}",
            f.severity().as_str(),
            f.code,
            f.message(Lang::En)
        )
        .unwrap();
        if let Some(fix) = &f.fix {
            writeln!(out, "    fix: {}", serde_json::to_string(fix).unwrap()).unwrap();
        }
    }
    out
}

fn expectation(name: &str, bytes: &[u8]) -> String {
    let options = Options::file(name);
    let mut out = render(&check(bytes, &options));
    let fixed = fix(bytes, &options);
    if fixed.changed() {
        out.push_str("--- after esim-csv fix ---\n");
        out.push_str(&render(&fixed.report));
        // A converted file (another encoding, a carrier export) is shown whole.
        let converted = fixed.applied.iter().any(|f| {
            matches!(
                f.fix,
                Some(esim_csv::Fix::Convert | esim_csv::Fix::ConvertEncoding { .. })
            )
        });
        if converted {
            out.push_str("--- the converted file ---\n");
            out.push_str(&String::from_utf8_lossy(&fixed.bytes));
        }
    }
    out
}

fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(data_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "expect"))
        .collect();
    files.sort();
    files
}

#[test]
fn corpus_matches_expectations() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    for path in corpus_files() {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let actual = expectation(&name, &fs::read(&path).unwrap());
        let expect_path = path.with_file_name(format!("{name}.expect"));
        if update {
            fs::write(&expect_path, &actual).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&expect_path).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "{name}\n--- expected\n{expected}--- actual\n{actual}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} corpus file(s) differ (UPDATE_EXPECT=1 regenerates):\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn corpus_covers_every_validator_code() {
    let server_only = [Code::IccidAlreadyImported, Code::SmdpPoolExists];
    let mut seen = std::collections::BTreeSet::new();
    for path in corpus_files() {
        let name = path.file_name().unwrap().to_str().unwrap();
        seen.extend(
            check(&fs::read(&path).unwrap(), &Options::file(name))
                .counts
                .into_keys(),
        );
    }
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| !seen.contains(c) && !server_only.contains(c))
        .map(|c| c.as_str())
        .collect();
    assert!(missing.is_empty(), "no corpus file has: {missing:?}");
}

#[test]
fn every_expectation_has_its_file() {
    for entry in fs::read_dir(data_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "expect") {
            assert!(
                path.with_extension("").exists(),
                "{} is stale",
                path.display()
            );
        }
    }
}

#[test]
fn feeding_line_by_line_gives_the_same_report() {
    for path in corpus_files() {
        let name = path.file_name().unwrap().to_str().unwrap();
        let bytes = fs::read(&path).unwrap();
        let options = Options::file(name);
        for step in [1, 2, 7] {
            let mut v = Validator::new(options.clone());
            let mut calls = 0;
            while !v.feed(&bytes, step) {
                calls += 1;
                assert!(v.bytes_read() <= bytes.len());
            }
            assert_eq!(v.bytes_read(), bytes.len(), "{name}");
            let lines = bytes.iter().filter(|b| **b == b'\n').count();
            // UTF-16 is read as a whole (it is one finding), a workbook too (calamine reads
            // it at once); carrier exports in text are converted in steps of lines too.
            let whole = name.starts_with("utf16") || name.ends_with(".xlsx");
            if !whole {
                assert!(calls + 1 >= lines / step, "{name}: read too much at once");
            }
            assert_eq!(
                v.finish(&bytes),
                check(&bytes, &options),
                "{name} in steps of {step}"
            );
        }
    }
}

#[test]
fn a_batch_fed_in_steps_gives_the_same_reports_as_checked_at_once() {
    let files: Vec<(String, Vec<u8>)> = corpus_files()
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap().to_owned();
            (name, fs::read(&p).unwrap())
        })
        .collect();
    let mut at_once = esim_csv::Batch::new();
    let mut stepped = esim_csv::Batch::new();
    let mut cross_file = 0;
    for (name, bytes) in &files {
        let expected = at_once.check(bytes, &Options::file(name));
        let mut v = stepped.validator(Options::file(name));
        while !v.feed(bytes, 3) {}
        let report = stepped.finish(v, bytes);
        assert_eq!(report, expected, "{name}");
        cross_file += report
            .findings
            .iter()
            .filter(|f| f.detail.other_file.is_some())
            .count();
    }
    // The corpus repeats ICCIDs across files, so the batch must have found some.
    assert!(cross_file > 0);
}

/// The `csv` crate as an oracle: every file this crate finds clean (no finding at all)
/// reads, record for record, as the same SM-DP+ address and (ICCID, Matching ID) pairs with
/// the `csv` crate. (Files with warnings may differ on purpose: a white-space line after the
/// last code is a record to the `csv` crate and `trailing-blank-lines` here.)
#[test]
fn valid_files_read_the_same_with_the_csv_crate() {
    let mut compared = 0;
    for path in corpus_files() {
        let name = path.file_name().unwrap().to_str().unwrap();
        let bytes = fs::read(&path).unwrap();
        let (report, pool) = esim_csv::parse(&bytes, &Options::file(name));
        let Some(pool) = pool.filter(|_| report.findings.is_empty()) else {
            continue;
        };
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(body);
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records[0].len(), 1, "{name}");
        assert_eq!(&records[0][0], pool.smdp_address.as_str(), "{name}");
        let pairs: Vec<(String, String)> = records[1..]
            .iter()
            .map(|r| (r[0].to_owned(), r[1].to_owned()))
            .collect();
        let ours: Vec<(String, String)> = pool
            .codes
            .iter()
            .map(|c| {
                (
                    c.integrated_circuit_card_identifier.to_string(),
                    c.matching_identifier.to_string(),
                )
            })
            .collect();
        assert_eq!(ours, pairs, "{name}");
        assert_eq!(report.codes, pairs.len(), "{name}");
        compared += 1;
    }
    assert!(compared >= 4, "only {compared} clean corpus files");
}

#[test]
fn a_fix_in_steps_gives_the_same_repair() {
    for path in corpus_files() {
        let name = path.file_name().unwrap().to_str().unwrap();
        let bytes = fs::read(&path).unwrap();
        let options = Options::file(name);
        let at_once = fix(&bytes, &options);
        let mut fixer = esim_csv::Fixer::new(&bytes, &options);
        while !fixer.step(2) {
            let (read, total) = fixer.progress();
            assert!(read <= total, "{name}");
        }
        let stepped = fixer.finish();
        assert_eq!(stepped.bytes, at_once.bytes, "{name}");
        assert_eq!(stepped.report, at_once.report, "{name}");
        assert_eq!(stepped.origin, at_once.origin, "{name}");
        assert_eq!(stepped.applied, at_once.applied, "{name}");
        // The report equals a fresh check of the repaired file (a converted carrier export
        // is saved under a new name: its name is not checked).
        let converted = at_once
            .applied
            .iter()
            .any(|f| f.code == Code::CarrierExport);
        let options = Options {
            check_extension: !converted,
            ..options
        };
        assert_eq!(stepped.report, check(&stepped.bytes, &options), "{name}");
    }
}
