//! `cargo xtask bench`: the measurements of issue 3 ("Measured, not timed in tests"), written
//! to `bench/RESULTS.md`.
//!
//! 1. builds `crates/esim-bench` for wasm (`--release`), runs `wasm-bindgen --target web`
//!    and `wasm-opt -O3`, builds its native binary from the same sources, and stages
//!    `bench/web/` with the module and Papa Parse in `target/bench-web/`;
//! 2. `trunk build --release` (the console as it ships, in `dist/`);
//! 3. `esim-bench server` against a release esim-server (into a scratch file, whose
//!    figures go into the results file);
//! 4. `esim-bench run`: the native figures, the bench page and the console in headless
//!    Chromium, the shipped sizes (the files of `dist/`, and each page as the release
//!    esim-server serves it with brotli), instruction counts under callgrind, and the
//!    results file.
//!
//! `--baseline REV` first checks the commit REV out into a git worktree under
//! `target/baseline/`, builds there what both trees have - the bench page's wasm module
//! (into `target/bench-web/against/`) and the console's release `dist/` - with the same
//! functions and this tree's target directory (the dependencies are built once), and has
//! the run measure both in the same browser sessions, round robin ("Against REV" in the
//! results file).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::setup::{self, Toolchain};
use crate::steps::{output, run_cmd, Steps};

const WASM: &str = "wasm32-unknown-unknown";

/// What `cargo xtask bench` was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchArgs {
    pub codes: Option<String>,
    pub reps: Option<String>,
    pub runs: Option<String>,
    pub server: bool,
    /// Issue 5: the console on a 10,000-device pool (`--no-console-pool` skips it).
    pub console_pool: bool,
    /// A commit to measure against in the same run (`--baseline REV`).
    pub baseline: Option<String>,
    /// Only the console's start-up against the baseline (`--startup`): `bench/startup.md`.
    pub startup: bool,
    /// With `--startup`: where to save CPU profiles of one more load of each console
    /// (`--profile DIR`, esim-bench's).
    pub profile: Option<String>,
}

impl BenchArgs {
    pub fn parse(args: &[&str]) -> Result<Self> {
        let mut parsed = BenchArgs {
            codes: None,
            reps: None,
            runs: None,
            server: true,
            console_pool: true,
            baseline: None,
            startup: false,
            profile: None,
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            match *arg {
                "--codes" => parsed.codes = Some(number(it.next(), "--codes")?),
                "--reps" => parsed.reps = Some(number(it.next(), "--reps")?),
                "--runs" => parsed.runs = Some(number(it.next(), "--runs")?),
                "--no-server" => parsed.server = false,
                "--no-console-pool" => parsed.console_pool = false,
                "--startup" => parsed.startup = true,
                "--profile" => {
                    let dir = it.next().context("--profile needs a folder")?;
                    parsed.profile = Some((*dir).to_owned());
                }
                "--baseline" => {
                    let rev = it.next().context("--baseline needs a git revision")?;
                    parsed.baseline = Some((*rev).to_owned());
                }
                _ => bail!("unknown argument for bench: {arg:?}"),
            }
        }
        if parsed.profile.is_some() && !parsed.startup {
            bail!("--profile profiles the start-up: add --startup");
        }
        if parsed.startup && parsed.baseline.is_none() {
            bail!("--startup measures against a commit: add --baseline REV");
        }
        Ok(parsed)
    }
}

fn number(value: Option<&&str>, flag: &str) -> Result<String> {
    let value = value.with_context(|| format!("{flag} needs a number"))?;
    value
        .replace('_', "")
        .parse::<u64>()
        .with_context(|| format!("{flag} wants a number, got {value:?}"))
        .map(|n| n.to_string())
}

