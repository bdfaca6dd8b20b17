//! Scratch folders and the release build a tool measures.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

/// A folder of this process's own under the system's temporary folder (`NAME-PID`),
/// removed with everything in it when dropped - also when the work in it fails.
#[derive(Debug)]
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    pub fn new(name: &str) -> std::io::Result<ScratchDir> {
        let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(ScratchDir(dir))
    }
}

impl std::ops::Deref for ScratchDir {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Fails unless `dist` holds a release build of the console (`trunk build --release`).
pub fn release_build(dist: &Path) -> Result<()> {
    if !dist.join("index.html").is_file() {
        bail!(
            "{} has no index.html (trunk build --release)",
            dist.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::ScratchDir;

    #[test]
    fn a_scratch_folder_goes_with_its_owner() {
        let dir = ScratchDir::new("esim-scratch-test").unwrap();
        std::fs::write(dir.join("file"), b"x").unwrap();
        let path = dir.to_path_buf();
        assert!(path.join("file").is_file());
        drop(dir);
        assert!(!path.exists());
    }
}
