//! `cargo xtask setup`: install what this machine lacks, skip what is there at the right
//! version, and describe the environment the other commands give their children.
//!
//! Everything comes from crates.io, npm or Debian: Trunk's own downloads (from GitHub) are
//! never used, because Trunk finds the pinned `wasm-bindgen` and `wasm-opt` on PATH first.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::steps::{output, run_cmd};
use crate::versions::{Pinned, AXE_CORE, MSGRAPH_BETA_SDK, OIDC_PROVIDER, PAPAPARSE, TRUNK};

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// The tools `setup` found or installed, and the environment child processes get.
#[derive(Debug, Clone)]
pub struct Toolchain {
    /// PATH for children: binaryen from npm first (ahead of any Debian wasm-opt), then the
    /// cargo bin directory, then the inherited PATH.
    path: OsString,
    chromedriver: PathBuf,
    cargo: OsString,
    /// `axe.min.js` of axe-core, which the end-to-end tests inject (`AXE_CORE_JS`).
    axe_core: PathBuf,
    /// The npm package directory of oidc-provider, which the sign-in tests start
    /// (`OIDC_PROVIDER`, read by `tests/oidc/provider.mjs`).
    oidc_provider: PathBuf,
    /// The npm package directory of Papa Parse (for `cargo xtask bench`).
    pub papaparse: PathBuf,
    /// The `python` of the virtual environment with Microsoft's Graph beta SDK, which the
    /// SDK's workflow test runs (`GRAPH_SDK_PYTHON`, read by
    /// `crates/esim-server/tests/graph_sdk.rs`).
    graph_sdk_python: PathBuf,
}

impl Toolchain {
    /// A command with the toolchain's environment, run from the workspace root.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>, root: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(root)
            .env("PATH", &self.path)
            .env("CHROMEDRIVER", &self.chromedriver)
            .env("AXE_CORE_JS", &self.axe_core)
            .env("OIDC_PROVIDER", &self.oidc_provider)
            .env("GRAPH_SDK_PYTHON", &self.graph_sdk_python)
            // Trunk's update check needs a server this machine cannot reach.
            .env("TRUNK_SKIP_VERSION_CHECK", "true");
        command
    }

    /// `cargo` (the one running xtask), with the toolchain's environment.
    pub fn cargo(&self, root: &Path) -> Command {
        self.command(&self.cargo, root)
    }

    /// `trunk build --release`: the wasm-release profile, wasm-opt -Oz, output in `dist/`.
    pub fn trunk_build(&self, root: &Path) -> Command {
        let mut command = self.command("trunk", root);
        command.args(["build", "--release"]);
        command
    }
}

/// Installs what is missing and returns the toolchain. Safe to run again: every tool is
/// probed first.
pub fn setup(root: &Path) -> Result<Toolchain> {
    let pinned = Pinned::read(root)?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let cargo_bin = cargo_home()?.join("bin");
    let tools_dir = cache_dir()?.join("esim-console").join("tools");
    let binaryen_bin = tools_dir
        .join(format!("binaryen-{}", pinned.binaryen))
        .join("node_modules")
        .join(".bin");
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    let path = std::env::join_paths(
        [binaryen_bin.clone(), cargo_bin.clone()]
            .into_iter()
            .chain(std::env::split_paths(&inherited)),
    )
    .context("PATH contains a directory that cannot be joined")?;

    rust_parts()?;
    system_packages(&path)?;
    trunk(&cargo, &path)?;
    wasm_bindgen_cli(&cargo, &path, &pinned.wasm_bindgen)?;
    binaryen(&path, &binaryen_bin, &pinned.binaryen)?;
    let papaparse = papaparse(&path, &tools_dir)?;
    let axe_core = axe_core(&path, &tools_dir)?;
    let oidc_provider = npm_package(
        &path,
        &tools_dir,
        "oidc-provider",
        OIDC_PROVIDER,
        "lib/index.js",
    )?;
    let graph_sdk_python = graph_sdk(&path, &tools_dir)?;

    let chromedriver = find_program("chromedriver", &path).context("chromedriver not found")?;
    check_browser_versions(&path);
    Ok(Toolchain {
        path,
        chromedriver,
        cargo,
        axe_core,
        oidc_provider,
        papaparse,
        graph_sdk_python,
    })
}