pub fn bench(root: &Path, args: &BenchArgs) -> Result<()> {
    if args.startup {
        return startup(root, args);
    }
    let mut steps = Steps::new();
    let result = (|| {
        let tools = steps.run("setup", || setup::setup(root))?;
        let web = root.join("target").join("bench-web");
        let mut notes = Vec::new();
        // The earlier commit first: this tree's builds then come last, so that what its
        // target directory holds at the end is this tree's.
        let against = match &args.baseline {
            None => None,
            Some(rev) => Some(
                steps.run(&format!("baseline {rev}: worktree and builds"), || {
                    baseline(&tools, root, rev, &web)
                })?,
            ),
        };
        // The wasm module and the native binary must be built from the same sources (the
        // validator may be edited while this runs): build both, and again if they moved.
        let driver = steps.run(
            "bench builds (wasm, wasm-bindgen, wasm-opt -O3, native)",
            || {
                for _ in 0..3 {
                    let before = fingerprint(root);
                    build_wasm(&tools, root, &target_dir(root), &web)?;
                    run_cmd(tools.cargo(root).args([
                        "build",
                        "--release",
                        "--package",
                        "esim-bench",
                        "--bin",
                        "esim-bench",
                    ]))?;
                    if fingerprint(root) == before {
                        return Ok(target_dir(root).join("release").join("esim-bench"));
                    }
                    println!("  the sources changed during the build: building again");
                }
                bail!("the validator's sources kept changing during the build")
            },
        )?;
        steps.run("stage bench/web", || stage(&tools, root, &web))?;
        if let Err(error) = steps.cmd("release build (trunk)", &mut tools.trunk_build(root)) {
            // Someone else's half-finished change: measure what dist/ holds, and say so.
            println!("  {error:#}");
            notes.push(
                "`trunk build --release` failed: the console figures are of the dist/ \
                 already there"
                    .to_owned(),
            );
        }
        if let Some(dirty) = dirty_files(root) {
            notes.push(format!("uncommitted changes built in: {dirty}"));
        }

        // A scratch file: bench/server.md belongs to the server's engineer; its figures from
        // this run are copied into bench/RESULTS.md.
        let server_md = web.join("server.md");
        if server_md.exists() {
            std::fs::remove_file(&server_md)?;
        }
        // The server bench (`esim-bench server`), the pages as served (issue 11) and the
        // console on a 10,000-device pool (issue 5) run a release esim-server.
        let release_server = {
            let build = steps.cmd(
                "release build (esim-server)",
                tools
                    .cargo(root)
                    .args(["build", "--release", "--package", "esim-server"]),
            );
            match build {
                Ok(()) => Ok(target_dir(root).join("release").join("esim-server")),
                Err(error) => {
                    let why = format!(
                        "`cargo build --release -p esim-server` failed: {}",
                        first_line(root, &error)
                    );
                    notes.push(why.clone());
                    Err(why)
                }
            }
        };
        let server_status = match (&release_server, args.server) {
            (_, false) => "not run (--no-server)".to_owned(),
            (Err(why), true) => format!("not run: {why}"),
            (Ok(exe), true) => {
                let run = steps.cmd(
                    "server bench (esim-bench server)",
                    tools
                        .command(&driver, root)
                        .args(["server", "--out"])
                        .arg(&server_md)
                        .arg("--server-exe")
                        .arg(exe),
                );
                match run {
                    Ok(()) => "ran in this run".to_owned(),
                    Err(error) => format!("failed in this run: {}", first_line(root, &error)),
                }
            }
        };
        let server_exe = release_server.ok();

        let mut command = tools.command(&driver, root);
        command
            .arg("run")
            .arg("--web")
            .arg(&web)
            .arg("--dist")
            .arg(root.join("dist"))
            .arg("--out")
            .arg(root.join("bench").join("RESULTS.md"))
            .arg("--server-status")
            .arg(&server_status);
        if let Some(exe) = &server_exe {
            command.arg("--server-exe").arg(exe);
        }
        if !args.console_pool {
            command.args(["--console-pool", "no"]);
        }
        if server_md.is_file() {
            command.arg("--server-md").arg(&server_md);
        }
        if let Some(codes) = &args.codes {
            command.args(["--codes", codes]);
        }
        if let Some(reps) = &args.reps {
            command.args(["--reps", reps]);
        }
        if let Some(runs) = &args.runs {
            command.args(["--runs", runs]);
        }
        if let Some(against) = &against {
            command.arg("--against-rev").arg(&against.rev);
            command.arg("--against-web").arg(AGAINST_WEB);
            match &against.dist {
                Ok(dist) => {
                    command.arg("--against-dist").arg(dist);
                }
                Err(why) => notes.push(format!("the console of {}: {why}", against.rev)),
            }
        }
        for note in &notes {
            command.arg("--note").arg(note);
        }
        steps.cmd(
            "measure (native, bench page, console, sizes) and write bench/RESULTS.md",
            &mut command,
        )
    })();
    steps.print_summary();
    result
}

