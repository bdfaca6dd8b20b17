//! Every message in English and Swedish. One `match` per language pair keeps them side by
//! side, so a code cannot get a message in one language only (the compiler and the test
//! `every_code_has_both_languages` check it).

use crate::code::Code;
#[cfg(test)]
use crate::report::{shorten, MAX_SHOWN};
use crate::report::{Finding, Fix, Lang};

fn q(s: &Option<String>) -> String {
    match s {
        Some(s) => format!("\"{s}\""),
        None => "\"\"".to_owned(),
    }
}

/// `n` written the language's way, as CLDR (and so the browser's `Intl.NumberFormat`)
/// writes it: `1,001` in English, `1 001` in Swedish (a no-break space, U+00A0). The
/// command line and the server have no `Intl`; the browser app checks that this gives
/// what `Intl.NumberFormat` gives, so a finding's numbers read the same everywhere.
pub fn number(lang: Lang, n: u64) -> String {
    let digits = n.to_string();
    let separator = match lang {
        Lang::Sv => '\u{a0}',
        _ => ',',
    };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

fn num(lang: Lang, n: impl Into<u64>) -> String {
    number(lang, n.into())
}

/// The singular for exactly one, else the plural: English's and Swedish's rule for whole
/// numbers (CLDR's `one` is `i = 1 and v = 0` in both).
fn pl<'a>(n: u64, one: &'a str, other: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        other
    }
}

/// Picks the English or the Swedish text.
fn t(lang: Lang, en: String, sv: String) -> String {
    match lang {
        Lang::Sv => sv,
        _ => en,
    }
}

