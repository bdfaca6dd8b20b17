//! The tool versions the project pins, read from the files that pin them, so that each
//! version is written down once.

use std::path::Path;

use anyhow::{bail, Context, Result};

/// Trunk is a build tool, not a dependency: its version is pinned here. 0.21.14 is the
/// newest release that builds on stable Rust 1.95 (0.22 needs a newer rustc).
pub const TRUNK: &str = "0.21.14";

/// Papa Parse, the JavaScript CSV parser `cargo xtask bench` compares the validator with
/// (from npm, into the per-user tool cache).
pub const PAPAPARSE: &str = "5.7.1";

/// axe-core, the accessibility checker the end-to-end tests inject into the page (from
/// npm, into the per-user tool cache).
pub const AXE_CORE: &str = "4.10.3";

/// oidc-provider, the OpenID-certified provider the sign-in tests run
/// (`tests/oidc/provider.mjs`; from npm, into the per-user tool cache).
pub const OIDC_PROVIDER: &str = "9.13.3";

/// Microsoft's Graph beta SDK for Python, which runs the pool workflow against the server
/// (`crates/esim-server/tests/graph_sdk.rs`; from PyPI, into a virtual environment in the
/// per-user tool cache).
pub const MSGRAPH_BETA_SDK: &str = "1.66.0";

/// The versions read from the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinned {
    /// `wasm-bindgen` in Cargo.lock, e.g. `0.2.130`.
    pub wasm_bindgen: String,
    /// binaryen's version number from Trunk.toml's `wasm_opt = "version_N"`, e.g. `132`.
    pub binaryen: String,
}

impl Pinned {
    /// Reads the pins and checks that Cargo.lock and Trunk.toml agree on wasm-bindgen.
    pub fn read(root: &Path) -> Result<Self> {
        let lock = read(&root.join("Cargo.lock"))?;
        let trunk = read(&root.join("Trunk.toml"))?;
        let wasm_bindgen = locked_version(&lock, "wasm-bindgen")
            .context("Cargo.lock has no wasm-bindgen package")?;
        let trunk_wasm_bindgen = toml_string(&trunk, "wasm_bindgen")
            .context("Trunk.toml has no [tools] wasm_bindgen")?;
        if trunk_wasm_bindgen != wasm_bindgen {
            bail!(
                "Trunk.toml pins wasm_bindgen = {trunk_wasm_bindgen:?} but Cargo.lock has \
                 wasm-bindgen {wasm_bindgen}: make them equal (and the `=` pin in Cargo.toml)"
            );
        }
        let wasm_opt =
            toml_string(&trunk, "wasm_opt").context("Trunk.toml has no [tools] wasm_opt")?;
        let binaryen = wasm_opt
            .strip_prefix("version_")
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .with_context(|| format!("Trunk.toml: wasm_opt = {wasm_opt:?} is not version_N"))?
            .to_owned();
        Ok(Self {
            wasm_bindgen,
            binaryen,
        })
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The version of a package in Cargo.lock (the first, if several are locked).
pub fn locked_version(lock: &str, package: &str) -> Option<String> {
    let wanted = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let version = lines.next()?.trim().strip_prefix("version = ")?;
            return Some(version.trim_matches('"').to_owned());
        }
    }
    None
}

/// The string value of `key = "value"` in a small TOML file (first occurrence).
fn toml_string(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once('=')?;
        if k.trim() != key {
            return None;
        }
        let v = v.split('#').next()?.trim();
        Some(v.strip_prefix('"')?.strip_suffix('"')?.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_locked_version() {
        let lock = "[[package]]\nname = \"wasm-bindgen-futures\"\nversion = \"0.4.1\"\n\n\
                    [[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.9\"\n";
        assert_eq!(
            locked_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.9")
        );
        assert_eq!(locked_version(lock, "leptos"), None);
    }

    #[test]
    fn reads_a_toml_string() {
        let text = "[tools]\n# c\nwasm_opt = \"version_132\" # comment\n";
        assert_eq!(
            toml_string(text, "wasm_opt").as_deref(),
            Some("version_132")
        );
        assert_eq!(toml_string(text, "wasm_bindgen"), None);
    }

    /// Guards against drift: the `=` pin in Cargo.toml, Cargo.lock and Trunk.toml must name
    /// the same wasm-bindgen, or Trunk and wasm-bindgen-test-runner refuse the build.
    #[test]
    fn the_repository_pins_agree() {
        let root = crate::project_root();
        let pinned = Pinned::read(&root).unwrap();
        let manifest = read(&root.join("Cargo.toml")).unwrap();
        let pin = format!("wasm-bindgen = \"={}\"", pinned.wasm_bindgen);
        assert!(
            manifest.lines().any(|line| line.trim() == pin),
            "Cargo.toml should contain `{pin}`"
        );
        assert!(
            pinned.binaryen.parse::<u32>().unwrap() >= 116,
            "binaryen < 116 breaks the output"
        );
    }
}