fn rust_parts() -> Result<()> {
    let targets = output(Command::new("rustup").args(["target", "list", "--installed"]))
        .context("`rustup` is needed (https://rustup.rs)")?;
    if targets.lines().any(|t| t.trim() == WASM_TARGET) {
        ok(&format!("rust target {WASM_TARGET}"));
    } else {
        install(&format!("rust target {WASM_TARGET}"), || {
            run_cmd(Command::new("rustup").args(["target", "add", WASM_TARGET]))
        })?;
    }
    let components = output(Command::new("rustup").args(["component", "list", "--installed"]))
        .unwrap_or_default();
    for component in ["rustfmt", "clippy"] {
        if components.lines().any(|c| c.starts_with(component)) {
            ok(&format!("rust component {component}"));
        } else {
            install(&format!("rust component {component}"), || {
                run_cmd(Command::new("rustup").args(["component", "add", component]))
            })?;
        }
    }
    Ok(())
}

/// Chromium and its WebDriver (for the browser tests) and npm (for binaryen), from Debian.
fn system_packages(path: &OsString) -> Result<()> {
    let wanted = [
        ("chromium", "chromium"),
        ("chromedriver", "chromium-driver"),
        ("npm", "npm"),
        // The Graph SDK's virtual environment (python3-venv brings python3).
        ("python3", "python3-venv"),
    ];
    let mut missing = Vec::new();
    for (program, package) in wanted {
        match find_program(program, path) {
            Some(found) => ok(&format!("{program} ({})", found.display())),
            None => missing.push(package),
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    install(&format!("Debian packages {}", missing.join(" ")), || {
        // Waits for another apt-get (e.g. an unattended upgrade) instead of failing.
        let lock = ["-o", "DPkg::Lock::Timeout=900"];
        apt(&["update"], &lock)?;
        let mut args = vec!["install", "-y"];
        args.extend(missing.iter().copied());
        apt(&args, &lock)
    })
}

fn apt(args: &[&str], options: &[&str]) -> Result<()> {
    let is_root = output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    let mut command = if is_root {
        Command::new("apt-get")
    } else {
        let mut sudo = Command::new("sudo");
        sudo.arg("apt-get");
        sudo
    };
    command
        .args(options)
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive");
    run_cmd(&mut command)
}

fn trunk(cargo: &OsString, path: &OsString) -> Result<()> {
    let wanted = format!("trunk {TRUNK}");
    let probe = || version_of("trunk", path);
    if probe().as_deref() == Some(wanted.as_str()) {
        ok(&wanted);
        return Ok(());
    }
    if wait_for_other_install("trunk") && probe().as_deref() == Some(wanted.as_str()) {
        ok(&wanted);
        return Ok(());
    }
    install(&wanted, || {
        run_cmd(Command::new(cargo).env("PATH", path).args([
            "install",
            "trunk",
            "--version",
            TRUNK,
            "--locked",
        ]))
    })
}

fn wasm_bindgen_cli(cargo: &OsString, path: &OsString, version: &str) -> Result<()> {
    let wanted = format!("wasm-bindgen {version}");
    let probe = || {
        let cli = version_of("wasm-bindgen", path);
        let runner = version_of("wasm-bindgen-test-runner", path)
            .map(|v| v.replace("wasm-bindgen-test-runner", "wasm-bindgen"));
        cli.as_deref() == Some(wanted.as_str()) && runner.as_deref() == Some(wanted.as_str())
    };
    if probe() || (wait_for_other_install("wasm-bindgen-cli") && probe()) {
        ok(&format!("{wanted} (CLI and test runner)"));
        return Ok(());
    }
    install(&format!("wasm-bindgen-cli {version}"), || {
        // Not `--locked`: one of the CLI's locked dependencies is missing from the index.
        run_cmd(Command::new(cargo).env("PATH", path).args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            version,
        ]))
    })
}

