//! `esim-csv`: the command-line checker for activation-code CSV files.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use esim_csv::{Batch, Finding, Lang, Options, Report, DEFAULT_MAX_FINDINGS, MAX_CODES};

const HELP: &str = "\
esim-csv - check, fix and split eSIM activation-code CSV files

A file holds the operator's SM-DP+ address on line 1 and one ICCID,MatchingID line per
activation code (at most 1,000). Every rule and finding code is documented in
docs/findings.md.

USAGE:
    esim-csv check [OPTIONS] FILE...     report every problem (FILE may be - for stdin)
    esim-csv fix FILE --output OUT       write the file with every safe fix applied
    esim-csv split FILE --output-dir DIR [--max N]
                                         write valid files of at most N codes (default
                                         1000), one SM-DP+ address each

CHECK OPTIONS:
    --format text|json    text for people (default); json: one report per line (JSON Lines)
    --deny-warnings       warnings make a file invalid too
    --lang en|sv          language of messages (default en)
    --max-findings N      findings listed per file (default 10000; all are counted)

COMMON OPTIONS:
    --lang en|sv          language of messages
    -h, --help            this help
    -V, --version         the version

EXIT STATUS:
    0  every file is valid (fix, split: the output is valid)
    1  some file is invalid (fix: errors no fix can remove are left; split: errors other
       than too many codes or several SM-DP+ addresses are left)
    2  a file cannot be read or written, or the arguments are wrong
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => ExitCode::from(code),
        Err(Failure::Usage(msg)) => {
            eprintln!("esim-csv: {msg}\nTry 'esim-csv --help'.");
            ExitCode::from(2)
        }
        Err(Failure::Io(msg)) => {
            eprintln!("esim-csv: {msg}");
            ExitCode::from(2)
        }
    }
}

enum Failure {
    Usage(String),
    Io(String),
}

fn usage<T>(msg: impl Into<String>) -> Result<T, Failure> {
    Err(Failure::Usage(msg.into()))
}

#[derive(PartialEq)]
enum Format {
    Text,
    Json,
}

struct Args {
    command: String,
    files: Vec<String>,
    format: Format,
    deny_warnings: bool,
    lang: Lang,
    max_findings: usize,
    output: Option<String>,
    output_dir: Option<String>,
    max: usize,
}

fn parse_args(args: &[String]) -> Result<Args, Failure> {
    let mut it = args.iter();
    let mut a = Args {
        command: String::new(),
        files: Vec::new(),
        format: Format::Text,
        deny_warnings: false,
        lang: Lang::En,
        max_findings: DEFAULT_MAX_FINDINGS,
        output: None,
        output_dir: None,
        max: MAX_CODES,
    };
    let mut only_files = false;
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") && !only_files => (n, Some(v.to_owned())),
            _ => (arg.as_str(), None),
        };
        let mut value = |flag: &str| -> Result<String, Failure> {
            match inline.clone().or_else(|| it.next().cloned()) {
                Some(v) => Ok(v),
                None => usage(format!("{flag} needs a value")),
            }
        };
        match name {
            _ if only_files => a.files.push(arg.clone()),
            "--" => only_files = true,
            "-h" | "--help" => a.command = "help".into(),
            "-V" | "--version" => a.command = "version".into(),
            "--format" => {
                a.format = match value("--format")?.as_str() {
                    "text" => Format::Text,
                    "json" => Format::Json,
                    other => return usage(format!("--format must be text or json, not '{other}'")),
                }
            }
            "--deny-warnings" => a.deny_warnings = true,
            "--lang" => {
                a.lang = match value("--lang")?.as_str() {
                    "en" => Lang::En,
                    "sv" => Lang::Sv,
                    other => return usage(format!("--lang must be en or sv, not '{other}'")),
                }
            }
            "--max-findings" => {
                a.max_findings = number("--max-findings", &value("--max-findings")?)?
            }
            "--max" => {
                a.max = number("--max", &value("--max")?)?;
                if a.max == 0 || a.max > MAX_CODES {
                    return usage(format!("--max must be between 1 and {MAX_CODES}"));
                }
            }
            "-o" | "--output" => a.output = Some(value("--output")?),
            "--output-dir" => a.output_dir = Some(value("--output-dir")?),
            s if s.starts_with('-') && s != "-" => return usage(format!("unknown option '{s}'")),
            _ if a.command.is_empty() => a.command = arg.clone(),
            _ => a.files.push(arg.clone()),
        }
    }
    Ok(a)
}

