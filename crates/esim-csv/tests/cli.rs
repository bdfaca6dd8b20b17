//! The command-line checker as operators run it: real processes, real files, exit codes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_esim-csv"))
}

fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// A fresh directory under the target directory for one test's files.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{test}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn check_valid_file_exits_0_with_a_summary() {
    let o = run(&["check", &data("valid-lf.csv")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("valid-lf.csv: valid, 3 codes, SM-DP+ smdp.example.com"));
}

#[test]
fn check_text_format_names_file_line_column_and_code() {
    let path = data("iccid-length.csv");
    let o = run(&["check", &path]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains(&format!(
            "{path}:2:1: error[iccid-length]: ICCID 894600000000014 has 15 digits; an ICCID has 19 or 20."
        )),
        "{out}"
    );
    assert!(
        out.contains("invalid, 3 codes, 3 errors, 0 warnings"),
        "{out}"
    );
}

#[test]
fn check_json_prints_one_report_per_line() {
    let a = data("valid-20-digit-iccids.csv");
    let b = data("duplicates.csv");
    let o = run(&["check", "--format", "json", &a, &b]);
    assert_eq!(o.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["version"], 1);
    assert_eq!(lines[0]["file"], a.as_str());
    assert_eq!(lines[0]["valid"], true);
    assert_eq!(lines[0]["smdpAddress"], "smdp.carrier-one.example.net");
    assert_eq!(lines[0]["codes"], 2);
    assert_eq!(lines[0]["findings"], serde_json::json!([]));
    assert_eq!(lines[1]["valid"], false);
    assert_eq!(lines[1]["counts"]["iccid-duplicate"], 3);
    let first = &lines[1]["findings"][0];
    assert_eq!(first["code"], "iccid-duplicate");
    assert_eq!(first["severity"], "error");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(5), Some(1))
    );
    assert_eq!(
        first["fix"],
        serde_json::json!({"action": "remove-line", "line": 5})
    );
    assert_eq!(lines[1]["truncated"], false);
}