/// binaryen (wasm-opt) from npm into a per-user cache, never Debian's binaryen 108, which
/// silently breaks wasm-bindgen's output.
fn binaryen(path: &OsString, bin: &Path, version: &str) -> Result<()> {
    let wasm_opt = bin.join("wasm-opt");
    let wanted = format!("version_{version}");
    let probe =
        || output(Command::new(&wasm_opt).arg("--version")).is_some_and(|v| v.contains(&wanted));
    if probe() {
        ok(&format!("wasm-opt {wanted} ({})", wasm_opt.display()));
    } else {
        let prefix = bin
            .parent()
            .and_then(Path::parent)
            .context("binaryen directory")?;
        install(&format!("binaryen {version} (npm)"), || {
            std::fs::create_dir_all(prefix)?;
            run_cmd(
                Command::new("npm")
                    .env("PATH", path)
                    .args(["install", "--no-audit", "--no-fund", "--prefix"])
                    .arg(prefix)
                    .arg(format!("binaryen@{version}")),
            )
        })?;
        if !probe() {
            bail!("{} does not report {wanted}", wasm_opt.display());
        }
    }
    if let Some(other) = find_program("wasm-opt", &std::env::var_os("PATH").unwrap_or_default()) {
        if other != wasm_opt {
            println!(
                "  note: {} is shadowed by the pinned wasm-opt for the commands xtask runs",
                other.display()
            );
        }
    }
    Ok(())
}

/// Papa Parse from npm into the per-user cache (the JS baseline of `cargo xtask bench`;
/// copied next to the bench page, never committed). Returns the package directory.
fn papaparse(path: &OsString, tools_dir: &Path) -> Result<PathBuf> {
    let package = npm_package(path, tools_dir, "papaparse", PAPAPARSE, "papaparse.min.js")?;
    Ok(package)
}

/// axe-core from npm into the per-user cache: the end-to-end tests inject its `axe.min.js`
/// into the page and fail on serious or critical accessibility violations. Returns the
/// script.
fn axe_core(path: &OsString, tools_dir: &Path) -> Result<PathBuf> {
    let package = npm_package(path, tools_dir, "axe-core", AXE_CORE, "axe.min.js")?;
    Ok(package.join("axe.min.js"))
}

/// An npm package at exactly `version` in `tools_dir/<name>-<version>`, installed with
/// `npm install --prefix` when missing (never `-g`, which writes into `/usr`). `file` is a
/// file of the package that must exist. Returns the package directory.
fn npm_package(
    path: &OsString,
    tools_dir: &Path,
    name: &str,
    version: &str,
    file: &str,
) -> Result<PathBuf> {
    let prefix = tools_dir.join(format!("{name}-{version}"));
    let package = prefix.join("node_modules").join(name);
    let wanted = format!("\"version\": \"{version}\"");
    let probe = || {
        package.join(file).is_file()
            && std::fs::read_to_string(package.join("package.json"))
                .is_ok_and(|text| text.contains(&wanted))
    };
    if probe() {
        ok(&format!(
            "{name} {version} ({})",
            package.join(file).display()
        ));
        return Ok(package);
    }
    install(&format!("{name} {version} (npm)"), || {
        std::fs::create_dir_all(&prefix)?;
        run_cmd(
            Command::new("npm")
                .env("PATH", path)
                .args(["install", "--no-audit", "--no-fund", "--prefix"])
                .arg(&prefix)
                .arg(format!("{name}@{version}")),
        )
    })?;
    if !probe() {
        bail!("{} is not {name} {version}", package.display());
    }
    Ok(package)
}