/// `cargo xtask bench --startup --baseline REV [--runs PAIRS]`: the console's full page
/// loads of a pool's device table, this tree's against REV's in pairs, and where their
/// time goes (`esim-bench startup`), written to `bench/startup.md`. Builds only what that
/// needs: both consoles (`trunk build --release`, REV's in `target/baseline/`), the release
/// esim-server and esim-bench.
fn startup(root: &Path, args: &BenchArgs) -> Result<()> {
    let mut steps = Steps::new();
    let result = (|| {
        let tools = steps.run("setup", || setup::setup(root))?;
        let rev = args.baseline.as_deref().context("--baseline REV")?;
        let (short, theirs) =
            steps.run(&format!("baseline {rev}: worktree and console"), || {
                let (short, tree) = baseline_tree(root, rev)?;
                let target = target_dir(root);
                run_cmd(tools.trunk_build(&tree).env("CARGO_TARGET_DIR", &target))?;
                Ok((short, tree.join("dist")))
            })?;
        steps.cmd("release build (trunk)", &mut tools.trunk_build(root))?;
        steps.cmd(
            "release builds (esim-server, esim-bench)",
            tools.cargo(root).args([
                "build",
                "--release",
                "--package",
                "esim-server",
                "--package",
                "esim-bench",
                "--bin",
                "esim-server",
                "--bin",
                "esim-bench",
            ]),
        )?;
        let release = target_dir(root).join("release");
        let mut command = tools.command(release.join("esim-bench"), root);
        command
            .arg("startup")
            .arg("--dist")
            .arg(root.join("dist"))
            .arg("--against-dist")
            .arg(&theirs)
            .arg("--against-name")
            .arg(&short)
            .arg("--server-exe")
            .arg(release.join("esim-server"))
            .arg("--out")
            .arg(root.join("bench").join("startup.md"));
        if let Some(pairs) = &args.runs {
            command.args(["--pairs", pairs]);
        }
        if let Some(dir) = &args.profile {
            command.arg("--profile").arg(root.join(dir));
        }
        steps.cmd(
            "measure the start-up and write bench/startup.md",
            &mut command,
        )
    })();
    steps.print_summary();
    result
}

/// The folder of `target/bench-web/` that holds the earlier commit's module (`pkg/`).
const AGAINST_WEB: &str = "against";

/// What `--baseline REV` built.
struct Against {
    /// The commit, abbreviated.
    rev: String,
    /// Its console's release build, or why there is none.
    dist: std::result::Result<PathBuf, String>,
}

/// Checks `rev` out into `target/baseline/<rev>` and builds there the bench page's module
/// (into `web/against/pkg`) and the console (`dist/` of that worktree), with this tree's
/// target directory. The module is needed; a console that does not build is noted.
fn baseline(tools: &Toolchain, root: &Path, rev: &str, web: &Path) -> Result<Against> {
    let (short, tree) = baseline_tree(root, rev)?;
    let target = target_dir(root);
    build_wasm(tools, &tree, &target, &web.join(AGAINST_WEB))?;
    let dist = run_cmd(tools.trunk_build(&tree).env("CARGO_TARGET_DIR", &target))
        .map(|()| tree.join("dist"))
        .map_err(|error| {
            format!(
                "`trunk build --release` failed: {}",
                first_line(root, &error)
            )
        });
    Ok(Against { rev: short, dist })
}