#[test]
fn check_repeated_iccid_across_files_names_the_other_file() {
    let dir = scratch("across");
    let a = dir.join("a.csv");
    let b = dir.join("b.csv");
    std::fs::write(&a, "smdp.example.com\n8946000000000000014,A1\n").unwrap();
    std::fs::write(&b, "smdp.example.com\n8946000000000000014,B1\n").unwrap();
    let o = run(&["check", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains(&format!(
            "{}:2:1: error[iccid-duplicate]: ICCID 8946000000000000014 is also in {} on line 2",
            b.display(),
            a.display()
        )),
        "{out}"
    );
    assert!(out.ends_with("2 files checked, 1 invalid\n"), "{out}");
}

#[test]
fn deny_warnings_turns_warnings_into_exit_1() {
    let f = data("bom.csv");
    assert_eq!(run(&["check", &f]).status.code(), Some(0));
    let o = run(&["check", "--deny-warnings", "--format", "json", &f]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("\"valid\":false"));
}

#[test]
fn swedish_messages() {
    let o = run(&["check", "--lang", "sv", &data("iccid-length.csv")]);
    assert!(stdout(&o).contains("ICCID 894600000000014 har 15 siffror; ett ICCID har 19 eller 20."));
    assert!(stdout(&o).contains("ogiltig, 3 koder"));
}

#[test]
fn max_findings_truncates_the_list_but_counts_all() {
    let o = run(&[
        "check",
        "--format=json",
        "--max-findings",
        "1",
        &data("iccid-length.csv"),
    ]);
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
    assert_eq!(v["counts"]["iccid-length"], 3);
    assert_eq!(v["truncated"], true);
}

#[test]
fn standard_input_is_dash_and_has_no_extension_check() {
    let mut child = bin()
        .args(["check", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"smdp.example.com\n8946000000000000014,ABC\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["file"], "-");
    assert_eq!(v["valid"], true);
}

#[test]
fn wrong_arguments_and_unreadable_files_exit_2() {
    for args in [
        vec!["check"],
        vec!["check", "--format", "xml", "a.csv"],
        vec!["check", "--lang", "de", "a.csv"],
        vec!["check", "--max-findings", "many", "a.csv"],
        vec!["frobnicate"],
        vec![],
        vec!["fix", "a.csv"],
        vec!["split", "a.csv"],
        vec!["split", "a.csv", "--output-dir", "x", "--max", "1001"],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&o).contains("esim-csv --help"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    let o = run(&["check", "/nonexistent/file.csv", &data("valid-lf.csv")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read /nonexistent/file.csv"));
    // The readable file is still reported.
    assert!(stdout(&o).contains("valid-lf.csv: valid"));
}

#[test]
fn misspelt_options_and_commands_are_refused_with_a_suggestion() {
    for (args, wrong, right) in [
        (
            vec!["check", "--deny-warning", "a.csv"],
            "'--deny-warning'",
            "'--deny-warnings'",
        ),
        (
            vec!["check", "--formt", "json", "a.csv"],
            "'--formt'",
            "'--format'",
        ),
        (
            vec!["fix", "a.csv", "--ouput", "b.csv"],
            "'--ouput'",
            "'--output'",
        ),
        (
            vec!["split", "a.csv", "--output-dri", "x"],
            "'--output-dri'",
            "'--output-dir'",
        ),
        (vec!["chek", "a.csv"], "'chek'", "'check'"),
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert!(err.contains(wrong), "{args:?}: {err}");
        assert!(err.contains("similar"), "{args:?}: {err}");
        assert!(err.contains(right), "{args:?}: {err}");
        assert!(err.contains("esim-csv --help"), "{args:?}: {err}");
        assert!(stdout(&o).is_empty(), "{args:?}: nothing checked");
    }
    // An option of another command is refused, not ignored.
    let o = run(&["fix", "a.csv", "--output", "b.csv", "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("'--format'"), "{}", stderr(&o));
}

#[test]
fn version_and_command_help() {
    let o = run(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o),
        format!("esim-csv {}\n", env!("CARGO_PKG_VERSION"))
    );
    let o = run(&["check", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    for word in [
        "--format",
        "json",
        "--deny-warnings",
        "--max-findings",
        "--lang",
        "EXIT STATUS",
    ] {
        assert!(stdout(&o).contains(word), "{word}: {}", stdout(&o));
    }
    let o = run(&["help", "split"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("--output-dir"), "{}", stdout(&o));
}

#[test]
fn help_lists_every_command() {
    let o = run(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    for word in [
        "check",
        "fix",
        "split",
        "--deny-warnings",
        "--max-findings",
        "EXIT STATUS",
    ] {
        assert!(stdout(&o).contains(word), "{word}");
    }
}

#[test]
fn fix_writes_a_valid_file_and_exits_0() {
    let dir = scratch("fix-ok");
    let out = dir.join("fixed.csv");
    let o = run(&[
        "fix",
        &data("excel-fixable.csv"),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let fixed = std::fs::read(&out).unwrap();
    assert_eq!(
        fixed,
        b"smdp.example.com\r\n8946000000000000014,ABCD-1234-XYZ\r\n8946000000000000022,ABCD-1235-XYZ\r\n8946000000000000030,ABCD-1236\r\n"
    );
    assert!(stderr(&o).contains("fixed file-bom x1"), "{}", stderr(&o));
    assert_eq!(
        run(&["check", out.to_str().unwrap()]).status.code(),
        Some(0)
    );
}

#[test]
fn fix_exits_1_and_names_what_is_left() {
    let dir = scratch("fix-left");
    let out = dir.join("fixed.csv");
    let o = run(&[
        "fix",
        &data("excel-export-messy.csv"),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("error[iccid-scientific]"), "{err}");
    assert!(
        err.contains("errors are left that no fix can remove"),
        "{err}"
    );
    assert!(err.contains("esim-csv split"), "{err}");
    assert!(out.exists());
}

#[test]
fn split_writes_valid_files_of_at_most_max_codes() {
    let dir = scratch("split");
    let o = run(&[
        "split",
        &data("too-many-codes.csv"),
        "--output-dir",
        dir.to_str().unwrap(),
        "--max",
        "400",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "too-many-codes-01.csv",
            "too-many-codes-02.csv",
            "too-many-codes-03.csv"
        ]
    );
    for name in &names {
        let p = dir.join(name);
        let o = run(&["check", "--deny-warnings", p.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    }
    assert!(stdout(&o).contains("too-many-codes-03.csv: 201 codes, SM-DP+ smdp.example.com"));
}

#[test]
fn split_refuses_files_with_other_errors() {
    let dir = scratch("split-bad");
    let o = run(&[
        "split",
        &data("iccid-length.csv"),
        "--output-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not split"));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}

#[test]
fn a_carrier_export_is_checked_with_its_mapping_and_converted_by_fix() {
    let dir = scratch("carrier");
    let export = data("carrier-lpa-semicolon.csv");
    let o = run(&["check", &export]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("column 7 \"Activation code\": LPA activation code (by header)"),
        "{out}"
    );
    assert!(out.contains("column 2 \"EID\": left out"), "{out}");
    assert!(out.contains("error[carrier-export]"), "{out}");
    assert!(
        out.contains(":4:140: warning[lpa-confirmation-code]"),
        "{out}"
    );
    let v: serde_json::Value =
        serde_json::from_slice(&run(&["check", "--format", "json", &export]).stdout).unwrap();
    assert_eq!(v["conversion"]["columns"][0]["use"], "iccid");
    assert_eq!(v["conversion"]["columns"][6]["use"], "lpa");
    assert_eq!(
        v["conversion"]["columns"][1]["use"],
        serde_json::Value::Null
    );

    let pool = dir.join("pool.csv");
    let o = run(&["fix", &export, "--output", pool.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning[lpa-confirmation-code]"),
        "{}",
        stderr(&o)
    );
    let bytes = std::fs::read_to_string(&pool).unwrap();
    assert!(
        bytes.starts_with("smdp.example.com\r\n8946000000000000014,04386-AGYFT-A74Y8-3F815\r\n")
    );
    assert_eq!(
        run(&["check", "--deny-warnings", pool.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );

    // Two operators: split writes one file each.
    let parts = dir.join("parts");
    let o = run(&[
        "split",
        &data("carrier-two-smdp.csv"),
        "--output-dir",
        parts.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("carrier-two-smdp-01.csv: 2 codes, SM-DP+ smdp.one.example"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("carrier-two-smdp-02.csv: 1 code, SM-DP+ smdp.two.example"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn columns_are_chosen_by_number_or_name_when_there_is_no_header() {
    let dir = scratch("columns");
    let export = dir.join("export.csv");
    std::fs::write(
        &export,
        "Acme;8946000000000000014;LPA:1$smdp.example.com$AB-1\nAcme;8946000000000000022;LPA:1$smdp.example.com$AB-2\n",
    )
    .unwrap();
    let e = export.to_str().unwrap();
    let out = dir.join("pool.csv");
    let o = run(&[
        "fix",
        e,
        "--iccid-column",
        "2",
        "--lpa-column",
        "3",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "smdp.example.com\r\n8946000000000000014,AB-1\r\n8946000000000000022,AB-2\r\n"
    );
    // A column that does not exist is a finding, not a guess.
    let o = run(&["check", e, "--iccid-column", "9", "--lpa-column", "3"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o)
            .contains("error[column-mapping]: Column 9 (chosen for the ICCID) does not exist"),
        "{}",
        stdout(&o)
    );
    let o = run(&["check", e, "--iccid-column", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("numbered from 1"), "{}", stderr(&o));
}

#[test]
fn sarif_and_junit_reports() {
    let bad = data("iccid-length.csv");
    let good = data("valid-lf.csv");
    let o = run(&["check", "--format", "sarif", &good, &bad]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run0 = &v["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "esim-csv");
    assert_eq!(run0["tool"]["driver"]["rules"][0]["id"], "iccid-length");
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["ruleId"], "iccid-length");
    assert_eq!(results[0]["level"], "error");
    let loc = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], bad.replace('\\', "/"));
    assert_eq!(loc["region"]["startLine"], 2);
    assert_eq!(loc["region"]["startColumn"], 1);

    let o = run(&[
        "check",
        "--format",
        "junit",
        "--lang",
        "sv",
        &good,
        &bad,
        "/nonexistent.csv",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let x = stdout(&o);
    assert!(
        x.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
        "{x}"
    );
    assert!(x.contains("tests=\"3\" failures=\"1\" errors=\"1\""), "{x}");
    assert!(
        x.contains(&format!(
            "<testcase classname=\"esim-csv\" name=\"{good}\"/>"
        )),
        "{x}"
    );
    assert!(
        x.contains("error[iccid-length]: ICCID 894600000000014 har 15 siffror"),
        "{x}"
    );
    assert!(
        x.contains("<error message=\"cannot read /nonexistent.csv"),
        "{x}"
    );
}

#[test]
fn an_excel_workbook_is_read_from_its_first_or_a_chosen_sheet() {
    let dir = scratch("xlsx");
    let book = data("carrier-workbook.xlsx");
    let pool = dir.join("pool.csv");
    let o = run(&["fix", &book, "--output", pool.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("sheet \"Profiles\""), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&pool).unwrap(),
        "smdp.example.com\r\n8946000000000000014,04386-AGYFT-A74Y8-3F815\r\n\
         89460000000000000220,04386-AGYFT-A74Y8-3F816\r\n8946000000000000030,04386-AGYFT-A74Y8-3F817\r\n"
    );
    // Another sheet by name; a sheet that does not exist is named in the finding.
    let o = run(&["check", "--sheet", "notes", &book]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("sheet \"Notes\""), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("error[column-mapping]"),
        "{}",
        stdout(&o)
    );
    let o = run(&["check", "--sheet", "Prices", &book]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("no sheet named Prices"),
        "{}",
        stdout(&o)
    );
    // An ICCID stored as a number has lost its digits.
    let o = run(&["check", &data("carrier-workbook-numbers.xlsx")]);
    assert!(
        stdout(&o).contains(":2:1: error[iccid-scientific]: The ICCID \"8.946E+18\""),
        "{}",
        stdout(&o)
    );
}
