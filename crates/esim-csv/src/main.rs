//! `esim-csv`: the command-line checker for activation-code CSV files.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[path = "cli/formats.rs"]
mod formats;
use esim_csv::{
    Batch, ColumnRef, Columns, Finding, Lang, Mapping, Options, Report, DEFAULT_MAX_FINDINGS,
    MAX_CODES,
};

/// Check, fix and split eSIM activation-code CSV files.
///
/// A file holds the operator's SM-DP+ address on line 1 and one ICCID,MatchingID line per
/// activation code (at most 1,000). Every rule and finding code is documented in
/// docs/findings.md.
#[derive(Debug, Parser)]
#[command(
    name = "esim-csv",
    version,
    after_help = EXAMPLES,
    subcommand_required = true,
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Language of messages and summaries.
    #[arg(long, value_enum, global = true, default_value_t = LangArg::En)]
    lang: LangArg,
}

const EXAMPLES: &str = "\
Examples:
  esim-csv check pool.csv                     file:line:column: error[code]: message
  esim-csv check --format json a.csv b.csv    one JSON report per line (JSON Lines)
  esim-csv check --deny-warnings --lang sv -  standard input, warnings fail, Swedish
  esim-csv check --max-findings 100 big.csv   list 100 findings (all are counted)
  esim-csv fix export.csv --output clean.csv  every safe fix; exit 1 lists what is left
  esim-csv split big.csv --output-dir parts/  valid files of at most 1,000 codes each

'esim-csv COMMAND --help' describes a command and its options; 'esim-csv --help' this.

EXIT STATUS:
  0  every file is valid (fix, split: the output is valid)
  1  some file is invalid (fix: errors no fix can remove are left; split: errors other
     than too many codes or several SM-DP+ addresses are left)
  2  a file cannot be read or written, or the arguments are wrong";

const EXIT_STATUS: &str = "\
EXIT STATUS:
  0  every file is valid (fix, split: the output is valid)
  1  some file is invalid (fix: errors no fix can remove are left; split: errors other
     than too many codes or several SM-DP+ addresses are left)
  2  a file cannot be read or written, or the arguments are wrong";

#[derive(Debug, Subcommand)]
enum Command {
    /// Report every problem of each file (the files are checked together: an ICCID
    /// repeated across them is found).
    #[command(after_help = EXIT_STATUS)]
    Check {
        /// The files; `-` reads standard input.
        #[arg(value_name = "FILE", required = true)]
        files: Vec<String>,
        /// `text` for people: `file:line:column: severity[code]: message`; `json`: one
        /// report per line (JSON Lines); `sarif`: SARIF 2.1.0 for code-scanning tools;
        /// `junit`: JUnit XML, one test case per file.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Warnings make a file invalid too.
        #[arg(long)]
        deny_warnings: bool,
        /// Findings listed per file (all are counted).
        #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_FINDINGS)]
        max_findings: usize,
        #[command(flatten)]
        columns: ColumnArgs,
    },
    /// Write the file with every safe fix applied; list what is left.
    #[command(after_help = EXIT_STATUS)]
    Fix {
        /// The file; `-` reads standard input.
        #[arg(value_name = "FILE")]
        file: String,
        /// Where to write the repaired file; `-` writes standard output.
        #[arg(short, long, value_name = "OUT")]
        output: String,
        /// Warnings left count as problems too (exit 1).
        #[arg(long)]
        deny_warnings: bool,
        #[command(flatten)]
        columns: ColumnArgs,
    },
    /// Write valid files of at most N codes, one SM-DP+ address each (after every safe fix).
    #[command(after_help = EXIT_STATUS)]
    Split {
        /// The file; `-` reads standard input.
        #[arg(value_name = "FILE")]
        file: String,
        /// The directory for the parts (`<stem>-01.csv`, ...); created when missing.
        #[arg(long, value_name = "DIR")]
        output_dir: String,
        /// The most codes in one part.
        #[arg(long, value_name = "N", default_value_t = MAX_CODES, value_parser = max_codes)]
        max: usize,
        #[command(flatten)]
        columns: ColumnArgs,
    },
}