/// `rev` checked out into `target/baseline/<rev>`: (the commit abbreviated, the folder).
fn baseline_tree(root: &Path, rev: &str) -> Result<(String, PathBuf)> {
    let commit = output(Command::new("git").current_dir(root).args([
        "rev-parse",
        "--verify",
        &format!("{rev}^{{commit}}"),
    ]))
    .with_context(|| format!("{rev:?} is not a commit of this repository"))?
    .trim()
    .to_owned();
    let short = commit.get(..7).unwrap_or(&commit).to_owned();
    let target = target_dir(root);
    let tree = target.join("baseline").join(&short);
    checkout(root, &tree, &commit)?;
    Ok((short, tree))
}

/// A clean detached worktree of `commit` at `tree` (kept between runs when it is one).
fn checkout(root: &Path, tree: &Path, commit: &str) -> Result<()> {
    let git = |dir: &Path| {
        let mut command = Command::new("git");
        command.current_dir(dir);
        command
    };
    if tree.join(".git").exists() {
        let head = output(git(tree).args(["rev-parse", "HEAD"]));
        let status = output(git(tree).args(["status", "--porcelain", "--untracked-files=no"]));
        if head.as_deref().map(str::trim) == Some(commit) && status.as_deref() == Some("") {
            println!("  {} is {commit} already", tree.display());
            return Ok(());
        }
        run_cmd(git(root).args(["worktree", "remove", "--force"]).arg(tree))?;
    }
    // A worktree whose folder was deleted is still registered until pruned.
    run_cmd(git(root).args(["worktree", "prune"]))?;
    run_cmd(
        git(root)
            .args(["worktree", "add", "--detach"])
            .arg(tree)
            .arg(commit),
    )
}

/// Builds `crates/esim-bench` of the tree at `root` for wasm into `target`, and runs
/// wasm-bindgen and wasm-opt into `web/pkg`.
fn build_wasm(tools: &Toolchain, root: &Path, target: &Path, web: &Path) -> Result<()> {
    run_cmd(tools.cargo(root).env("CARGO_TARGET_DIR", target).args([
        "build",
        "--release",
        "--target",
        WASM,
        "--package",
        "esim-bench",
        "--lib",
    ]))?;
    let module = target.join(WASM).join("release").join("esim_bench.wasm");
    let pkg = web.join("pkg");
    if pkg.exists() {
        std::fs::remove_dir_all(&pkg)?;
    }
    std::fs::create_dir_all(&pkg)?;
    run_cmd(
        tools
            .command("wasm-bindgen", root)
            .args(["--target", "web", "--out-dir"])
            .arg(&pkg)
            .arg(&module),
    )?;
    let bg = pkg.join("esim_bench_bg.wasm");
    run_cmd(
        tools
            .command("wasm-opt", root)
            .arg("-O3")
            .arg(&bg)
            .arg("-o")
            .arg(&bg),
    )
}

/// The target directory (absolute: the earlier commit's builds run in another folder).
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(|dir| root.join(dir))
        .unwrap_or_else(|| root.join("target"))
}

/// A hash of the Rust sources the bench builds (the validator and the bench crate).
fn fingerprint(root: &Path) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    fn walk(dir: &Path, hasher: &mut DefaultHasher) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            if path.is_dir() {
                walk(&path, hasher);
            } else if path.extension().is_some_and(|e| e == "rs" || e == "toml") {
                path.hash(hasher);
                std::fs::read(&path).unwrap_or_default().hash(hasher);
            }
        }
    }
    let mut hasher = DefaultHasher::new();
    for krate in ["esim-csv", "esim-bench"] {
        let dir = root.join("crates").join(krate);
        walk(&dir.join("src"), &mut hasher);
        std::fs::read(dir.join("Cargo.toml"))
            .unwrap_or_default()
            .hash(&mut hasher);
    }
    hasher.finish()
}

