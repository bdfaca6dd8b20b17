//! Every label of the page in English and Swedish.
//!
//! [`labels!`] expands to one `match` that returns both texts of a label side by side, so a
//! label written in one language only does not compile; `every_label_is_translated` fails
//! when a Swedish text is empty or equals the English one (but for [`SAME_IN_BOTH`]).
//! Finding messages come from the validator (`Finding::message(lang)`), in the same
//! language.
//!
//! Texts with `{name}` placeholders are filled with [`fill`].

pub use esim_csv::Lang;

/// The `localStorage` key that remembers the user's choice.
pub const STORAGE_KEY: &str = "esim-console.lang";

/// Labels that are the same word in both languages (names, formats).
pub const SAME_IN_BOTH: &[Label] = &[
    Label::Summary,
    Label::JsonFormat,
    Label::CsvFormat,
    Label::UseIccid,
    Label::UseMatchingId,
];

/// A text on the page in both languages (the page's labels and the console's).
pub trait Text: Copy {
    /// The English and the Swedish text.
    fn texts(self) -> (&'static str, &'static str);

    /// The text in `lang`.
    fn text(self, lang: Lang) -> &'static str {
        let (en, sv) = self.texts();
        match lang {
            Lang::Sv => sv,
            _ => en,
        }
    }
}