pub(crate) fn message(f: &Finding, lang: Lang) -> String {
    let d = &f.detail;
    let v = q(&d.value);
    let raw = d.value.clone().unwrap_or_default();
    let n = d.number.unwrap_or(0);
    let other = d.other_line.unwrap_or(0);
    let extra = d.extra.clone().unwrap_or_default();
    match f.code {
        Code::FileExtension => t(
            lang,
            format!("The file name {v} does not end in .csv; save or export the file as CSV."),
            format!("Filnamnet {v} slutar inte på .csv; spara eller exportera filen som CSV."),
        ),
        Code::FileEmpty => t(
            lang,
            "The file is empty; it needs the SM-DP+ address on line 1 and one ICCID,MatchingID line per code.".into(),
            "Filen är tom; den behöver SM-DP+-adressen på rad 1 och en rad ICCID,MatchingID per kod.".into(),
        ),
        Code::FileEncoding if extra == "xlsx" => t(
            lang,
            "The file is an Excel workbook (.xlsx); save it as CSV UTF-8, or convert it with the command line (esim-csv fix).".into(),
            "Filen är en Excel-arbetsbok (.xlsx); spara den som CSV UTF-8, eller konvertera den med kommandoraden (esim-csv fix).".into(),
        ),
        Code::FileEncoding if extra.starts_with("xlsx: ") => t(
            lang,
            format!("The Excel workbook cannot be read ({}); save it again, or as CSV UTF-8.", &extra[6..]),
            format!("Excel-arbetsboken kan inte läsas ({}); spara den igen, eller som CSV UTF-8.", &extra[6..]),
        ),
        Code::FileEncoding if extra == "UTF-16" && f.fix.is_some() => t(
            lang,
            "The file is encoded as UTF-16; convert it to UTF-8 (the fix does: every character maps), or save it as UTF-8 (in Excel: \"CSV UTF-8\").".into(),
            "Filen är kodad som UTF-16; konvertera den till UTF-8 (rättningen gör det: varje tecken motsvaras), eller spara den som UTF-8 (i Excel: \"CSV UTF-8\").".into(),
        ),
        Code::FileEncoding if f.fix.is_some() => t(
            lang,
            format!("The byte 0x{extra} is not valid UTF-8: the file is in Windows-1252 (Latin-1); convert it to UTF-8 (the fix does: every character maps), or save it as UTF-8 (in Excel: \"CSV UTF-8\")."),
            format!("Byten 0x{extra} är inte giltig UTF-8: filen är i Windows-1252 (Latin-1); konvertera den till UTF-8 (rättningen gör det: varje tecken motsvaras), eller spara den som UTF-8 (i Excel: \"CSV UTF-8\")."),
        ),
        Code::FileEncoding if extra == "UTF-16" => t(
            lang,
            "The file is encoded as UTF-16; save it as UTF-8 (in Excel: \"CSV UTF-8\").".into(),
            "Filen är kodad som UTF-16; spara den som UTF-8 (i Excel: \"CSV UTF-8\").".into(),
        ),
        Code::FileEncoding => t(
            lang,
            format!("The byte 0x{extra} is not valid UTF-8; save the file as UTF-8 (in Excel: \"CSV UTF-8\")."),
            format!("Byten 0x{extra} är inte giltig UTF-8; spara filen som UTF-8 (i Excel: \"CSV UTF-8\")."),
        ),
        Code::FileBom => t(
            lang,
            "The file starts with a byte-order mark (BOM), which importers may reject; remove it.".into(),
            "Filen börjar med ett byteordningsmärke (BOM), som importen kan avvisa; ta bort det.".into(),
        ),
        Code::LineEndingsMixed => t(
            lang,
            format!("The file mixes kinds of line break ({extra}); use one kind throughout."),
            format!("Filen blandar olika radbrytningar ({extra}); använd en sort genomgående."),
        ),
        Code::BlankLine => t(
            lang,
            "This line is blank (or only separators, an empty spreadsheet row); remove it: blank lines are not allowed between codes.".into(),
            "Raden är tom (eller bara avgränsare, en tom rad i kalkylarket); ta bort den: tomma rader är inte tillåtna mellan koderna.".into(),
        ),
        Code::TrailingBlankLines => t(
            lang,
            format!("The file ends with {} blank {} or white space after the last code; remove them.", num(lang, n), pl(n, "line", "lines")),
            format!("Filen slutar med {} {} eller blanktecken efter sista koden; ta bort dem.", num(lang, n), pl(n, "tom rad", "tomma rader")),
        ),
        Code::NoCodes if f.position.in_body() => t(
            lang,
            "The request has no activation codes; send at least one.".into(),
            "Begäran har inga aktiveringskoder; skicka minst en.".into(),
        ),
        Code::NoCodes => t(
            lang,
            "The file has no activation codes; add one ICCID,MatchingID line per code after the SM-DP+ line.".into(),
            "Filen har inga aktiveringskoder; lägg till en rad ICCID,MatchingID per kod efter SM-DP+-raden.".into(),
        ),
        Code::TooManyCodes if f.position.in_body() => t(
            lang,
            format!("The request has {} activation codes; at most 1,000 may be sent at once. Send them in several requests.", num(lang, n)),
            format!("Begäran har {} aktiveringskoder; högst 1\u{a0}000 får skickas på en gång. Skicka dem i flera begäranden.", num(lang, n)),
        ),
        Code::TooManyCodes => t(
            lang,
            format!("The file has {} activation codes; a file may hold at most 1,000. Split it into several files.", num(lang, n)),
            format!("Filen har {} aktiveringskoder; en fil får innehålla högst 1\u{a0}000. Dela upp den i flera filer.", num(lang, n)),
        ),
        Code::SmdpMissing if d.value.is_some() => t(
            lang,
            format!("The first line must be the operator's SM-DP+ address, but {v} looks like an ICCID; add the SM-DP+ address as line 1."),
            format!("Första raden måste vara operatörens SM-DP+-adress, men {v} ser ut som ett ICCID; lägg till SM-DP+-adressen som rad 1."),
        ),
        Code::SmdpMissing => t(
            lang,
            "The file has no SM-DP+ address line; add the operator's SM-DP+ address as line 1.".into(),
            "Filen saknar rad med SM-DP+-adress; lägg till operatörens SM-DP+-adress som rad 1.".into(),
        ),
        Code::SmdpExtraFields if f.fix.is_some() => t(
            lang,
            format!("The SM-DP+ line must hold only the address {v}; remove the separators after it."),
            format!("SM-DP+-raden får bara innehålla adressen {v}; ta bort avgränsarna efter den."),
        ),
        Code::SmdpExtraFields => t(
            lang,
            format!("The SM-DP+ line must hold only the address, but it has {} {}; keep only the address {v}.", num(lang, n), pl(n, "value", "values")),
            format!("SM-DP+-raden får bara innehålla adressen, men den har {} {}; behåll bara adressen {v}.", num(lang, n), pl(n, "värde", "värden")),
        ),
        Code::SmdpScheme => t(
            lang,
            format!("The SM-DP+ address {v} has a scheme, port, path or query; write only the host \"{extra}\"."),
            format!("SM-DP+-adressen {v} har ett schema, en port, en sökväg eller en fråga; skriv bara värdnamnet \"{extra}\"."),
        ),
        Code::SmdpInvalid => t(
            lang,
            format!("The SM-DP+ address {v} is not a fully qualified domain name such as smdp.example.com."),
            format!("SM-DP+-adressen {v} är inte ett fullständigt domännamn som smdp.example.com."),
        ),
        Code::ColumnHeaderRow => t(
            lang,
            format!("This line holds column names ({raw}); the file has no header row, remove it."),
            format!("Raden innehåller kolumnnamn ({raw}); filen har ingen rubrikrad, ta bort den."),
        ),
        Code::SecondSmdp if d.other_code.is_some() => {
            let other = d.other_code.unwrap_or(0);
            t(
                lang,
                format!("The SM-DP+ address {v} differs from \"{extra}\" of activationCodes[{other}]; one pool holds the codes of one operator."),
                format!("SM-DP+-adressen {v} skiljer sig från \"{extra}\" i activationCodes[{other}]; en pool innehåller en operatörs koder."),
            )
        }
        Code::SecondSmdp if d.other_line.is_none() => t(
            lang,
            format!("The SM-DP+ address {v} is not the pool's, \"{extra}\"; one pool holds the codes of one operator."),
            format!("SM-DP+-adressen {v} är inte poolens, \"{extra}\"; en pool innehåller en operatörs koder."),
        ),
        Code::SecondSmdp if d.extra.is_none() => t(
            lang,
            format!("The SM-DP+ address {v} appears again here (first on line {}), as when two files are joined; remove this line.", num(lang, other)),
            format!("SM-DP+-adressen {v} förekommer igen här (första gången på rad {}), som när två filer slagits ihop; ta bort raden.", num(lang, other)),
        ),
        Code::SecondSmdp => t(
            lang,
            format!("Another SM-DP+ address {v} starts here, after \"{extra}\" on line {}; one file holds one operator, so split the file.", num(lang, other)),
            format!("En annan SM-DP+-adress {v} börjar här, efter \"{extra}\" på rad {}; en fil gäller en operatör, så dela upp filen.", num(lang, other)),
        ),
        Code::Delimiter => {
            let (en, sv) = if extra == ";" { ("semicolons", "semikolon") } else { ("tabs", "tabbar") };
            t(
                lang,
                format!("The values are separated by {en}; use a comma: ICCID,MatchingID."),
                format!("Värdena är avgränsade med {sv}; använd kommatecken: ICCID,MatchingID."),
            )
        }
        Code::TrailingComma => t(
            lang,
            format!("The line ends with {} empty {} after the Matching ID; remove the trailing separators.", num(lang, n), pl(n, "value", "values")),
            format!("Raden slutar med {} {} efter Matching ID; ta bort de avslutande avgränsarna.", num(lang, n), pl(n, "tomt värde", "tomma värden")),
        ),
        Code::FieldCount => t(
            lang,
            format!("The line has {} {}; a code line has exactly two: ICCID,MatchingID.", num(lang, n), pl(n, "value", "values")),
            format!("Raden har {} {}; en kodrad har exakt två: ICCID,MatchingID.", num(lang, n), pl(n, "värde", "värden")),
        ),
        Code::Whitespace => t(
            lang,
            format!("The value {v} has white space around it; remove it."),
            format!("Värdet {v} har blanktecken runt sig; ta bort dem."),
        ),
        Code::QuotedField => t(
            lang,
            format!("The value {v} is wrapped in double quotes; remove the quotes."),
            format!("Värdet {v} står inom citattecken; ta bort citattecknen."),
        ),
        Code::IccidScientific => t(
            lang,
            format!("The ICCID {v} is a number in scientific notation: a spreadsheet converted it and its digits are lost. Export the ICCIDs again as text."),
            format!("ICCID {v} är ett tal i grundpotensform: ett kalkylprogram har konverterat det och siffrorna har gått förlorade. Exportera ICCID-numren igen som text."),
        ),
        Code::IccidFormat => t(
            lang,
            format!("The ICCID {v} contains '{extra}'; an ICCID has only the digits 0-9."),
            format!("ICCID {v} innehåller '{extra}'; ett ICCID består bara av siffrorna 0-9."),
        ),
        Code::IccidLength if raw.is_empty() => t(
            lang,
            "The ICCID is empty; an ICCID has 19 or 20 digits.".into(),
            "ICCID saknas; ett ICCID har 19 eller 20 siffror.".into(),
        ),
        Code::IccidLength => t(
            lang,
            format!("ICCID {raw} has {} {}; an ICCID has 19 or 20.", num(lang, n), pl(n, "digit", "digits")),
            format!("ICCID {raw} har {} {}; ett ICCID har 19 eller 20.", num(lang, n), pl(n, "siffra", "siffror")),
        ),
        Code::IccidPrefix => t(
            lang,
            format!("ICCID {raw} does not start with 89, the telecom prefix; check that it is an ICCID."),
            format!("ICCID {raw} börjar inte med 89, telekomprefixet; kontrollera att det är ett ICCID."),
        ),
        Code::IccidChecksum => t(
            lang,
            format!("The last digit of ICCID {raw} is not its Luhn check digit (that would be {extra}); check it for a typing error."),
            format!("Sista siffran i ICCID {raw} är inte dess Luhn-kontrollsiffra (den vore {extra}); kontrollera att det inte är felskrivet."),
        ),
        Code::IccidDuplicate => match &d.other_file {
            None if d.other_code.is_some() => {
                let other = d.other_code.unwrap_or(0);
                t(
                    lang,
                    format!("ICCID {raw} is also activationCodes[{other}]; each code may be used once."),
                    format!("ICCID {raw} finns också i activationCodes[{other}]; varje kod får användas en gång."),
                )
            }
            Some(file) => t(
                lang,
                format!("ICCID {raw} is also in {file} on line {}; each code may be used once.", num(lang, other)),
                format!("ICCID {raw} finns också i {file} på rad {}; varje kod får användas en gång.", num(lang, other)),
            ),
            None if f.fix.is_some() => t(
                lang,
                format!("This line repeats line {} (ICCID {raw}); remove it.", num(lang, other)),
                format!("Raden upprepar rad {} (ICCID {raw}); ta bort den.", num(lang, other)),
            ),
            None => t(
                lang,
                format!("ICCID {raw} is also on line {} with another Matching ID; keep the right one.", num(lang, other)),
                format!("ICCID {raw} finns också på rad {} med ett annat Matching ID; behåll den rätta.", num(lang, other)),
            ),
        },
        Code::MatchingIdEmpty => t(
            lang,
            "The Matching ID is empty; every ICCID needs its Matching ID.".into(),
            "Matching ID saknas; varje ICCID behöver sitt Matching ID.".into(),
        ),
        Code::MatchingIdFormat => t(
            lang,
            format!("The Matching ID {v} contains '{extra}'; a Matching ID has only A-Z, a-z, 0-9 and -."),
            format!("Matching ID {v} innehåller '{extra}'; ett Matching ID består bara av A-Z, a-z, 0-9 och -."),
        ),
        Code::MatchingIdLowercase => t(
            lang,
            format!("The Matching ID {v} has lower-case letters; real Matching IDs are upper case, so check it with the operator (it is not changed)."),
            format!("Matching ID {v} har gemener; riktiga Matching ID skrivs med versaler, så kontrollera det med operatören (det ändras inte)."),
        ),
        Code::MatchingIdLength => t(
            lang,
            format!("The Matching ID has {} characters; at most 255 are allowed.", num(lang, n)),
            format!("Matching ID har {} tecken; högst 255 är tillåtna.", num(lang, n)),
        ),
        Code::ActivationCodeLength => t(
            lang,
            format!("The activation code 1$<SM-DP+>$<Matching ID> has {} characters; Intune accepts at most 255.", num(lang, n)),
            format!("Aktiveringskoden 1$<SM-DP+>$<Matching ID> har {} tecken; Intune tar emot högst 255.", num(lang, n)),
        ),
        Code::MatchingIdDuplicate if d.other_code.is_some() => {
            let other = d.other_code.unwrap_or(0);
            t(
                lang,
                format!("The Matching ID {v} is also activationCodes[{other}] with another ICCID; each Matching ID belongs to one ICCID."),
                format!("Matching ID {v} finns också i activationCodes[{other}] med ett annat ICCID; varje Matching ID hör till ett ICCID."),
            )
        }
        Code::MatchingIdDuplicate => t(
            lang,
            format!("The Matching ID {v} is also on line {} with another ICCID; each Matching ID belongs to one ICCID.", num(lang, other)),
            format!("Matching ID {v} finns också på rad {} med ett annat ICCID; varje Matching ID hör till ett ICCID.", num(lang, other)),
        ),
        Code::CarrierExport if f.fix.is_none() => t(
            lang,
            format!("This file is a carrier export with {} {}, not a pool file; correct the errors below, then convert it (esim-csv fix, or \"Fix every safe problem\" in the browser): the report's mapping says what each column gives.", num(lang, n), pl(n, "column", "columns")),
            format!("Filen är en export från operatören med {} {}, inte en poolfil; rätta felen nedan och konvertera den sedan (esim-csv fix, eller \"Åtgärda alla säkra problem\" i webbläsaren): rapportens kolumnmappning visar vad varje kolumn ger.", num(lang, n), pl(n, "kolumn", "kolumner")),
        ),
        Code::CarrierExport => t(
            lang,
            format!("This file is a carrier export with {} {}, not a pool file; convert it into one (esim-csv fix, or \"Fix every safe problem\" in the browser): the report's mapping says what each column gives.", num(lang, n), pl(n, "column", "columns")),
            format!("Filen är en export från operatören med {} {}, inte en poolfil; konvertera den till en (esim-csv fix, eller \"Åtgärda alla säkra problem\" i webbläsaren): rapportens kolumnmappning visar vad varje kolumn ger.", num(lang, n), pl(n, "kolumn", "kolumner")),
        ),
        Code::ColumnMapping => {
            let (en_role, sv_role) = role_names(&raw);
            match n {
                2 => t(
                    lang,
                    format!("Several columns could hold the {en_role}: {extra}; choose one by its name or number (--iccid-column, --matching-id-column, --lpa-column, --smdp-column)."),
                    format!("Flera kolumner kan innehålla {sv_role}: {extra}; välj en med namn eller nummer (--iccid-column, --matching-id-column, --lpa-column, --smdp-column)."),
                ),
                3 => t(
                    lang,
                    format!("No column of the header row is named \"{extra}\" (chosen for the {en_role}); give a header name or a column number."),
                    format!("Ingen kolumn i rubrikraden heter \"{extra}\" (vald för {sv_role}); ange ett kolumnnamn eller ett kolumnnummer."),
                ),
                4 => t(
                    lang,
                    format!("Column {extra} (chosen for the {en_role}) does not exist: the export has fewer columns."),
                    format!("Kolumn {extra} (vald för {sv_role}) finns inte: exporten har färre kolumner."),
                ),
                _ => t(
                    lang,
                    format!("The export has no column for the {en_role}; choose it with {extra} (a header name or a column number)."),
                    format!("Exporten har ingen kolumn för {sv_role}; välj den med {extra} (ett kolumnnamn eller ett kolumnnummer)."),
                ),
            }
        }
        Code::LpaFormat => match n {
            2 => t(
                lang,
                format!("The activation code {v} has no Matching ID; an LPA activation code reads LPA:1$<SM-DP+ address>$<Matching ID>."),
                format!("Aktiveringskoden {v} saknar Matching ID; en LPA-aktiveringskod skrivs LPA:1$<SM-DP+-adress>$<Matching ID>."),
            ),
            3 => t(
                lang,
                format!("The activation code {v} has more than five $-separated parts (\"{extra}\" is too many); it reads LPA:1$<SM-DP+ address>$<Matching ID>[$<OID>[$1]]."),
                format!("Aktiveringskoden {v} har fler än fem delar åtskilda av $ (\"{extra}\" är för mycket); den skrivs LPA:1$<SM-DP+-adress>$<Matching ID>[$<OID>[$1]]."),
            ),
            4 => t(
                lang,
                format!("The last part of the activation code {v} is \"{extra}\"; only 1 (a confirmation code is required) may stand there."),
                format!("Sista delen av aktiveringskoden {v} är \"{extra}\"; där får bara 1 stå (en bekräftelsekod krävs)."),
            ),
            _ => t(
                lang,
                format!("The activation code {v} does not start with LPA:1$ (its format part is \"{extra}\"); an LPA activation code reads LPA:1$<SM-DP+ address>$<Matching ID>."),
                format!("Aktiveringskoden {v} börjar inte med LPA:1$ (formatdelen är \"{extra}\"); en LPA-aktiveringskod skrivs LPA:1$<SM-DP+-adress>$<Matching ID>."),
            ),
        },
        Code::LpaOid => t(
            lang,
            format!("The SM-DP+ OID {v} of the activation code is not a dotted number such as 1.3.6.1.4.1.31746; correct or remove it."),
            format!("SM-DP+-OID {v} i aktiveringskoden är inte ett punktat nummer som 1.3.6.1.4.1.31746; rätta eller ta bort den."),
        ),
        Code::LpaConfirmationCode => t(
            lang,
            format!("The activation code {v} requires a confirmation code, which a pool cannot give: a device cannot install it through Intune. Ask the operator for codes without one."),
            format!("Aktiveringskoden {v} kräver en bekräftelsekod, som en pool inte kan ge: en enhet kan inte installera den via Intune. Be operatören om koder utan."),
        ),
        Code::IccidAlreadyImported if d.extra.is_some() => t(
            lang,
            format!("ICCID {raw} is already in the pool \"{extra}\" on the server; a code can be imported once."),
            format!("ICCID {raw} finns redan i poolen \"{extra}\" på servern; en kod kan importeras en gång."),
        ),
        Code::IccidAlreadyImported => t(
            lang,
            format!("ICCID {raw} was already delivered to a device; activation codes are single-use."),
            format!("ICCID {raw} har redan levererats till en enhet; aktiveringskoder kan bara användas en gång."),
        ),
        Code::SmdpPoolExists => t(
            lang,
            format!("The pool \"{extra}\" already uses the SM-DP+ address {v}; add these codes to it instead of creating a second pool."),
            format!("Poolen \"{extra}\" använder redan SM-DP+-adressen {v}; lägg till koderna i den i stället för att skapa en andra pool."),
        ),
    }
}

