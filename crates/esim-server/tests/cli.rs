//! The command line of the real binary: unknown or misspelt options are refused with a
//! suggestion (never ignored), `--help`, `--version` and shell completions.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_esim-server");

/// Runs the binary with these arguments and no database in the environment; gives up
/// (killing it) after 20 s, so a server that starts instead of refusing fails the test.
fn run(args: &[&str]) -> Output {
    let dir = std::env::temp_dir().join(format!("esim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(&dir)
        .env_remove("ESIM_DATABASE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run esim-server");
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "esim-server {args:?} did not exit (it started?); stdout: {}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_misspelt_option_is_refused_with_a_suggestion() {
    let out = run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--databse",
        "postgres://postgres@127.0.0.1:1/nothing",
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        !text(&out.stdout).contains("listening"),
        "it must not start on the default SQLite file"
    );
    assert!(stderr.contains("'--databse'"), "{stderr}");
    assert!(
        stderr.contains("a similar argument exists: '--database'"),
        "{stderr}"
    );

    let out = run(&["serve", "--listen", "127.0.0.1:0", "--frame-ancestor"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("a value is required"));

    let out = run(&["token", "create", "--role", "admn"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("a similar value exists: 'admin'"),
        "{stderr}"
    );

    let out = run(&["sever"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("a similar subcommand exists: 'serve'"),
        "{stderr}"
    );

    let out = run(&[
        "simulate",
        "--url",
        "http://127.0.0.1:1",
        "--token",
        "t",
        "--rounds",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("invalid value 'x' for '--rounds"));
}

#[test]
fn help_version_and_completions() {
    let out = run(&["--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for command in ["serve", "token", "simulate", "completions"] {
        assert!(help.contains(command), "{help}");
    }
    assert!(
        help.contains("ESIM_DATABASE") && help.contains("RUST_LOG"),
        "{help}"
    );

    let out = run(&["serve", "--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for option in [
        "--listen",
        "--database",
        "--static-dir",
        "--cors-origin",
        "--frame-ancestor",
        "--body-limit",
        "--public-url",
    ] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }

    let out = run(&["--version"]);
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout).trim(),
        format!("esim-server {}", env!("CARGO_PKG_VERSION"))
    );

    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef esim-server"),
        ("fish", "complete -c esim-server"),
    ] {
        let out = run(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let script = text(&out.stdout);
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(script.contains("frame-ancestor"), "{shell}");
    }
}

#[test]
fn a_device_token_needs_its_device() {
    let out = run(&[
        "token",
        "create",
        "--role",
        "device",
        "--database",
        "sqlite://cli-never-created.db",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("a device token needs --device ID"));
}