/// Defines an enum of labels, each with its English and Swedish text side by side, so a
/// label written in one language only does not compile.
#[macro_export]
macro_rules! labels {
    ($(#[$enum_doc:meta])* $enum:ident { $($(#[$doc:meta])* $name:ident => $en:literal, $sv:literal;)* }) => {
        $(#[$enum_doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $enum {
            $($(#[$doc])* $name,)*
        }

        impl $enum {
            /// Every label, for the translation test.
            pub const ALL: &'static [$enum] = &[$($enum::$name,)*];
        }

        impl $crate::i18n::Text for $enum {
            fn texts(self) -> (&'static str, &'static str) {
                match self {
                    $($enum::$name => ($en, $sv),)*
                }
            }
        }
    };
}

labels! {
    /// A text on the validator page.
    Label {
    Title => "Check eSIM activation codes", "Kontrollera aktiveringskoder för eSIM";
    Brand => "eSIM pool console", "eSIM-poolkonsol";
    SkipToContent => "Skip to the content", "Hoppa till innehållet";
    Privacy => "Files are checked here, in your browser, and never leave this device. Checking needs no network: it works offline.",
        "Filerna kontrolleras här, i din webbläsare, och lämnar aldrig den här enheten. Kontrollen behöver inget nätverk: den fungerar offline.";
    /// The language switch shows the other language's name.
    SwitchLanguage => "Svenska", "English";
    SwitchLanguageHint => "Visa sidan på svenska", "Show the page in English";
    InputHeading => "Activation-code files", "Filer med aktiveringskoder";
    DropZone => "Drop CSV or Excel (.xlsx) files here, or press Enter to choose files",
        "Släpp CSV- eller Excel-filer (.xlsx) här, eller tryck Enter för att välja filer";
    ChooseFiles => "Choose CSV or Excel files", "Välj CSV- eller Excel-filer";
    ChooseHint => "Chosen files are checked at once; several files are checked together (an ICCID repeated in another file is found).",
        "Valda filer kontrolleras direkt; flera filer kontrolleras tillsammans (ett ICCID som upprepas i en annan fil hittas).";
    PasteLabel => "Or paste the text of a file", "Eller klistra in en fils text";
    Check => "Check", "Kontrollera";
    Checking => "Checking {name} …", "Kontrollerar {name} …";
    Progress => "{read} of {total} MB read", "{read} av {total} MB lästa";
    Cancel => "Cancel", "Avbryt";
    Cancelled => "The check was cancelled.", "Kontrollen avbröts.";
    PastedText => "Pasted text", "Inklistrad text";
    FileNamed => "File “{name}”", "Fil ”{name}”";
    Valid => "Valid", "Giltig";
    RefusedByServer => "Not uploadable: the server has some of these codes already", "Kan inte laddas upp: servern har redan några av koderna";
    Invalid => "Invalid", "Ogiltig";
    Codes => "Activation codes", "Aktiveringskoder";
    SmdpAddress => "SM-DP+ address", "SM-DP+-adress";
    NoSmdpAddress => "none found", "ingen hittad";
    Errors => "Errors", "Fel";
    Warnings => "Warnings", "Varningar";
    /// The live region's sentence; the counts are [`CodesOne`](Label::CodesOne) ... phrases.
    Summary => "{name}: {verdict}, {codes}, {errors}, {warnings}.", "{name}: {verdict}, {codes}, {errors}, {warnings}.";
    CodesOne => "{n} code", "{n} kod";
    CodesOther => "{n} codes", "{n} koder";
    ErrorsOne => "{n} error", "{n} fel";
    ErrorsOther => "{n} errors", "{n} fel";
    WarningsOne => "{n} warning", "{n} varning";
    WarningsOther => "{n} warnings", "{n} varningar";
    CountsCaption => "Findings by code", "Fynd per kod";
    MappingCaption => "How the carrier export is read", "Så läses exporten från operatören";
    ColumnNumber => "Column", "Kolumn";
    ColumnName => "Header", "Rubrik";
    ColumnUse => "Gives", "Ger";
    LeftOut => "left out of the pool file", "utelämnas ur poolfilen";
    UseIccid => "ICCID", "ICCID";
    UseMatchingId => "Matching ID", "Matching ID";
    UseLpa => "LPA activation code (SM-DP+ address and Matching ID)", "LPA-aktiveringskod (SM-DP+-adress och Matching ID)";
    UseSmdp => "SM-DP+ address", "SM-DP+-adress";
    ByHeader => "by its name", "enligt namnet";
    ByOption => "as chosen", "enligt val";
    ByContent => "by its content (no LPA strings)", "enligt innehållet (inga LPA-strängar)";
    ConvertedFrom => "Converted from {encoding}", "Konverterad från {encoding}";
    ChooseColumns => "Choose the columns", "Välj kolumnerna";
    ColumnAuto => "as the header says", "enligt rubriken";
    PickIccid => "ICCID column", "ICCID-kolumn";
    PickMatchingId => "Matching ID column", "Kolumn för Matching ID";
    PickLpa => "LPA activation code column", "Kolumn för LPA-aktiveringskod";
    PickSmdp => "SM-DP+ address column", "Kolumn för SM-DP+-adress";
    Code => "Code", "Kod";
    OnLine => "line {lines}", "rad {lines}";
    OnLines => "lines {lines}", "rader {lines}";
    Lines => "Lines", "Rader";
    Actions => "Actions", "Åtgärder";
    ShowEach => "Show each", "Visa var och en";
    ShowEachNamed => "Show each {code} finding", "Visa varje fynd {code}";
    CloseSource => "Close the source view", "Stäng källvyn";
    Severity => "Severity", "Allvarlighet";
    Count => "Count", "Antal";
    SeverityError => "error", "fel";
    SeverityWarning => "warning", "varning";
    PoolName => "Pool name", "Poolnamn";
    UseSmdpName => "Use “{label}”", "Använd ”{label}”";
    FindingsCaption => "Findings", "Fynd";
    Line => "Line", "Rad";
    Column => "Column", "Kolumn";
    Message => "Message", "Meddelande";
    FilterLabel => "Show findings with code", "Visa fynd med koden";
    AllCodes => "all codes", "alla koder";
    PageInfo => "Findings {from}–{to} of {total}", "Fynd {from}–{to} av {total}";
    Previous => "Previous page", "Föregående sida";
    Next => "Next page", "Nästa sida";
    Truncated => "Only the first {n} findings are listed; the counts above include every finding.",
        "Bara de första {n} fynden listas; antalen ovan räknar alla fynd.";
    NoFindings => "No findings.", "Inga fynd.";
    ShowLine => "Show line {line} in the file", "Visa rad {line} i filen";
    SourceHeading => "The file at line {line}", "Filen vid rad {line}";
    SourceRegion => "Contents of {name}, line by line", "Innehållet i {name}, rad för rad";
    FixAll => "Fix every safe problem", "Åtgärda alla säkra problem";
    Fixing => "Fixing …", "Åtgärdar …";
    FixHeading => "What the fix changed", "Vad åtgärden ändrade";
    NothingToFix => "No safe fix applies to this file.", "Ingen säker åtgärd gäller den här filen.";
    ChangedLinesOne => "{n} line changed or removed.", "{n} rad ändrad eller borttagen.";
    ChangedLines => "{n} lines changed or removed.", "{n} rader ändrade eller borttagna.";
    MoreChanges => "… and {n} more.", "… och {n} till.";
    Before => "Before", "Före";
    After => "After", "Efter";
    Removed => "removed", "borttagen";
    FileWide => "Whole file", "Hela filen";
    FixedVerdict => "After the fix the file is: {verdict}", "Efter åtgärden är filen: {verdict}";
    LeftAfterFixOne => "{n} error is left for a person to correct:", "{n} fel återstår att rätta för hand:";
    LeftAfterFix => "{n} errors are left for a person to correct:", "{n} fel återstår att rätta för hand:";
    DownloadFixed => "Download the repaired file", "Ladda ner den åtgärdade filen";
    DownloadParts => "Download {n} split files (at most 1,000 codes and one SM-DP+ address each)",
        "Ladda ner {n} delade filer (högst 1 000 koder och en SM-DP+-adress var)";
    CannotSplit => "The file needs splitting, but first correct {errors}.",
        "Filen behöver delas, men rätta först {errors}.";
    DownloadJson => "Download the report as JSON", "Ladda ner rapporten som JSON";
    DownloadCsv => "Download the report as CSV", "Ladda ner rapporten som CSV";
    JsonFormat => "JSON", "JSON";
    CsvFormat => "CSV", "CSV";
    TooLarge => "{name} is {size} MB; files over {max} MB are not read.",
        "{name} är {size} MB; filer över {max} MB läses inte.";
    TooMuch => "These {files} files are {size} MB together; one check reads at most {max} MB. Choose fewer files at a time.",
        "De här {files} filerna är {size} MB tillsammans; en kontroll läser högst {max} MB. Välj färre filer åt gången.";
    TextTooLong => "The pasted text has {count} million characters; text over {max} million characters is not checked here. Save it as a file and choose that.",
        "Den inklistrade texten har {count} miljoner tecken; text över {max} miljoner tecken kontrolleras inte här. Spara den som en fil och välj den.";
    InputTooLarge => "The input is {size} MB; inputs over {max} MB are not checked.",
        "Indata är {size} MB; indata över {max} MB kontrolleras inte.";
    BrowserError => "The browser could not read {name}: {detail}", "Webbläsaren kunde inte läsa {name}: {detail}";
    Results => "Results", "Resultat";
    // Excel workbooks in the browser (src/workbook.rs, the validator page's sheet picker).
    WorkbookTooLarge => "{name} is a workbook of {size} MB; workbooks over {max} MB are not read in the browser. Save its sheet as CSV UTF-8 and choose that, or convert it with the command line (esim-csv fix).",
        "{name} är en arbetsbok på {size} MB; arbetsböcker över {max} MB läses inte i webbläsaren. Spara bladet som CSV UTF-8 och välj den filen, eller konvertera den med kommandoraden (esim-csv fix).";
    WorkbookUnreadable => "{name} could not be read as an Excel workbook: {detail}",
        "{name} kunde inte läsas som en Excel-arbetsbok: {detail}";
    ReadingWorkbook => "Reading the workbook {name} …", "Läser arbetsboken {name} …";
    SheetOf => "Sheet of {name}", "Blad i {name}";
    SheetHint => "The workbook has several sheets; the first was read. Choose another to convert it instead.",
        "Arbetsboken har flera blad; det första lästes. Välj ett annat för att konvertera det i stället.";
    }
}

/// The text of `label` in `lang`.
pub fn t(lang: Lang, label: impl Text) -> &'static str {
    label.text(lang)
}

/// The text of `label` in `lang` with each `{name}` replaced by its value.
pub fn tf(lang: Lang, label: impl Text, values: &[(&str, &str)]) -> String {
    fill(label.text(lang), values)
}

/// Fails when a label has no text in one language, the same text in both (but for
/// `same_in_both`), or a placeholder in one language only. Each list of labels calls it
/// from its own test.
pub fn assert_translated<L: Text + std::fmt::Debug + PartialEq>(all: &[L], same_in_both: &[L]) {
    for label in all {
        let (en, sv) = label.texts();
        assert!(!en.trim().is_empty(), "{label:?} has no English text");
        assert!(!sv.trim().is_empty(), "{label:?} has no Swedish text");
        if !same_in_both.contains(label) {
            assert_ne!(en, sv, "{label:?} is not translated");
        }
        // A placeholder in one language must be in the other.
        let placeholders = |text: &str| {
            let mut names: Vec<String> = text
                .split('{')
                .skip(1)
                .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
                .collect();
            names.sort();
            names
        };
        assert_eq!(placeholders(en), placeholders(sv), "{label:?}");
    }
}

/// Replaces each `{name}` in `template` by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The language to start with: the remembered choice, else the browser's language.
pub fn initial(stored: Option<&str>, browser: Option<&str>) -> Lang {
    stored.or(browser).map(Lang::from_tag).unwrap_or_default()
}

/// The other language (what the switch offers).
pub fn other(lang: Lang) -> Lang {
    match lang {
        Lang::Sv => Lang::En,
        _ => Lang::Sv,
    }
}

/// True when `n` takes the language's "one" form (`1 code`, not `1 codes`): the browser's
/// `Intl.PluralRules` for the language in the page; English's and Swedish's rule (one for
/// exactly 1, as esim-csv's messages have it) in native code, where there is no `Intl`, and
/// in the browser until its `Intl` is ready ([`intl::ready`]).
pub fn is_one(lang: Lang, n: usize) -> bool {
    #[cfg(target_arch = "wasm32")]
    if intl::ready() {
        return intl::plural(lang, n as f64) == "one";
    }
    let _ = lang;
    n == 1
}

/// Whether numbers and plurals come from the browser's `Intl` yet: not until the browser
/// was idle once after the page started (`intl::ready`); never in native code.
pub fn intl_ready() -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        intl::ready()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        false
    }
}