/// The English and Swedish names of what a column gives (the `column-mapping` value).
fn role_names(role: &str) -> (String, String) {
    let sv = match role {
        "ICCID" => "ICCID",
        "Matching ID" => "Matching ID",
        "LPA activation code" => "LPA-aktiveringskoden",
        "SM-DP+ address" => "SM-DP+-adressen",
        "Matching ID / LPA activation code" => "Matching ID / LPA-aktiveringskoden",
        other => other,
    };
    (role.to_owned(), sv.to_owned())
}

pub(crate) fn fix_label(fix: &Fix, lang: Lang) -> &'static str {
    let (en, sv) = match fix {
        Fix::RemoveBom => ("Remove the byte-order mark", "Ta bort byteordningsmärket"),
        Fix::NormalizeLineEndings { .. } => {
            ("Use one kind of line break", "Använd en sorts radbrytning")
        }
        Fix::RemoveLine { .. } => ("Remove the line", "Ta bort raden"),
        Fix::RemoveTrailingBlankLines { .. } => (
            "Remove the trailing blank lines",
            "Ta bort de avslutande tomma raderna",
        ),
        Fix::Edit { .. } => ("Correct the line", "Rätta raden"),
        Fix::ConvertEncoding { .. } => ("Convert the file to UTF-8", "Konvertera filen till UTF-8"),
        Fix::Convert => ("Convert into a pool file", "Konvertera till en poolfil"),
        Fix::Split => ("Split the file", "Dela upp filen"),
    };
    match lang {
        Lang::Sv => sv,
        _ => en,
    }
}

