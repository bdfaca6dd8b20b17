//! The rows and cells of a carrier export, whether read from text or from a workbook
//! (a leaf: `convert` and `xlsx` both use it).

/// A cell of a table: its cleaned text, its column for findings, and whether offsets in
/// the text are columns too (a cell of a text line, not a spreadsheet cell).
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    pub text: String,
    pub column: u32,
    pub inner: bool,
}

impl Cell {
    pub(crate) fn column_at(&self, offset: usize) -> u32 {
        if self.inner {
            let chars = self.text.get(..offset).map_or(0, |t| t.chars().count());
            self.column + u32::try_from(chars).unwrap_or(0)
        } else {
            self.column
        }
    }
}

/// A row of a table, at its line.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub line: u32,
    pub cells: Vec<Cell>,
}