/// Copies the page and Papa Parse next to the built module.
fn stage(tools: &Toolchain, root: &Path, web: &Path) -> Result<()> {
    let page = root.join("bench").join("web");
    for entry in std::fs::read_dir(&page).with_context(|| format!("{}", page.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), web.join(entry.file_name()))?;
        }
    }
    let papa = tools.papaparse.join("papaparse.min.js");
    std::fs::copy(&papa, web.join("papaparse.min.js"))
        .with_context(|| format!("copy {}", papa.display()))?;
    println!("  staged {}", web.display());
    Ok(())
}

/// Modified tracked files under the code that is measured, for the results file's notes.
fn dirty_files(root: &Path) -> Option<String> {
    let status = output(
        Command::new("git")
            .current_dir(root)
            .args(["status", "--porcelain", "--untracked-files=no", "--"])
            .args(["crates/esim-csv", "crates/esim-bench", "src", "bench/web"]),
    )?;
    let files: Vec<&str> = status
        .lines()
        .filter_map(|l| l.get(3..))
        .map(str::trim)
        .collect();
    (!files.is_empty()).then(|| files.join(", "))
}

/// The first line of `error` for the results file, with the project's own path left out
/// (`target/release/esim-bench`, not this machine's absolute path).
fn first_line(root: &Path, error: &anyhow::Error) -> String {
    let line = format!("{error:#}");
    let line = line.lines().next().unwrap_or_default();
    let prefix = format!("{}/", root.display());
    line.replace(&prefix, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_in_the_results_names_no_absolute_path() {
        let root = Path::new("/home/someone/esim");
        let error = anyhow::anyhow!(
            "`/home/someone/esim/target/release/esim-bench server --out /home/someone/esim/target/x.md` exited\nmore"
        );
        assert_eq!(
            first_line(root, &error),
            "`target/release/esim-bench server --out target/x.md` exited"
        );
    }

    #[test]
    fn parses_bench_arguments() {
        let args = BenchArgs::parse(&["--codes", "100_000", "--reps", "3", "--no-server"]).unwrap();
        assert_eq!(args.codes.as_deref(), Some("100000"));
        assert_eq!(args.runs, None);
        assert_eq!(args.reps.as_deref(), Some("3"));
        assert!(!args.server);
        assert!(args.console_pool);
        assert!(
            !BenchArgs::parse(&["--no-console-pool"])
                .unwrap()
                .console_pool
        );
        assert!(BenchArgs::parse(&[]).unwrap().server);
        assert!(BenchArgs::parse(&["--codes", "many"]).is_err());
        assert!(BenchArgs::parse(&["--fast"]).is_err());
        assert_eq!(
            BenchArgs::parse(&["--baseline", "01ee453"])
                .unwrap()
                .baseline
                .as_deref(),
            Some("01ee453")
        );
        assert!(BenchArgs::parse(&["--baseline"]).is_err());
        let startup =
            BenchArgs::parse(&["--startup", "--baseline", "01ee453", "--runs", "9"]).unwrap();
        assert!(startup.startup);
        assert_eq!(startup.runs.as_deref(), Some("9"));
        assert!(BenchArgs::parse(&["--startup"]).is_err(), "against what?");
        let profiled = BenchArgs::parse(&[
            "--startup",
            "--baseline",
            "01ee453",
            "--profile",
            "target/profiles",
        ])
        .unwrap();
        assert_eq!(profiled.profile.as_deref(), Some("target/profiles"));
        assert!(
            BenchArgs::parse(&["--profile", "p"]).is_err(),
            "only with --startup"
        );
    }
}