/// `n` in the label of its plural form (`one` or `other`), `{n}` written the language's way:
/// `1 code`, `1,001 codes`, `1 001 koder`.
pub fn counted(lang: Lang, n: usize, one: impl Text, other: impl Text) -> String {
    let label = if is_one(lang, n) {
        one.text(lang)
    } else {
        other.text(lang)
    };
    fill(label, &[("n", &number(lang, n))])
}

/// A number the way the language writes it: `1,234,567` or `1 234 567` (a no-break space).
/// In the browser, `Intl.NumberFormat` of the language (one formatter per language, made
/// once) once it is ready ([`intl::ready`]); in native code (tests, the command line) and
/// before then, esim-csv's [`esim_csv::number`], which writes what `Intl` writes for English
/// and Swedish (`tests/web.rs` compares the two), so a number in a finding's message and the
/// same number beside it read alike.
pub fn number(lang: Lang, n: usize) -> String {
    #[cfg(target_arch = "wasm32")]
    if let Some(text) = intl::ready()
        .then(|| intl::format(intl::Style::Whole, lang, n as f64))
        .flatten()
    {
        return text;
    }
    esim_csv::number(lang, n as u64)
}

/// A number of tenths written with one decimal the way the language writes it: `1.5` or
/// `1,5` (`Intl.NumberFormat` with one fraction digit in the browser, once it is ready).
pub fn tenths(lang: Lang, tenths: usize) -> String {
    #[cfg(target_arch = "wasm32")]
    if let Some(text) = intl::ready()
        .then(|| intl::format(intl::Style::Tenths, lang, tenths as f64 / 10.0))
        .flatten()
    {
        return text;
    }
    let point = match lang {
        Lang::Sv => ',',
        _ => '.',
    };
    format!("{}{point}{}", number(lang, tenths / 10), tenths % 10)
}

