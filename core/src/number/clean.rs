//! First pass over a raw caller ID: hidden-caller words, `tel:` URIs, separators,
//! Unicode digits. Produces at most 17 ASCII digits and whether a `+` led them.

use super::Malformed;

/// Inputs longer than this many bytes are refused without being read further.
pub const MAX_INPUT_CHARS: usize = 256;

const MAX_DIGITS: usize = 17;

/// Digits of a caller ID, in a fixed buffer (no allocation on the hot path).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Digits {
    /// A `+` came before the digits: the number is in international form.
    pub plus: bool,
    buf: [u8; MAX_DIGITS],
    len: u8,
}

impl Digits {
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever pushed.
        std::str::from_utf8(&self.buf[..self.len as usize]).unwrap_or("")
    }

    fn push(&mut self, d: u8) -> bool {
        if (self.len as usize) < MAX_DIGITS {
            self.buf[self.len as usize] = b'0' + d;
            self.len += 1;
            true
        } else {
            false
        }
    }
}

pub enum Cleaned {
    Hidden,
    Malformed(Malformed),
    Digits(Digits),
}

/// Words that phones and carriers put where a hidden caller's number would be.
const HIDDEN_WORDS: &[&str] = &[
    "anonymous",
    "unknown",
    "private",
    "private number",
    "restricted",
    "withheld",
    "unavailable",
    "no caller id",
    "blocked",
    "hidden",
    "-1",
    "-2",
    "-3",
];

pub fn clean(raw: &str) -> Cleaned {
    if raw.len() > MAX_INPUT_CHARS {
        return Cleaned::Malformed(Malformed::TooLong);
    }
    let s = raw.trim_matches(|c: char| c.is_whitespace() || is_invisible(c));
    if s.is_empty() || HIDDEN_WORDS.iter().any(|w| s.eq_ignore_ascii_case(w)) {
        return Cleaned::Hidden;
    }
    let s = strip_tel_uri(s);
    let mut out = Digits { plus: false, buf: [0; MAX_DIGITS], len: 0 };
    for (i, c) in s.char_indices() {
        if let Some(d) = decimal_digit(c) {
            if !out.push(d) {
                return Cleaned::Malformed(Malformed::TooLong);
            }
        } else if (c == '+' || c == '\u{FF0B}') && out.len == 0 && !out.plus {
            out.plus = true;
        } else if is_separator(c) || is_invisible(c) {
            continue;
        } else if c == ';' || c == '#' || c == ',' || starts_extension(&s[i..]) {
            // Extension, DTMF pause or URI parameter: the number itself has ended.
            break;
        } else {
            return Cleaned::Malformed(Malformed::BadCharacters);
        }
    }
    if out.len == 0 {
        return Cleaned::Malformed(Malformed::NoDigits);
    }
    Cleaned::Digits(out)
}

/// `x123`, `ext. 123`, `extension 123`: what follows is not part of the number.
fn starts_extension(s: &str) -> bool {
    let b = s.as_bytes();
    let lower = |i: usize| b.get(i).map(u8::to_ascii_lowercase);
    lower(0) == Some(b'x') || (lower(0) == Some(b'e') && lower(1) == Some(b'x') && lower(2) == Some(b't'))
}

fn strip_tel_uri(s: &str) -> &str {
    match s.get(..4) {
        Some(head) if head.eq_ignore_ascii_case("tel:") => &s[4..],
        _ => s,
    }
}

fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '-' | '.' | '(' | ')' | '/' | '[' | ']' | '~' | '\u{A0}' | '\u{3000}'
            | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}' | '\u{FF0D}' | '\u{FF0E}'
            | '\u{FF08}' | '\u{FF09}' | '\u{FF0F}'
    ) || c.is_whitespace()
}

/// Format and direction marks that copy-pasted numbers carry.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// The value of a decimal digit in any common script.
fn decimal_digit(c: char) -> Option<u8> {
    const ZEROS: &[u32] = &[
        0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
        0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80,
        0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50,
        0xABF0, 0xFF10, 0x104A0, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6,
    ];
    let u = c as u32;
    ZEROS.iter().find(|&&z| (z..z + 10).contains(&u)).map(|&z| (u - z) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(raw: &str) -> (bool, String) {
        match clean(raw) {
            Cleaned::Digits(d) => (d.plus, d.as_str().to_string()),
            Cleaned::Hidden => panic!("{raw:?} came out hidden"),
            Cleaned::Malformed(m) => panic!("{raw:?} came out malformed: {m:?}"),
        }
    }

    #[test]
    fn separators_and_scripts() {
        assert_eq!(digits("+82 10-1234-5678"), (true, "821012345678".into()));
        assert_eq!(digits("tel:+1-800-555-0199"), (true, "18005550199".into()));
        assert_eq!(digits("(212) 555-0100"), (false, "2125550100".into()));
        assert_eq!(digits("０１０－１２３４－５６７８"), (false, "01012345678".into()));
        assert_eq!(digits("＋８２ １０"), (true, "8210".into()));
        assert_eq!(digits("٠١٠١٢٣٤٥٦٧٨"), (false, "01012345678".into()));
        assert_eq!(digits("\u{202A}+82 10 1234 5678\u{202C}"), (true, "821012345678".into()));
        assert_eq!(digits("010.1234.5678"), (false, "01012345678".into()));
        assert_eq!(digits("+1 212 555 0100 ext. 5"), (true, "12125550100".into()));
    }

    #[test]
    fn hidden_words() {
        for raw in ["", "  ", "anonymous", "Unknown", "PRIVATE", "Restricted", "-2"] {
            assert!(matches!(clean(raw), Cleaned::Hidden), "{raw:?}");
        }
    }

    #[test]
    fn malformed() {
        let m = |raw: &str| match clean(raw) {
            Cleaned::Malformed(m) => m,
            _ => panic!("{raw:?} accepted"),
        };
        assert_eq!(m("+"), Malformed::NoDigits);
        assert_eq!(m("call me"), Malformed::BadCharacters);
        assert_eq!(m("1234567890123456789"), Malformed::TooLong);
        assert_eq!(m(&"1".repeat(1 << 20)), Malformed::TooLong);
        assert_eq!(m("12+34"), Malformed::BadCharacters);
    }
}
