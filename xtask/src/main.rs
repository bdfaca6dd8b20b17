//! Project automation, run as `cargo xtask <command>` (an alias in `.cargo/config.toml`).
//!
//! * `setup` installs what a fresh machine lacks, skipping what is present at the right
//!   version.
//! * `test` is the one test command: setup, then every check CI runs, in order, failing
//!   fast.
//! * `run` builds the release app and the server, and starts the whole console on the
//!   embedded database in `data/`.
//! * `tidy` checks that no crate has a module import cycle (also a test of this crate).
//! * `bench` measures the validator and the console and writes `bench/RESULTS.md`.

mod bench;
mod run;
mod setup;
mod steps;
mod tidy;
mod versions;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::steps::{run_cmd, Steps};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  setup                  install the tools the build and the tests need (idempotent)
  test                   setup, then formatting, clippy, native and browser tests,
                         the release build and the end-to-end tests
  run [--listen ADDR] [--frame-ancestor URL]... [--example-host]
                         setup, build the release app and esim-server, and start
                         the console on SQLite in data/ (default 127.0.0.1:8080);
                         prints a link that signs in with a new admin token;
                         --frame-ancestor: an origin allowed to frame the console
                         (repeat for more); --example-host: also serve the example
                         portal (examples/embed-host) on the next port, allowed to
                         frame the console, and print its link;
                         --oidc-issuer URL --oidc-audience AUD ... (any --oidc-*)
                         go to esim-server serve (docs/identity.md)
  tidy                   the tidy checks (no module import cycles in any crate; also
                         run by cargo test -p xtask)
  bench [--codes N] [--reps R] [--runs K] [--no-server] [--no-console-pool] [--baseline REV]
                         setup, then the benchmarks (wasm vs JS vs native, the console,
                         sizes, the server's if it has them); writes bench/RESULTS.md
  bench --startup --baseline REV [--runs PAIRS] [--profile DIR]
                         only the console's full page loads against REV, in pairs, and
                         where their time goes; writes bench/startup.md (--profile: and
                         CPU profiles of one more load of each into DIR)
";

fn main() {
    if let Err(error) = run(std::env::args().skip(1).collect()) {
        eprintln!("xtask: error: {error:#}");
        std::process::exit(1);
    }
}

fn run(args: Vec<String>) -> Result<()> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["setup"] => setup::setup(&project_root()).map(drop),
        ["test"] => test(),
        ["run", rest @ ..] => {
            let (rest, oidc) = oidc_flags(rest)?;
            let (rest, embedding) = embedding_flags(&rest)?;
            run::run_console(parse_listen(&rest)?, &embedding, &oidc)
        }
        ["tidy"] => {
            let (report, known) = tidy::report(&project_root());
            if !report.is_empty() {
                bail!("{report}");
            }
            for cycle in known {
                println!("known cycle (tidy::KNOWN_CYCLES): {cycle}");
            }
            println!("no other module import cycles");
            Ok(())
        }
        ["bench", rest @ ..] => bench::bench(&project_root(), &bench::BenchArgs::parse(rest)?),
        [] | ["help" | "--help" | "-h"] => {
            print!("{USAGE}");
            Ok(())
        }
        _ => bail!("unknown arguments {args:?}\n\n{USAGE}"),
    }
}

/// The workspace root: the parent of this crate's directory.
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