impl Fix {
    /// A short label for a fix button, such as "Remove the line".
    pub fn label(&self, lang: Lang) -> &'static str {
        fix_label(self, lang)
    }
}

impl Finding {
    /// The message in `lang`: names the value and says how to fix it.
    pub fn message(&self, lang: Lang) -> String {
        message(self, lang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Position;

    /// The codes `check_codes` reports (and the server's `iccid-already-imported`).
    const BODY_CODES: &[Code] = &[
        Code::NoCodes,
        Code::TooManyCodes,
        Code::SmdpScheme,
        Code::SmdpInvalid,
        Code::SecondSmdp,
        Code::IccidScientific,
        Code::IccidFormat,
        Code::IccidLength,
        Code::IccidPrefix,
        Code::IccidChecksum,
        Code::IccidDuplicate,
        Code::MatchingIdEmpty,
        Code::MatchingIdFormat,
        Code::MatchingIdLowercase,
        Code::MatchingIdLength,
        Code::ActivationCodeLength,
        Code::MatchingIdDuplicate,
        Code::IccidAlreadyImported,
    ];

    #[test]
    fn every_code_has_both_languages() {
        for code in Code::ALL {
            let f = Finding::new(*code)
                .value("X")
                .number(2)
                .other_line(1)
                .extra("y");
            let en = f.message(Lang::En);
            let sv = f.message(Lang::Sv);
            assert!(!en.is_empty() && !sv.is_empty(), "{code}");
            assert_ne!(en, sv, "{code} has no Swedish message");
            // The same in a request body: the n-th code's field, or the list.
            for at in [
                Position::Codes,
                Position::Code {
                    index: 3,
                    field: crate::CodeField::Iccid,
                },
            ] {
                let f = Finding::new(*code)
                    .placed(at)
                    .value("X")
                    .number(2)
                    .other_code(1)
                    .extra("y");
                let (en, sv) = (f.message(Lang::En), f.message(Lang::Sv));
                assert!(!en.is_empty() && !sv.is_empty(), "{code}");
                assert_ne!(en, sv, "{code} has no Swedish message in a body");
                if BODY_CODES.contains(code) {
                    assert!(!en.contains("line") && !en.contains("file"), "{code}: {en}");
                }
            }
        }
    }

    #[test]
    fn shorten_makes_invisible_characters_visible() {
        assert_eq!(shorten("a\u{A0}b\t"), "a\\u{A0}b\\t");
        assert_eq!(shorten(&"x".repeat(60)).chars().count(), MAX_SHOWN + 1);
    }
}
