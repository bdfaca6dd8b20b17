//! A check of files or pasted text: reading, validating in steps with a turn for the page
//! between them, cancelling; and the page's language.

use std::sync::Arc;

use esim_csv::{Batch, Lang};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser;
use crate::embed::Embed;
use crate::file::{check_text_length, check_total, check_workbook_size, read_bytes, ReadError};
use crate::outcome::{Checked, Source, Step, Stepper, LINES_PER_FEED};
use crate::workbook;

/// Files over this size show the progress bar from the start (while they are read).
const PROGRESS_FROM_BYTES: usize = 1024 * 1024;
/// How long the validator works before the page gets a turn.
pub const STEP_MS: f64 = 12.0;

/// The page's language, shared by context.
#[derive(Debug, Clone, Copy)]
pub struct UiLang(pub RwSignal<Lang>);

/// The page's language (English outside the app, as in tests).
pub fn use_lang() -> RwSignal<Lang> {
    use_context::<UiLang>().map_or_else(|| RwSignal::new(Lang::En), |ui| ui.0)
}

/// A validation in progress.
#[derive(Debug, Clone, PartialEq)]
pub struct Running {
    pub name: String,
    pub read: usize,
    pub total: usize,
    /// A workbook being read (by its worker, which tells no progress).
    pub workbook: bool,
}

/// A workbook of several sheets that was opened, for the sheet picker.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenWorkbook {
    pub name: String,
    pub bytes: Arc<Vec<u8>>,
    pub sheets: Vec<String>,
    /// The sheet read.
    pub sheet: String,
}

/// The state of the page and what starts and stops checks.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    pub lang: RwSignal<Lang>,
    pub results: RwSignal<Vec<(u64, Arc<Checked>)>>,
    pub running: RwSignal<Option<Running>>,
    pub cancelled: RwSignal<bool>,
    pub read_errors: RwSignal<Vec<ReadError>>,
    /// The workbooks of several sheets among the files of the last check.
    pub workbooks: RwSignal<Vec<OpenWorkbook>>,
    /// Bumped by every new check and by cancel; a run that sees another value stops.
    generation: StoredValue<u64>,
    next_id: StoredValue<u64>,
    embed: StoredValue<Option<Embed>>,
}

impl Session {
    /// A page with no check yet; `embed` is told every verdict when the page is embedded.
    pub fn new(lang: RwSignal<Lang>, embed: Option<Embed>) -> Session {
        Session {
            lang,
            results: RwSignal::new(Vec::new()),
            running: RwSignal::new(None),
            cancelled: RwSignal::new(false),
            read_errors: RwSignal::new(Vec::new()),
            workbooks: RwSignal::new(Vec::new()),
            generation: StoredValue::new(0),
            next_id: StoredValue::new(0),
            embed: StoredValue::new(embed),
        }
    }

    /// The embedding page's link, when the page is embedded.
    pub fn embed(self) -> Option<Embed> {
        self.embed.get_value()
    }

    fn begin(self) -> u64 {
        self.generation.update_value(|g| *g += 1);
        self.cancelled.set(false);
        self.generation.get_value()
    }

    fn current(self, generation: u64) -> bool {
        self.generation.get_value() == generation
    }

    /// Puts `checked` (the file of result `id` checked again) in that result's place,
    /// under a new id so its view is built anew; returns the new id.
    pub fn replace(self, id: u64, checked: Checked) -> u64 {
        self.next_id.update_value(|n| *n += 1);
        let new_id = self.next_id.get_value();
        self.results.update(|results| {
            if let Some(entry) = results.iter_mut().find(|(i, _)| *i == id) {
                *entry = (new_id, Arc::new(checked));
            }
        });
        new_id
    }

    pub fn cancel(self) {
        self.generation.update_value(|g| *g += 1);
        self.running.set(None);
        self.cancelled.set(true);
    }

    pub fn open_files(self, files: Vec<web_sys::File>) {
        if files.is_empty() {
            return;
        }
        let generation = self.begin();
        // Several files over the total are refused before any is read: the browser aborts
        // the tab when the wasm runs out of memory, and no later step could stop it.
        let sizes: Vec<f64> = files.iter().map(|file| file.size()).collect();
        if let Err(error) = check_total(&sizes) {
            self.refuse(error);
            return;
        }
        spawn_local(async move {
            let total: f64 = files.iter().map(|file| file.size()).sum();
            if total as usize > PROGRESS_FROM_BYTES {
                self.running.set(Some(Running {
                    name: files[0].name(),
                    read: 0,
                    total: total as usize,
                    workbook: false,
                }));
            }
            let mut inputs = Vec::new();
            let mut errors = Vec::new();
            let mut workbooks = Vec::new();
            for file in &files {
                let name = file.name();
                // A workbook over its cap is refused before it is read.
                if workbook::is_workbook(&name, &[]) {
                    if let Err(error) = check_workbook_size(&name, file.size()) {
                        errors.push(error);
                        continue;
                    }
                }
                match read_bytes(file).await {
                    Ok(bytes) if workbook::is_workbook(&name, &bytes) => {
                        match self
                            .read_workbook(generation, &name, Arc::new(bytes), None)
                            .await
                        {
                            Ok((text, book)) => {
                                inputs.push((Source::File(name), text));
                                workbooks.extend(book);
                            }
                            Err(error) => errors.push(error),
                        }
                    }
                    Ok(bytes) => inputs.push((Source::File(name), Arc::new(bytes))),
                    Err(error) => errors.push(error),
                }
                if !self.current(generation) {
                    return;
                }
            }
            self.read_errors.set(errors);
            self.workbooks.set(workbooks);
            self.check(generation, inputs).await;
        });
    }