/// The browser's `Intl` formatters, one of each kind per language, kept for the page's
/// life: making an `Intl.NumberFormat` costs far more than formatting with one, and a table
/// formats thousands of numbers.
///
/// The page's first `Intl` object costs far more again: V8 loads its locale tables then (in
/// `esim-bench startup`'s CPU profiles, the largest single cost of mounting the console,
/// the device table's first count). So the page does not wait for it: the first `Intl`
/// object is made when the browser is next idle after the page starts, and until then
/// numbers and plurals come from the native rules, which write the same text for English
/// and Swedish (`tests/web.rs`, `the_validators_numbers_and_plurals_are_the_browsers`). A
/// text drawn before then is not drawn again when `Intl` is ready: it reads the same.
#[cfg(target_arch = "wasm32")]
mod intl {
    use std::cell::{Cell, RefCell};

    use js_sys::{Array, Function, Intl, Object, Reflect};
    use wasm_bindgen::JsValue;

    use super::Lang;

    /// What a number formatter writes.
    #[derive(Clone, Copy, PartialEq, Eq)]
    pub enum Style {
        /// Whole numbers: `1,001`.
        Whole,
        /// One decimal: `1.5`.
        Tenths,
    }

    thread_local! {
        /// The bound `format` function of each formatter made so far.
        static FORMATS: RefCell<Vec<(Style, Lang, Function)>> = const { RefCell::new(Vec::new()) };
        /// The plural rules of each language asked for so far.
        static PLURALS: RefCell<Vec<(Lang, Intl::PluralRules)>> = const { RefCell::new(Vec::new()) };
        /// Whether the page's first `Intl` object has been made ([`ready`]).
        static READY: Cell<bool> = const { Cell::new(false) };
        /// Whether making it is scheduled.
        static SCHEDULED: Cell<bool> = const { Cell::new(false) };
    }