/// The columns of a carrier export, when its header row does not name them.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Carrier exports (a header row and many columns)")]
struct ColumnArgs {
    /// The ICCID column: its header name or its number (from 1).
    #[arg(long, value_name = "COLUMN")]
    iccid_column: Option<ColumnRef>,
    /// The Matching ID column (when the export has no LPA column).
    #[arg(long, value_name = "COLUMN")]
    matching_id_column: Option<ColumnRef>,
    /// The LPA activation code column (LPA:1$<SM-DP+ address>$<Matching ID>).
    #[arg(long, value_name = "COLUMN")]
    lpa_column: Option<ColumnRef>,
    /// The SM-DP+ address column (when the export has no LPA column).
    #[arg(long, value_name = "COLUMN")]
    smdp_column: Option<ColumnRef>,
    /// The sheet of an Excel workbook (.xlsx) to read; the first by default.
    #[arg(long, value_name = "NAME")]
    sheet: Option<String>,
}

impl ColumnArgs {
    fn columns(&self) -> Columns {
        Columns {
            iccid: self.iccid_column.clone(),
            matching_id: self.matching_id_column.clone(),
            lpa: self.lpa_column.clone(),
            smdp_address: self.smdp_column.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    Sarif,
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LangArg {
    /// English
    En,
    /// Swedish
    Sv,
}

fn max_codes(v: &str) -> Result<usize, String> {
    match v.parse::<usize>() {
        Ok(n) if (1..=MAX_CODES).contains(&n) => Ok(n),
        _ => Err(format!("must be a whole number between 1 and {MAX_CODES}")),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.exit_code() == 0 => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // clap's message, suggestion and usage; the help to read, named in full.
            let text = e.render().to_string();
            eprint!("{}", text.replace("try '--help'", "try 'esim-csv --help'"));
            return ExitCode::from(2);
        }
    };
    match run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(Failure(msg)) => {
            eprintln!("esim-csv: {msg}");
            ExitCode::from(2)
        }
    }
}

/// A file that cannot be read or written.
struct Failure(String);

/// What the commands share.
struct Args {
    lang: Lang,
    deny_warnings: bool,
    max_findings: usize,
    columns: Columns,
    sheet: Option<String>,
}

fn run(cli: &Cli) -> Result<u8, Failure> {
    let lang = match cli.lang {
        LangArg::En => Lang::En,
        LangArg::Sv => Lang::Sv,
    };
    let args = |deny_warnings, max_findings, columns: &ColumnArgs| Args {
        lang,
        deny_warnings,
        max_findings,
        columns: columns.columns(),
        sheet: columns.sheet.clone(),
    };
    match &cli.command {
        Command::Check {
            files,
            format,
            deny_warnings,
            max_findings,
            columns,
        } => check(
            files,
            *format,
            &args(*deny_warnings, *max_findings, columns),
        ),
        Command::Fix {
            file,
            output,
            deny_warnings,
            columns,
        } => fix(
            file,
            output,
            &args(*deny_warnings, DEFAULT_MAX_FINDINGS, columns),
        ),
        Command::Split {
            file,
            output_dir,
            max,
            columns,
        } => split(
            file,
            output_dir,
            *max,
            &args(false, DEFAULT_MAX_FINDINGS, columns),
        ),
    }
}

fn read(path: &str) -> Result<Vec<u8>, Failure> {
    if path == "-" {
        let mut buf = Vec::new();
        io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| Failure(format!("cannot read standard input: {e}")))?;
        Ok(buf)
    } else {
        fs::read(path).map_err(|e| Failure(format!("cannot read {path}: {e}")))
    }
}

fn options_for(path: &str, a: &Args) -> Options {
    Options {
        file_name: Some(path.to_owned()),
        check_extension: path != "-",
        max_findings: a.max_findings,
        deny_warnings: a.deny_warnings,
        columns: a.columns.clone(),
        sheet: a.sheet.clone(),
        sheet_text: false,
    }
}