fn number(flag: &str, v: &str) -> Result<usize, Failure> {
    v.parse()
        .or_else(|_| usage(format!("{flag} needs a whole number, not '{v}'")))
}

fn run(args: &[String]) -> Result<u8, Failure> {
    let a = parse_args(args)?;
    match a.command.as_str() {
        "help" => {
            print!("{HELP}");
            Ok(0)
        }
        "version" => {
            println!("esim-csv {}", env!("CARGO_PKG_VERSION"));
            Ok(0)
        }
        "" => usage("a command is needed: check, fix or split"),
        "check" => check(&a),
        "fix" => fix(&a),
        "split" => split(&a),
        other => usage(format!("unknown command '{other}' (check, fix or split)")),
    }
}

fn read(path: &str) -> Result<Vec<u8>, Failure> {
    if path == "-" {
        let mut buf = Vec::new();
        io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| Failure::Io(format!("cannot read standard input: {e}")))?;
        Ok(buf)
    } else {
        fs::read(path).map_err(|e| Failure::Io(format!("cannot read {path}: {e}")))
    }
}

fn options_for(path: &str, a: &Args) -> Options {
    Options {
        file_name: Some(path.to_owned()),
        check_extension: path != "-",
        max_findings: a.max_findings,
        deny_warnings: a.deny_warnings,
    }
}

fn check(a: &Args) -> Result<u8, Failure> {
    if a.files.is_empty() {
        return usage("check needs at least one FILE (or - for standard input)");
    }
    let mut batch = Batch::new();
    let mut unreadable = false;
    let mut invalid = 0;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    for path in &a.files {
        let bytes = match read(path) {
            Ok(b) => b,
            Err(Failure::Io(msg)) | Err(Failure::Usage(msg)) => {
                eprintln!("esim-csv: {msg}");
                unreadable = true;
                continue;
            }
        };
        let options = options_for(path, a);
        // A single file needs no record of its ICCIDs for the files after it.
        let report = if a.files.len() == 1 {
            esim_csv::check(&bytes, &options)
        } else {
            batch.check(&bytes, &options)
        };
        if !report.is_valid() {
            invalid += 1;
        }
        let written = match a.format {
            Format::Json => serde_json::to_writer(&mut out, &report.to_json(a.lang))
                .map_err(io::Error::other)
                .and_then(|()| writeln!(out)),
            Format::Text => write_text(&mut out, path, &report, a.lang),
        };
        written.map_err(|e| Failure::Io(format!("cannot write the report: {e}")))?;
    }
    if a.format == Format::Text && a.files.len() > 1 {
        let n = a.files.len();
        let line = if a.lang == Lang::Sv {
            format!("{n} filer kontrollerade, {invalid} ogiltiga")
        } else {
            format!("{n} files checked, {invalid} invalid")
        };
        writeln!(out, "{line}").map_err(|e| Failure::Io(e.to_string()))?;
    }
    Ok(if unreadable {
        2
    } else if invalid > 0 {
        1
    } else {
        0
    })
}

/// `file:line:column: severity[code]: message`, then a summary line.
fn write_text(out: &mut impl Write, path: &str, report: &Report, lang: Lang) -> io::Result<()> {
    for f in &report.findings {
        writeln!(out, "{}", text_line(path, f, lang))?;
    }
    if report.truncated {
        let shown = report.findings.len();
        let total: usize = report.counts.values().sum();
        if lang == Lang::Sv {
            writeln!(
                out,
                "{path}: visar {shown} av {total} fynd (--max-findings)"
            )?;
        } else {
            writeln!(
                out,
                "{path}: showing {shown} of {total} findings (--max-findings)"
            )?;
        }
    }
    writeln!(out, "{}", summary(path, report, lang))
}

fn text_line(path: &str, f: &Finding, lang: Lang) -> String {
    let pos = match (f.line(), f.column()) {
        (Some(l), Some(c)) => format!("{path}:{l}:{c}"),
        (Some(l), None) => format!("{path}:{l}"),
        _ => path.to_owned(),
    };
    format!(
        "{pos}: {}[{}]: {}",
        f.severity().as_str(),
        f.code,
        f.message(lang)
    )
}