    /// Whether `Intl` is ready to use: the page's first `Intl` object has been made. The
    /// first call schedules it for when the browser is next idle (`requestIdleCallback`; a
    /// zero timeout where there is none), so that its cost never lands in the middle of
    /// drawing a view.
    pub fn ready() -> bool {
        if READY.get() {
            return true;
        }
        if !SCHEDULED.replace(true) {
            let warm = || {
                // The page's language's formatter and plural rules (`<html lang>`), made while
                // nothing else runs.
                let lang = leptos::prelude::document()
                    .document_element()
                    .and_then(|root| root.get_attribute("lang"))
                    .map_or(Lang::En, |tag| Lang::from_tag(&tag));
                let _ = format(Style::Whole, lang, 0.0);
                let _ = plural(lang, 0.0);
                READY.set(true);
            };
            if leptos::prelude::request_idle_callback_with_handle(warm).is_err() {
                leptos::prelude::set_timeout(warm, std::time::Duration::ZERO);
            }
        }
        false
    }

    fn locales(lang: Lang) -> Array {
        Array::of1(&JsValue::from_str(lang.tag()))
    }

    /// `n` through the language's formatter of `style`; `None` if the formatter gave no
    /// text (the caller falls back to the native rules: `f64`'s own formatting would bring
    /// Rust's float printing into the wasm, about 11 KB).
    pub fn format(style: Style, lang: Lang, n: f64) -> Option<String> {
        let format = FORMATS.with_borrow_mut(|formats| {
            if let Some((_, _, f)) = formats.iter().find(|(s, l, _)| *s == style && *l == lang) {
                return f.clone();
            }
            let options = Object::new();
            if style == Style::Tenths {
                for key in ["minimumFractionDigits", "maximumFractionDigits"] {
                    let _ = Reflect::set(&options, &key.into(), &1.into());
                }
            }
            let f = Intl::NumberFormat::new(&locales(lang), &options).format();
            formats.push((style, lang, f.clone()));
            f
        });
        format
            .call1(&JsValue::NULL, &JsValue::from_f64(n))
            .ok()
            .and_then(|s| s.as_string())
    }