fn test() -> Result<()> {
    let root = project_root();
    let mut steps = Steps::new();
    let tools = steps.run("setup", || setup::setup(&root))?;
    let wasm = "wasm32-unknown-unknown";

    let result = (|| {
        steps.cmd(
            "format",
            tools.cargo(&root).args(["fmt", "--all", "--check"]),
        )?;
        steps.cmd(
            "clippy (native)",
            tools.cargo(&root).args([
                "clippy",
                "--workspace",
                "--all-targets",
                // The browser suites are `test = false` (they need the release build), so
                // name them.
                "--test",
                "e2e",
                "--test",
                "embed",
                "--test",
                "console",
                "--test",
                "parity",
                "--test",
                "graph_console",
                "--test",
                "signin",
                "--test",
                "screens",
                "--",
                "-D",
                "warnings",
            ]),
        )?;
        // What ships to the browser: the app with its tests, and the validator's library
        // (its own tests use native-only crates such as proptest); and the bench's wasm
        // library (its binary is the native driver of `cargo xtask bench`).
        steps.run("clippy (wasm32)", || {
            let deny = ["--", "-D", "warnings"];
            run_cmd(
                tools
                    .cargo(&root)
                    .args(["clippy", "--target", wasm, "--package", "esim-console"])
                    .arg("--all-targets")
                    .args(deny),
            )?;
            run_cmd(
                tools
                    .cargo(&root)
                    .args([
                        "clippy",
                        "--target",
                        wasm,
                        "--package",
                        "esim-csv",
                        "--lib",
                        "--no-default-features",
                    ])
                    .args(deny),
            )?;
            run_cmd(
                tools
                    .cargo(&root)
                    .args([
                        "clippy",
                        "--target",
                        wasm,
                        "--package",
                        "esim-bench",
                        "--lib",
                    ])
                    .args(deny),
            )?;
            // The workbook reader's worker module (built by Trunk from index.html).
            run_cmd(
                tools
                    .cargo(&root)
                    .args(["clippy", "--target", wasm, "--package", "esim-workbook"])
                    .args(deny),
            )
        })?;
        steps.cmd(
            "native tests",
            tools.cargo(&root).args(["test", "--workspace"]),
        )?;
        steps.cmd(
            "browser tests (wasm-bindgen-test)",
            tools
                .cargo(&root)
                .args(["test", "--target", wasm, "--package", "esim-console"])
                .env(
                    "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                    "wasm-bindgen-test-runner",
                ),
        )?;
        steps.cmd("release build (trunk)", &mut tools.trunk_build(&root))?;
        steps.cmd(
            "end-to-end tests (release build)",
            tools
                .cargo(&root)
                .args(["test", "--package", "esim-console", "--test", "e2e"]),
        )?;
        steps.cmd(
            "embedding tests (release build, example host page)",
            tools
                .cargo(&root)
                .args(["test", "--package", "esim-console", "--test", "embed"]),
        )?;
        steps.cmd(
            "console against a Graph double (release build)",
            tools.cargo(&root).args([
                "test",
                "--package",
                "esim-console",
                "--test",
                "graph_console",
            ]),
        )?;
        // The JavaScript entry point of the same build against the `esim-csv` command
        // line (next to the test binary, in target/debug) on the whole corpus.
        steps.run("browser and command-line reports (release build)", || {
            run_cmd(tools.cargo(&root).args([
                "build",
                "--package",
                "esim-csv",
                "--bin",
                "esim-csv",
            ]))?;
            run_cmd(tools.cargo(&root).args([
                "test",
                "--package",
                "esim-console",
                "--test",
                "parity",
            ]))
        })?;
        // The console end to end: the same build served by real `esim-server serve`
        // processes (the test finds the binary next to its own, in target/debug), on
        // SQLite, then on PostgreSQL (each test creates and drops its own database).
        steps.cmd(
            "esim-server build (for the console tests)",
            tools
                .cargo(&root)
                .args(["build", "--package", "esim-server"]),
        )?;
        // The sign-in suite also starts the real OpenID provider (node, oidc-provider from
        // setup) beside the same build and server.
        let postgres = std::env::var("ESIM_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
        for (suite, label) in [("console", "console"), ("signin", "sign-in")] {
            let tests = || {
                let mut command = tools.cargo(&root);
                command.args(["test", "--package", "esim-console", "--test", suite]);
                command
            };
            steps.cmd(
                &format!("{label} end-to-end (SQLite)"),
                tests().env_remove("ESIM_TEST_POSTGRES"),
            )?;
            steps.cmd(
                &format!("{label} end-to-end (PostgreSQL)"),
                tests().env("ESIM_TEST_POSTGRES", &postgres),
            )?;
        }
        // Every screen at 360, 1280 and 1920 px in both colour schemes (PNGs in
        // target/screenshots, overflow and axe-core checked); the layout does not depend on
        // the database, so SQLite only.
        steps.cmd(
            "screens (SQLite)",
            tools
                .cargo(&root)
                .args(["test", "--package", "esim-console", "--test", "screens"])
                .env_remove("ESIM_TEST_POSTGRES"),
        )?;
        Ok(())
    })();
    steps.print_summary();
    if result.is_err() {
        // A full disk fails whichever tool writes next (once wasm-bindgen, deep in
        // trunk's output): say how much room the build had.
        steps::print_free_space(&root);
    }
    result
}

/// `run`'s `--oidc-* VALUE` pairs, passed to `esim-server serve` as they are
/// (docs/identity.md), and the other arguments.
fn oidc_flags<'a>(args: &[&'a str]) -> Result<(Vec<&'a str>, Vec<String>)> {
    let mut rest = Vec::new();
    let mut oidc = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a.starts_with("--oidc-") {
            if let Some((flag, value)) = a.split_once('=') {
                oidc.extend([flag.to_owned(), value.to_owned()]);
            } else {
                let value = it.next().with_context(|| format!("{a} needs a value"))?;
                oidc.extend([a.to_string(), value.to_string()]);
            }
        } else {
            rest.push(*a);
        }
    }
    Ok((rest, oidc))
}