fn summary(path: &str, report: &Report, lang: Lang) -> String {
    let smdp = report
        .smdp_address
        .as_ref()
        .map_or_else(|| "-".to_owned(), |s| s.to_string());
    let (codes, errors, warnings) = (report.codes, report.errors(), report.warnings());
    match (lang, report.is_valid()) {
        (Lang::Sv, true) => {
            format!("{path}: giltig, {codes} koder, SM-DP+ {smdp}, {warnings} varning(ar)")
        }
        (Lang::Sv, false) => {
            format!("{path}: ogiltig, {codes} koder, {errors} fel, {warnings} varning(ar)")
        }
        (_, true) => format!("{path}: valid, {codes} codes, SM-DP+ {smdp}, {warnings} warning(s)"),
        (_, false) => {
            format!("{path}: invalid, {codes} codes, {errors} error(s), {warnings} warning(s)")
        }
    }
}

fn one_file(a: &Args, command: &str) -> Result<String, Failure> {
    match a.files.as_slice() {
        [one] => Ok(one.clone()),
        [] => usage(format!("{command} needs a FILE")),
        _ => usage(format!("{command} takes one FILE")),
    }
}

fn fix(a: &Args) -> Result<u8, Failure> {
    let path = one_file(a, "fix")?;
    let Some(output) = a.output.as_deref() else {
        return usage("fix needs --output OUT (use - for standard output)");
    };
    let bytes = read(&path)?;
    let fixed = esim_csv::fix(&bytes, &options_for(&path, a));
    if output == "-" {
        io::stdout()
            .write_all(&fixed.bytes)
            .map_err(|e| Failure::Io(format!("cannot write standard output: {e}")))?;
    } else {
        write_file(Path::new(output), &fixed.bytes)?;
    }
    let mut err = io::stderr().lock();
    let mut counts = std::collections::BTreeMap::new();
    for f in &fixed.applied {
        *counts.entry(f.code).or_insert(0usize) += 1;
    }
    let list: Vec<String> = counts.iter().map(|(c, n)| format!("{c} x{n}")).collect();
    let _ = if list.is_empty() {
        writeln!(err, "{path}: nothing to fix")
    } else {
        writeln!(err, "{path}: fixed {}", list.join(", "))
    };
    let left = &fixed.report;
    if left.is_valid() {
        let _ = writeln!(err, "{}", summary(output, left, a.lang));
        return Ok(0);
    }
    for f in left
        .findings
        .iter()
        .filter(|f| f.severity() == esim_csv::Severity::Error || a.deny_warnings)
    {
        let _ = writeln!(err, "{}", text_line(output, f, a.lang));
    }
    let needs_split =
        left.count(esim_csv::Code::TooManyCodes) + left.count(esim_csv::Code::SecondSmdp) > 0;
    let _ = writeln!(
        err,
        "{output}: {} error(s) are left that no fix can remove{}",
        left.errors(),
        if needs_split {
            "; run 'esim-csv split' for too many codes or several SM-DP+ addresses"
        } else {
            ""
        }
    );
    Ok(1)
}

fn split(a: &Args) -> Result<u8, Failure> {
    let path = one_file(a, "split")?;
    let Some(dir) = a.output_dir.as_deref() else {
        return usage("split needs --output-dir DIR");
    };
    let bytes = read(&path)?;
    match esim_csv::split(&bytes, &options_for(&path, a), a.max) {
        Ok(parts) => {
            fs::create_dir_all(dir)
                .map_err(|e| Failure::Io(format!("cannot create {dir}: {e}")))?;
            for part in &parts {
                let target = PathBuf::from(dir).join(&part.file_name);
                write_file(&target, &part.bytes)?;
                println!(
                    "{}: {} codes, SM-DP+ {}",
                    target.display(),
                    part.codes,
                    part.smdp_address
                );
            }
            Ok(0)
        }
        Err(e) => {
            let mut err = io::stderr().lock();
            for f in e
                .report
                .findings
                .iter()
                .filter(|f| f.severity() == esim_csv::Severity::Error)
            {
                let _ = writeln!(err, "{}", text_line(&path, f, a.lang));
            }
            let _ = writeln!(
                err,
                "{path}: not split: {e}; correct them and run split again"
            );
            Ok(1)
        }
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    fs::write(path, bytes).map_err(|e| Failure::Io(format!("cannot write {}: {e}", path.display())))
}