    /// The plural category (`one`, `other` ...) of `n` in the language.
    pub fn plural(lang: Lang, n: f64) -> String {
        PLURALS.with_borrow_mut(|rules| {
            if let Some((_, r)) = rules.iter().find(|(l, _)| *l == lang) {
                return String::from(r.select(n));
            }
            let r = Intl::PluralRules::new(&locales(lang), &Object::new());
            let category = String::from(r.select(n));
            rules.push((lang, r));
            category
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_take_the_plural_form() {
        assert_eq!(
            counted(Lang::En, 1, Label::CodesOne, Label::CodesOther),
            "1 code"
        );
        assert_eq!(
            counted(Lang::En, 1_001, Label::CodesOne, Label::CodesOther),
            "1,001 codes"
        );
        assert_eq!(
            counted(Lang::Sv, 1, Label::WarningsOne, Label::WarningsOther),
            "1 varning"
        );
        assert_eq!(
            counted(Lang::Sv, 1_001, Label::CodesOne, Label::CodesOther),
            "1\u{a0}001 koder"
        );
        assert_eq!(
            counted(Lang::En, 0, Label::ErrorsOne, Label::ErrorsOther),
            "0 errors"
        );
    }

    #[test]
    fn every_label_is_translated() {
        assert_translated(Label::ALL, SAME_IN_BOTH);
    }

    #[test]
    fn the_validator_speaks_both_languages() {
        // Every finding message exists in Swedish too (the crate has its own test for each
        // code; this one checks the console asks for the right language).
        let report = esim_csv::check(b"smdp.example.com\n123,abc\n", &Default::default());
        for finding in &report.findings {
            assert_ne!(finding.message(Lang::En), finding.message(Lang::Sv));
        }
    }

    #[test]
    fn language_comes_from_the_choice_then_the_browser() {
        assert_eq!(initial(None, Some("sv-SE")), Lang::Sv);
        assert_eq!(initial(None, Some("en-GB")), Lang::En);
        assert_eq!(initial(Some("en"), Some("sv-SE")), Lang::En);
        assert_eq!(initial(Some("sv"), None), Lang::Sv);
        assert_eq!(initial(None, None), Lang::En);
        assert_eq!(other(Lang::En), Lang::Sv);
        assert_eq!(other(Lang::Sv), Lang::En);
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            tf(Lang::Sv, Label::ShowLine, &[("line", "7")]),
            "Visa rad 7 i filen"
        );
        assert_eq!(number(Lang::En, 1_234_567), "1,234,567");
        assert_eq!(number(Lang::Sv, 1000), "1\u{a0}000");
        assert_eq!(number(Lang::En, 999), "999");
        assert_eq!(tenths(Lang::En, 15), "1.5");
        assert_eq!(tenths(Lang::Sv, 12_345), "1\u{a0}234,5");
        assert_eq!(tenths(Lang::En, 3), "0.3");
    }
}