/// `--frame-ancestor URL` (repeated) and `--example-host`, out of `run`'s arguments.
fn embedding_flags<'a>(args: &[&'a str]) -> Result<(Vec<&'a str>, run::Embedding)> {
    let mut rest = Vec::new();
    let mut embedding = run::Embedding::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if let Some(value) = a.strip_prefix("--frame-ancestor=") {
            embedding.frame_ancestors.push(value.to_owned());
        } else if *a == "--frame-ancestor" {
            let value = it.next().context("--frame-ancestor needs an origin")?;
            embedding.frame_ancestors.push((*value).to_owned());
        } else if *a == "--example-host" {
            embedding.example_host = true;
        } else {
            rest.push(*a);
        }
    }
    Ok((rest, embedding))
}

fn parse_listen(args: &[&str]) -> Result<SocketAddr> {
    let text = match args {
        [] => "127.0.0.1:8080",
        ["--listen", addr] => addr,
        [flag] if flag.starts_with("--listen=") => &flag["--listen=".len()..],
        _ => bail!("unknown arguments for run: {args:?}\n\n{USAGE}"),
    };
    text.parse()
        .with_context(|| format!("--listen wants HOST:PORT with an IP address, got {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oidc_flags_pass_through() {
        let (rest, oidc) = oidc_flags(&[
            "--listen",
            "0.0.0.0:3000",
            "--oidc-issuer",
            "https://login.microsoftonline.com/t/v2.0",
            "--oidc-audience=api://esim",
        ])
        .unwrap();
        assert_eq!(rest, ["--listen", "0.0.0.0:3000"]);
        assert_eq!(
            oidc,
            [
                "--oidc-issuer",
                "https://login.microsoftonline.com/t/v2.0",
                "--oidc-audience",
                "api://esim"
            ]
        );
        assert!(oidc_flags(&["--oidc-client-id"]).is_err());
    }

    #[test]
    fn embedding_flags_are_taken_out() {
        let (rest, embedding) = embedding_flags(&[
            "--frame-ancestor",
            "https://portal.example",
            "--listen",
            "0.0.0.0:3000",
            "--frame-ancestor=https://intranet.example",
            "--example-host",
        ])
        .unwrap();
        assert_eq!(rest, ["--listen", "0.0.0.0:3000"]);
        assert_eq!(
            embedding.frame_ancestors,
            ["https://portal.example", "https://intranet.example"]
        );
        assert!(embedding.example_host);
        assert!(embedding_flags(&["--frame-ancestor"]).is_err());
        let (_, none) = embedding_flags(&[]).unwrap();
        assert_eq!(none, run::Embedding::default());
    }

    #[test]
    fn listen_defaults_to_localhost_8080() {
        assert_eq!(parse_listen(&[]).unwrap().to_string(), "127.0.0.1:8080");
        assert_eq!(
            parse_listen(&["--listen", "0.0.0.0:3000"])
                .unwrap()
                .to_string(),
            "0.0.0.0:3000"
        );
        assert_eq!(
            parse_listen(&["--listen=127.0.0.1:1"]).unwrap().to_string(),
            "127.0.0.1:1"
        );
        assert!(parse_listen(&["--listen", "localhost"]).is_err());
        assert!(parse_listen(&["--port", "1"]).is_err());
    }
}
