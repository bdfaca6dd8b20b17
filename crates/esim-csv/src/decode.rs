//! Files in other encodings than UTF-8, converted when every character maps: UTF-16 with a
//! byte-order mark (what Excel's "Unicode text" writes) and Windows-1252 (a superset of
//! Latin-1 for what spreadsheets write; Excel's "CSV" on a Western Windows).

/// An encoding a file can be converted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf16Le,
    Utf16Be,
    Windows1252,
}

impl Encoding {
    /// The name in reports and fixes (the WHATWG label).
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
            Encoding::Windows1252 => "windows-1252",
        }
    }

    /// The encoding of this name.
    pub fn from_name(name: &str) -> Option<Encoding> {
        [Encoding::Utf16Le, Encoding::Utf16Be, Encoding::Windows1252]
            .into_iter()
            .find(|e| e.name().eq_ignore_ascii_case(name))
    }

    /// The text as UTF-8 (without a byte-order mark), or `None` when some character does
    /// not map (an unpaired surrogate, an odd length, a byte Windows-1252 leaves undefined,
    /// a NUL).
    pub fn decode(self, input: &[u8]) -> Option<String> {
        match self {
            Encoding::Utf16Le | Encoding::Utf16Be => {
                let body = input.get(2..)?;
                if body.len() % 2 != 0 {
                    return None;
                }
                let units = body.chunks_exact(2).map(|p| {
                    let pair = [p[0], p[1]];
                    if self == Encoding::Utf16Le {
                        u16::from_le_bytes(pair)
                    } else {
                        u16::from_be_bytes(pair)
                    }
                });
                let text: Result<String, _> = char::decode_utf16(units).collect();
                text.ok().filter(|t| !t.contains('\0'))
            }
            Encoding::Windows1252 => input.iter().map(|&b| windows_1252(b)).collect(),
        }
    }
}

/// The encoding of a file that is not UTF-8 and converts safely: UTF-16 by its byte-order
/// mark, else Windows-1252 when the bytes are not UTF-8.
pub(crate) fn detect(input: &[u8]) -> Option<Encoding> {
    if input.starts_with(b"\xFF\xFE") {
        Some(Encoding::Utf16Le)
    } else if input.starts_with(b"\xFE\xFF") {
        Some(Encoding::Utf16Be)
    } else if std::str::from_utf8(input).is_err() {
        Some(Encoding::Windows1252)
    } else {
        None
    }
}

/// The file converted to UTF-8, and what it was, when it is in an encoding that converts
/// safely (see [`detect`]).
pub(crate) fn to_utf8(input: &[u8]) -> Option<(Encoding, String)> {
    let encoding = detect(input)?;
    encoding.decode(input).map(|text| (encoding, text))
}

/// A Windows-1252 byte as a character; `None` for the five bytes it leaves undefined and
/// for NUL.
fn windows_1252(b: u8) -> Option<char> {
    const HIGH: [u16; 32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
        0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC,
        0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ];
    match b {
        0 => None,
        0x80..=0x9F => match HIGH[usize::from(b - 0x80)] {
            0 => None,
            c => char::from_u32(u32::from(c)),
        },
        b => Some(char::from(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_both_orders_and_windows_1252() {
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Å,1\r\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(to_utf8(&le), Some((Encoding::Utf16Le, "Å,1\r\n".into())));
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("ab".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(to_utf8(&be), Some((Encoding::Utf16Be, "ab".into())));
        // An unpaired surrogate or an odd length does not convert.
        assert_eq!(to_utf8(&[0xFF, 0xFE, 0x00, 0xD8, 0x41, 0x00]), None);
        assert_eq!(to_utf8(&[0xFF, 0xFE, 0x41]), None);
        assert_eq!(
            to_utf8(b"Caf\xE9 \x80 \x9F"),
            Some((Encoding::Windows1252, "Café € Ÿ".into()))
        );
        assert_eq!(to_utf8(b"a\x81b"), None);
        assert_eq!(to_utf8("å".as_bytes()), None, "UTF-8 needs no conversion");
        assert_eq!(Encoding::from_name("UTF-16LE"), Some(Encoding::Utf16Le));
    }
}
