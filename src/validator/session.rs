//! A check of files or pasted text: reading, validating in steps with a turn for the page
//! between them, cancelling; and the page's language.

use std::sync::Arc;

use esim_csv::{Batch, Lang};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser;
use crate::embed::Embed;
use crate::file::{check_text_length, check_total, read_bytes, ReadError};
use crate::outcome::{Checked, Source, Step, Stepper, LINES_PER_FEED};

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
}

/// The state of the page and what starts and stops checks.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    pub lang: RwSignal<Lang>,
    pub results: RwSignal<Vec<(u64, Arc<Checked>)>>,
    pub running: RwSignal<Option<Running>>,
    pub cancelled: RwSignal<bool>,
    pub read_errors: RwSignal<Vec<ReadError>>,
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
                }));
            }
            let mut inputs = Vec::new();
            let mut errors = Vec::new();
            for file in &files {
                match read_bytes(file).await {
                    Ok(bytes) => inputs.push((Source::File(file.name()), Arc::new(bytes))),
                    Err(error) => errors.push(error),
                }
                if !self.current(generation) {
                    return;
                }
            }
            self.read_errors.set(errors);
            self.check(generation, inputs).await;
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
        self.read_errors.set(vec![error]);
    }

    fn check_text(self, text: String) {
        let generation = self.begin();
        self.read_errors.set(Vec::new());
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