fn check(files: &[String], format: Format, a: &Args) -> Result<u8, Failure> {
    let mut batch = Batch::new();
    let mut unreadable = false;
    let mut invalid = 0;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut collected: Vec<(String, Result<Report, String>)> = Vec::new();
    for path in files {
        let bytes = match read(path) {
            Ok(b) => b,
            Err(Failure(msg)) => {
                eprintln!("esim-csv: {msg}");
                unreadable = true;
                collected.push((path.clone(), Err(msg)));
                continue;
            }
        };
        let options = options_for(path, a);
        // A single file needs no record of its ICCIDs for the files after it.
        let report = if files.len() == 1 {
            esim_csv::check(&bytes, &options)
        } else {
            batch.check(&bytes, &options)
        };
        if !report.is_valid() {
            invalid += 1;
        }
        let written = match format {
            Format::Json => serde_json::to_writer(&mut out, &report.to_json(a.lang))
                .map_err(io::Error::other)
                .and_then(|()| writeln!(out)),
            Format::Text => write_text(&mut out, path, &report, a.lang),
            Format::Sarif | Format::Junit => {
                collected.push((path.clone(), Ok(report)));
                Ok(())
            }
        };
        written.map_err(|e| Failure(format!("cannot write the report: {e}")))?;
    }
    let written = match format {
        Format::Sarif => {
            serde_json::to_writer_pretty(&mut out, &formats::sarif(&collected, a.lang))
                .map_err(io::Error::other)
                .and_then(|()| writeln!(out))
        }
        Format::Junit => out.write_all(formats::junit(&collected, a.lang).as_bytes()),
        _ => Ok(()),
    };
    written.map_err(|e| Failure(format!("cannot write the report: {e}")))?;
    if format == Format::Text && files.len() > 1 {
        let n = files.len();
        let line = if a.lang == Lang::Sv {
            format!("{n} filer kontrollerade, {invalid} ogiltiga")
        } else {
            format!("{n} files checked, {invalid} invalid")
        };
        writeln!(out, "{line}").map_err(|e| Failure(e.to_string()))?;
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
    if let Some(mapping) = &report.conversion {
        write_mapping(out, path, mapping, lang)?;
    }
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

/// `n` and its noun in the plural form English and Swedish take (`1 code`, `1 001 koder`),
/// written as the messages write numbers.
fn counted(lang: Lang, n: usize, one: &str, other: &str) -> String {
    let noun = if n == 1 { one } else { other };
    format!("{} {noun}", esim_csv::number(lang, n as u64))
}

fn summary(path: &str, report: &Report, lang: Lang) -> String {
    let smdp = report
        .smdp_address
        .as_ref()
        .map_or_else(|| "-".to_owned(), |s| s.to_string());
    let count = |n: usize, one: &str, other: &str| counted(lang, n, one, other);
    let (codes, errors, warnings) = (report.codes, report.errors(), report.warnings());
    match (lang, report.is_valid()) {
        (Lang::Sv, true) => format!(
            "{path}: giltig, {}, SM-DP+ {smdp}, {}",
            count(codes, "kod", "koder"),
            count(warnings, "varning", "varningar")
        ),
        (Lang::Sv, false) => format!(
            "{path}: ogiltig, {}, {}, {}",
            count(codes, "kod", "koder"),
            count(errors, "fel", "fel"),
            count(warnings, "varning", "varningar")
        ),
        (_, true) => format!(
            "{path}: valid, {}, SM-DP+ {smdp}, {}",
            count(codes, "code", "codes"),
            count(warnings, "warning", "warnings")
        ),
        (_, false) => format!(
            "{path}: invalid, {}, {}, {}",
            count(codes, "code", "codes"),
            count(errors, "error", "errors"),
            count(warnings, "warning", "warnings")
        ),
    }
}

fn fix(path: &str, output: &str, a: &Args) -> Result<u8, Failure> {
    let bytes = read(path)?;
    let fixed = esim_csv::fix(&bytes, &options_for(path, a));
    if output == "-" {
        io::stdout()
            .write_all(&fixed.bytes)
            .map_err(|e| Failure(format!("cannot write standard output: {e}")))?;
    } else {
        write_file(Path::new(output), &fixed.bytes)?;
    }
    let mut err = io::stderr().lock();
    // A converted carrier export: its mapping and findings (the pool file no longer shows
    // a confirmation-code flag or the columns left out).
    if fixed
        .applied
        .iter()
        .any(|f| f.code == esim_csv::Code::CarrierExport)
    {
        let export = esim_csv::check(&bytes, &options_for(path, a));
        if let Some(mapping) = &export.conversion {
            let _ = write_mapping(&mut err, path, mapping, a.lang);
        }
        for f in export
            .findings
            .iter()
            .filter(|f| f.code != esim_csv::Code::CarrierExport)
        {
            let _ = writeln!(err, "{}", text_line(path, f, a.lang));
        }
    }
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
        "{output}: {} left that no fix can remove{}",
        match left.errors() {
            1 => "1 error is".to_owned(),
            n => format!("{} errors are", esim_csv::number(Lang::En, n as u64)),
        },
        if needs_split {
            "; run 'esim-csv split' for too many codes or several SM-DP+ addresses"
        } else {
            ""
        }
    );
    Ok(1)
}

fn split(path: &str, dir: &str, max: usize, a: &Args) -> Result<u8, Failure> {
    let bytes = read(path)?;
    match esim_csv::split(&bytes, &options_for(path, a), max) {
        Ok(parts) => {
            fs::create_dir_all(dir).map_err(|e| Failure(format!("cannot create {dir}: {e}")))?;
            for part in &parts {
                let target = PathBuf::from(dir).join(&part.file_name);
                write_file(&target, &part.bytes)?;
                println!(
                    "{}: {}, SM-DP+ {}",
                    target.display(),
                    counted(Lang::En, part.codes, "code", "codes"),
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
                let _ = writeln!(err, "{}", text_line(path, f, a.lang));
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
    fs::write(path, bytes).map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))
}

/// How a carrier export is read: one line for the file, one per column.
fn write_mapping(out: &mut impl Write, path: &str, m: &Mapping, lang: Lang) -> io::Result<()> {
    let sv = lang == Lang::Sv;
    let sep = match (m.sheet.as_deref(), m.delimiter.as_str(), sv) {
        (Some(sheet), _, false) => format!("sheet \"{sheet}\""),
        (Some(sheet), _, true) => format!("blad \"{sheet}\""),
        (None, "\t", false) => "separator tab".to_owned(),
        (None, "\t", true) => "avgränsare tabb".to_owned(),
        (None, d, false) => format!("separator '{d}'"),
        (None, d, true) => format!("avgränsare '{d}'"),
    };
    let header = match (m.header_line, sv) {
        (Some(l), false) => format!("header row on line {l}"),
        (Some(l), true) => format!("rubrikrad på rad {l}"),
        (None, false) => "no header row".to_owned(),
        (None, true) => "ingen rubrikrad".to_owned(),
    };
    let encoding = m.encoding.map_or(String::new(), |e| {
        if sv {
            format!(", konverterad från {e}")
        } else {
            format!(", converted from {e}")
        }
    });
    if sv {
        writeln!(
            out,
            "{path}: export från operatören: {header}, {sep}, {}{encoding}",
            counted(Lang::Sv, m.rows, "rad", "rader")
        )?;
    } else {
        writeln!(
            out,
            "{path}: carrier export: {header}, {sep}, {}{encoding}",
            counted(Lang::En, m.rows, "row", "rows")
        )?;
    }
    for c in &m.columns {
        let name = c
            .name
            .as_deref()
            .map_or(String::new(), |n| format!(" \"{n}\""));
        let what = match (c.used_as, sv) {
            (Some(u), false) => format!("{} (by {})", u.label(), c.by.unwrap_or("header")),
            (Some(u), true) => format!(
                "{} (enligt {})",
                u.label(),
                match c.by.unwrap_or("header") {
                    "option" => "val",
                    "content" => "innehåll",
                    _ => "rubrik",
                }
            ),
            (None, false) => "left out".to_owned(),
            (None, true) => "utelämnas".to_owned(),
        };
        let column = if sv { "kolumn" } else { "column" };
        writeln!(out, "{path}: {column} {}{name}: {what}", c.number)?;
    }
    Ok(())
}