    /// Reads `sheet` (the first when `None`) of the workbook `bytes` in its worker
    /// (`crate::workbook`): the sheet's text to check, and the workbook for the sheet
    /// picker when it has several sheets.
    async fn read_workbook(
        self,
        generation: u64,
        name: &str,
        bytes: Arc<Vec<u8>>,
        sheet: Option<&str>,
    ) -> Result<(Arc<Vec<u8>>, Option<OpenWorkbook>), ReadError> {
        check_workbook_size(name, bytes.len() as f64)?;
        self.running.set(Some(Running {
            name: name.to_owned(),
            read: 0,
            total: bytes.len(),
            workbook: true,
        }));
        let read = workbook::read(&bytes, sheet).await;
        if self.current(generation) {
            self.running.set(None);
        }
        let read = read.map_err(|detail| ReadError::Workbook {
            name: name.to_owned(),
            detail,
        })?;
        let book = (read.sheets.len() > 1).then(|| OpenWorkbook {
            name: name.to_owned(),
            bytes,
            sheets: read.sheets,
            sheet: read.sheet,
        });
        Ok((Arc::new(read.text.into_bytes()), book))
    }

    /// Reads another sheet of an opened workbook and checks it in place of the last check.
    pub fn open_sheet(self, book: OpenWorkbook, sheet: String) {
        let generation = self.begin();
        spawn_local(async move {
            let read = self
                .read_workbook(generation, &book.name, book.bytes.clone(), Some(&sheet))
                .await;
            if !self.current(generation) {
                return;
            }
            match read {
                Ok((text, chosen)) => {
                    self.read_errors.set(Vec::new());
                    self.workbooks.set(chosen.into_iter().collect());
                    self.check(generation, vec![(Source::File(book.name), text)])
                        .await;
                }
                Err(error) => self.refuse(error),
            }
        });
    }

    /// Checks the text of the text area, unless it is over [`crate::file::MAX_TEXT_CHARS`]
    /// (measured in the browser, before the text is copied into the wasm).
    pub fn check_text_area(self, area: &web_sys::HtmlTextAreaElement) {
        if let Err(error) = check_text_length(area.text_length()) {
            self.begin();
            self.refuse(error);
            return;
        }
        self.check_text(area.value());
    }

    /// Shows why nothing was checked, in place of the last results.
    fn refuse(self, error: ReadError) {
        self.running.set(None);
        self.results.set(Vec::new());
        self.workbooks.set(Vec::new());
        self.read_errors.set(vec![error]);
    }

    fn check_text(self, text: String) {
        let generation = self.begin();
        self.read_errors.set(Vec::new());
        self.workbooks.set(Vec::new());
        spawn_local(async move {
            self.check(
                generation,
                vec![(Source::Pasted, Arc::new(text.into_bytes()))],
            )
            .await;
        });
    }

    /// Checks one input in steps (with progress), or several together (cross-file
    /// duplicates), yielding to the page between steps.
    async fn check(self, generation: u64, inputs: Vec<(Source, Arc<Vec<u8>>)>) {
        let mut checked = Vec::new();
        // One file is checked alone; several as one batch, so an ICCID repeated in a later
        // file is found. Either way in steps, with a turn for the page between them.
        let mut batch = (inputs.len() > 1).then(Batch::new);
        let total: usize = inputs.iter().map(|(_, bytes)| bytes.len()).sum();
        let mut done_bytes = 0;
        for (source, bytes) in inputs {
            let name = source.file_name().to_owned();
            let size = bytes.len();
            let mut stepper = match &batch {
                Some(batch) => Stepper::in_batch(batch, source, bytes),
                None => Stepper::new(source, bytes),
            };
            loop {
                let start = browser::now_ms();
                let done = loop {
                    match stepper.step_in(LINES_PER_FEED, batch.as_mut()) {
                        Step::Done(done) => break Some(*done),
                        Step::Reading(read) if browser::now_ms() - start > STEP_MS => {
                            self.running.set(Some(Running {
                                name: name.clone(),
                                read: done_bytes + read,
                                total,
                                workbook: false,
                            }));
                            break None;
                        }
                        Step::Reading(_) => {}
                    }
                };
                if let Some(done) = done {
                    checked.push(done);
                    break;
                }
                browser::yield_now().await;
                if !self.current(generation) {
                    return;
                }
            }
            done_bytes += size;
        }
        if let Some(embed) = self.embed.get_value() {
            for file in &checked {
                embed.publish(file.source.file_name(), &file.report);
            }
        }
        let mut results = Vec::new();
        for file in checked {
            self.next_id.update_value(|id| *id += 1);
            results.push((self.next_id.get_value(), Arc::new(file)));
        }
        self.running.set(None);
        self.results.set(results);
    }
}
