//! Placeholder API surface; the real implementation lands shortly.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub file_name: Option<String>,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Sv,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    FileEmpty,
}
impl Code {
    pub fn as_str(self) -> &'static str {
        "file-empty"
    }
}
#[derive(Debug, Clone)]
pub struct Finding {
    pub code: Code,
    pub line: Option<u32>,
    pub column: Option<u32>,
}
impl Finding {
    pub fn message(&self, _lang: Lang) -> String {
        String::new()
    }
}
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub codes: usize,
    pub findings: Vec<Finding>,
}
impl Report {
    pub fn is_valid(&self) -> bool {
        self.findings.is_empty()
    }
}
pub fn check(_input: &[u8], _options: &Options) -> Report {
    Report::default()
}
