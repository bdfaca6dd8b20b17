//! Named, timed steps that stop at the first failure.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// Records how long each step took and which one failed.
#[derive(Debug, Default)]
pub struct Steps {
    done: Vec<(String, Duration, bool)>,
}

impl Steps {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs one step; on failure the error names the step.
    pub fn run<T>(&mut self, name: &str, step: impl FnOnce() -> Result<T>) -> Result<T> {
        println!("\n==> {name}");
        let start = Instant::now();
        let result = step();
        self.done
            .push((name.to_owned(), start.elapsed(), result.is_ok()));
        result.with_context(|| format!("step `{name}` failed"))
    }

    /// Runs one step that is a single command.
    pub fn cmd(&mut self, name: &str, command: &mut Command) -> Result<()> {
        self.run(name, || run_cmd(command))
    }

    /// Prints every step's duration and the total.
    pub fn print_summary(&self) {
        println!("\nstep durations:");
        for (name, took, ok) in &self.done {
            let mark = if *ok { "ok    " } else { "FAILED" };
            println!("  {mark} {:>8.1}s  {name}", took.as_secs_f64());
        }
        let total: Duration = self.done.iter().map(|(_, took, _)| *took).sum();
        println!("  total  {:>8.1}s", total.as_secs_f64());
    }
}

/// Prints and runs a command, inheriting stdio; a non-zero exit is an error.
pub fn run_cmd(command: &mut Command) -> Result<()> {
    println!("$ {}", show(command));
    let status = command
        .status()
        .with_context(|| format!("cannot start `{}`", show(command)))?;
    if !status.success() {
        bail!("`{}` exited with {status}", show(command));
    }
    Ok(())
}

/// Runs a command and returns its standard output, or `None` if it cannot be started or
/// fails (used to probe for installed tools).
pub fn output(command: &mut Command) -> Option<String> {
    let out = command.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The command line as a user could type it (environment changes are not shown).
pub fn show(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Prints the free space of the file system holding `dir` (from `df`; nothing if `df` is
/// missing), for the summary of a failed run.
pub fn print_free_space(dir: &std::path::Path) {
    let Some(table) = output(Command::new("df").args(["-Pk"]).arg(dir)) else {
        return;
    };
    if let Some(kib) = available_kib(&table) {
        println!(
            "  free disk space where the build writes: {:.1} GB",
            kib as f64 * 1024.0 / 1e9
        );
    }
}

/// The "Available" column (KiB) of `df -Pk`'s one data line.
fn available_kib(table: &str) -> Option<u64> {
    table
        .lines()
        .nth(1)?
        .split_whitespace()
        .nth(3)?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::available_kib;

    #[test]
    fn reads_the_available_column_of_df() {
        let table = "Filesystem 1024-blocks Used Available Capacity Mounted on\n\
                     /dev/vda 264091588 14585132 81727612 16% /\n";
        assert_eq!(available_kib(table), Some(81_727_612));
        assert_eq!(available_kib("Filesystem\n"), None);
    }
}