/// Microsoft's Graph beta SDK for Python at the pinned version, in a virtual environment of
/// its own in the tool cache (PyPI through pip; nothing outside the environment changes).
/// Returns the environment's `python`.
fn graph_sdk(path: &OsString, tools_dir: &Path) -> Result<PathBuf> {
    let name = "msgraph-beta-sdk";
    let version = MSGRAPH_BETA_SDK;
    let venv = tools_dir.join(format!("{name}-{version}"));
    let python = venv.join("bin").join("python");
    let probe = || {
        python.is_file()
            && output(
                Command::new(&python)
                    .args(["-c", "import msgraph_beta; print(msgraph_beta.__version__)"]),
            )
            .is_some_and(|v| v.trim() == version)
    };
    if probe() {
        ok(&format!("{name} {version} ({})", venv.display()));
        return Ok(python);
    }
    install(
        &format!("{name} {version} (PyPI, a virtual environment)"),
        || {
            std::fs::create_dir_all(tools_dir)?;
            run_cmd(
                Command::new("python3")
                    .env("PATH", path)
                    .args(["-m", "venv", "--clear"])
                    .arg(&venv),
            )?;
            run_cmd(
                Command::new(&python)
                    .args([
                        "-m",
                        "pip",
                        "install",
                        "--quiet",
                        "--disable-pip-version-check",
                    ])
                    .arg(format!("{name}=={version}")),
            )
        },
    )?;
    if !probe() {
        bail!("{} has no {name} {version}", venv.display());
    }
    Ok(python)
}

/// Warns when Chromium and ChromeDriver have different major versions (WebDriver refuses).
fn check_browser_versions(path: &OsString) {
    let major = |program| {
        let text = version_of(program, path)?;
        let number = text.split_whitespace().nth(1)?;
        Some(number.split('.').next()?.to_owned())
    };
    match (major("chromium"), major("chromedriver")) {
        (Some(a), Some(b)) if a == b => ok(&format!("chromium and chromedriver {a}")),
        (a, b) => println!("  warning: chromium {a:?} and chromedriver {b:?} may not match"),
    }
}

/// The first line of `program --version`, if it runs.
fn version_of(program: &str, path: &OsString) -> Option<String> {
    let program = find_program(program, path)?;
    let text = output(Command::new(program).arg("--version"))?;
    Some(text.lines().next()?.trim().to_owned())
}

/// Looks a program up on a PATH value, as the shell would.
pub fn find_program(name: &str, path: &OsString) -> Option<PathBuf> {
    std::env::split_paths(path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// When another process is already running `cargo install <krate>` (a second one would
/// fight over the same files and double the build time), waits for it to finish.
/// Returns whether there was one.
fn wait_for_other_install(krate: &str) -> bool {
    let running = || other_cargo_install(krate);
    if !running() {
        return false;
    }
    println!("  waiting for another `cargo install {krate}` to finish ...");
    let start = Instant::now();
    while running() {
        std::thread::sleep(Duration::from_secs(5));
        if start.elapsed().as_secs() % 60 < 5 {
            println!("  ... still waiting ({} s)", start.elapsed().as_secs());
        }
    }
    true
}

fn other_cargo_install(krate: &str) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            return false;
        };
        let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
        let is_cargo = args
            .first()
            .is_some_and(|a| a.ends_with(b"/cargo") || *a == b"cargo");
        is_cargo && args.contains(&b"install".as_slice()) && args.contains(&krate.as_bytes())
    })
}

fn cargo_home() -> Result<PathBuf> {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return Ok(PathBuf::from(home));
    }
    Ok(home()?.join(".cargo"))
}

fn cache_dir() -> Result<PathBuf> {
    match std::env::var_os("XDG_CACHE_HOME") {
        Some(dir) if !dir.is_empty() => Ok(PathBuf::from(dir)),
        _ => Ok(home()?.join(".cache")),
    }
}

fn home() -> Result<PathBuf> {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .context("HOME is not set")
}

fn ok(what: &str) {
    println!("  ok: {what}");
}

fn install(what: &str, step: impl FnOnce() -> Result<()>) -> Result<()> {
    println!("  installing {what} ...");
    let start = Instant::now();
    step().with_context(|| format!("installing {what} failed"))?;
    println!(
        "  installed {what} in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
