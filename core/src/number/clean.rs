//! First pass over a raw caller ID: hidden-caller words, `tel:` / `sip:` URIs,
//! separators, extensions, Unicode digits, vanity letters. Produces at most
//! `Buf::CAP` ASCII digits and whether a `+` led them. Bounded work, no allocation.

use super::data::DIGIT_ZEROS;
use super::plan::Buf;
use super::Malformed;

/// Inputs longer than this many bytes are refused without being read.
pub const MAX_INPUT_CHARS: usize = 256;

/// Digits of a caller ID.
#[derive(Clone, Copy)]
pub struct Digits {
    /// A `+` came before the digits: the number is in international form.
    pub plus: bool,
    pub digits: Buf,
}

impl Digits {
    pub fn as_bytes(&self) -> &[u8] {
        self.digits.as_bytes()
    }
}

pub enum Cleaned {
    Hidden,
    Malformed(Malformed),
    Digits(Digits),
}

/// What phones, carriers and SIP servers put where a hidden caller's number would be
/// (lowercase; compared ignoring case). `-1`..`-5` are Android's legacy presentation values.
const HIDDEN_WORDS: &[&str] = &[
    "anonymous",
    "anonymous caller",
    "unknown",
    "unknown caller",
    "unknown number",
    "private",
    "private number",
    "private caller",
    "restricted",
    "withheld",
    "number withheld",
    "unavailable",
    "not available",
    "out of area",
    "no caller id",
    "caller id blocked",
    "blocked",
    "hidden",
    "payphone",
    "p",
    "o",
    "-1",
    "-2",
    "-3",
    "-4",
    "-5",
    // German, French, Spanish, Italian
    "unbekannt",
    "anonym",
    "unterdrückt",
    "privat",
    "inconnu",
    "masqué",
    "privé",
    "desconocido",
    "privado",
    "oculto",
    "sconosciuto",
    "privato",
    // Korean, Chinese, Japanese
    "발신번호 없음",
    "발신번호 표시제한",
    "발신번호표시제한",
    "번호 비공개",
    "비공개",
    "알 수 없음",
    "발신자 정보 없음",
    "未知号码",
    "未知",
    "私人号码",
    "隐藏号码",
    "未知號碼",
    "私人號碼",
    "非通知",
    "通知不可能",
    "公衆電話",
];

pub fn clean(raw: &str) -> Cleaned {
    // libphonenumber needs two digits before it considers something a number at all.
    clean_with_min_digits(raw, 2)
}

/// The leading digits of a list prefix (`+1*`, `+7*`): one digit is enough.
pub fn clean_prefix(raw: &str) -> Cleaned {
    clean_with_min_digits(raw, 1)
}

fn clean_with_min_digits(raw: &str, min_digits: usize) -> Cleaned {
    if raw.len() > MAX_INPUT_CHARS {
        return Cleaned::Malformed(Malformed::TooLong);
    }
    let s = trim(raw);
    if s.is_empty() {
        return Cleaned::Hidden;
    }
    let (body, params) = split_uri(s);
    let body = trim(body);
    if body.is_empty() || is_hidden_word(body) {
        return Cleaned::Hidden;
    }
    // Like libphonenumber, trailing symbols that are neither digits nor letters (`?`, `*`,
    // `!`) are typing noise, not part of the number; `#` ends a number anyway.
    let body = body.trim_end_matches(|c: char| {
        !c.is_alphanumeric() && !matches!(c, '#' | '+' | '\u{FF0B}') && !is_separator(c) && !is_invisible(c)
    });
    // Like libphonenumber's extractPossibleNumber, whatever comes before the first digit or
    // `+` is not part of the number (`"+237 ...`, `<+1 264 ...`, `Tel. 010 ...`).
    // (Nearly every caller ID starts with a digit or `+`: no search for those.)
    let body = match body.as_bytes().first() {
        Some(b'0'..=b'9' | b'+') => body,
        _ => body.find(|c: char| is_plus(c) || decimal_digit(c).is_some()).map_or(body, |start| &body[start..]),
    };
    let mut out = match scan(body, min_digits) {
        Ok(d) => d,
        Err(m) => return Cleaned::Malformed(m),
    };
    // RFC 3966 local number with a global context (`tel:0101234;phone-context=+82`):
    // libphonenumber reads it as the context's digits followed by the local number.
    if let Some(ctx) = params.and_then(phone_context) {
        if !out.plus {
            let mut digits = Buf::new();
            let fits = digits.extend(ctx.as_bytes()) && digits.extend(out.as_bytes());
            if !fits {
                return Cleaned::Malformed(Malformed::TooLong);
            }
            out = Digits { plus: true, digits };
        }
    }
    Cleaned::Digits(out)
}

/// Whitespace, bidi and zero-width marks around a pasted number.
fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || is_invisible(c))
}

fn is_hidden_word(s: &str) -> bool {
    // Numbers start with a digit or `+`: skip the word list for them.
    if matches!(s.as_bytes()[0], b'0'..=b'9' | b'+') {
        return false;
    }
    // `<Unknown>`, `(anonymous)`, `Private.`: the word without the punctuation around it.
    let word = s.trim_matches(|c: char| !c.is_alphanumeric() && c != '-');
    // `(010) 1234-5678`, `０１０…`: digits in any script are no word.
    match word.chars().next() {
        Some(c) if decimal_digit(c).is_none() => {}
        _ => return false,
    }
    let lower = || word.chars().flat_map(char::to_lowercase);
    HIDDEN_WORDS.iter().any(|w| w.len() <= word.len() * 4 && lower().eq(w.chars()))
}

/// Splits `tel:` and `sip:` URIs into the number part and their parameters.
fn split_uri(s: &str) -> (&str, Option<&str>) {
    let b = s.as_bytes();
    let scheme = |p: &str| b.len() >= p.len() && b[..p.len()].eq_ignore_ascii_case(p.as_bytes());
    if scheme("tel:") {
        let rest = &s[4..];
        return match rest.split_once(';') {
            Some((num, params)) => (num, Some(params)),
            None => (rest, None),
        };
    }
    let rest = if scheme("sip:") {
        &s[4..]
    } else if scheme("sips:") {
        &s[5..]
    } else {
        return (s, None);
    };
    // sip:user@host;params, where the user part may carry its own ;params.
    let user = rest.split_once('@').map_or(rest, |(u, _)| u);
    match user.split_once(';') {
        Some((num, params)) => (num, Some(params)),
        None => (user, None),
    }
}

/// The digits of a `phone-context=+<digits>` parameter, if there is one.
fn phone_context(params: &str) -> Option<Buf> {
    let value = params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("phone-context").then_some(v.trim())
    })?;
    let digits = value.strip_prefix('+')?;
    let mut b = Buf::new();
    for c in digits.chars() {
        match decimal_digit(c) {
            Some(d) => {
                if !b.extend(&[b'0' + d]) {
                    return None;
                }
            }
            None if is_separator(c) => {}
            None => return None, // a domain name, not a country code
        }
    }
    (b.len() > 0).then_some(b)
}

fn scan(body: &str, min_digits: usize) -> Result<Digits, Malformed> {
    let mut out = Digits { plus: false, digits: Buf::new() };
    let mut letters = 0;
    // Where the letters' keypad digits went (bit i = digit i), and how many digits came first.
    let mut letter_at = 0u32;
    let mut digits_before_letters = 0;
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // ASCII first: nearly every caller ID is plain digits and punctuation.
        let c = match bytes[i] {
            d @ b'0'..=b'9' => {
                if !out.digits.push(d) {
                    return Err(Malformed::TooLong);
                }
                i += 1;
                continue;
            }
            b' ' | b'-' | b'.' | b'(' | b')' | b'/' | b'[' | b']' | b'~' | b'\t'..=b'\r' => {
                i += 1;
                continue;
            }
            b if b < 0x80 => char::from(b),
            _ => body[i..].chars().next().unwrap_or('\0'),
        };
        let here = i;
        i += c.len_utf8();
        if let Some(d) = decimal_digit(c) {
            if !out.digits.push(b'0' + d) {
                return Err(Malformed::TooLong);
            }
        } else if is_plus(c) && out.digits.len() == 0 {
            out.plus = true;
        } else if is_separator(c) || is_invisible(c) {
            continue;
        } else if out.digits.len() > 0 && ends_number(&body[here..]) {
            // Extension, DTMF pause or parameter: the number itself has ended.
            break;
        } else if c.is_ascii_alphabetic() && out.digits.len() > 0 {
            // Vanity numbers (1-800-FLOWERS): letters as on a phone keypad.
            if letters == 0 {
                digits_before_letters = out.digits.len();
            }
            letters += 1;
            letter_at |= 1 << out.digits.len();
            if !out.digits.push(keypad(c)) {
                return Err(Malformed::TooLong);
            }
        } else {
            return Err(Malformed::BadCharacters);
        }
    }
    // Like libphonenumber (VALID_PHONE_NUMBER), letters may only follow three digits;
    // they count as a vanity number when there are 3 or more, and one or two letters are
    // dropped (`18883722468ex1`).
    if letters > 0 && digits_before_letters < 3 {
        return Err(Malformed::BadCharacters);
    }
    if letters > 0 && letters < 3 {
        let mut kept = Buf::new();
        for (i, &d) in out.digits.as_bytes().iter().enumerate() {
            if letter_at & (1 << i) == 0 {
                kept.push(d);
            }
        }
        out.digits = kept;
    }
    if out.digits.len() < min_digits {
        return Err(Malformed::NoDigits);
    }
    Ok(out)
}

/// `,` `#` `;` pauses and parameters, `x123`, `ext. 123`, `extension 123`, `доб. 123`.
fn ends_number(s: &str) -> bool {
    if s.starts_with([',', '#', ';']) {
        return true;
    }
    let b = s.as_bytes();
    let prefix_ci = |p: &str| b.len() >= p.len() && b[..p.len()].eq_ignore_ascii_case(p.as_bytes());
    let marker = ["extension", "extn", "ext", "x", "доб"].into_iter().find(|m| prefix_ci(m));
    // As in libphonenumber, only when the extension's digits run to the end: an `x`
    // inside a vanity number (`1-866-6U0-PX0Q`) is a letter.
    marker.is_some_and(|m| {
        let digits = s[m.len()..]
            .trim_start_matches(|c: char| c == '.' || c == ':' || c == '=' || c.is_whitespace())
            .trim_end_matches(|c: char| c == '#' || c.is_whitespace());
        !digits.is_empty() && digits.chars().all(|c| decimal_digit(c).is_some())
    })
}

/// `+` and its full-width and small forms.
fn is_plus(c: char) -> bool {
    matches!(c, '+' | '\u{FF0B}' | '\u{FE62}')
}

fn keypad(c: char) -> u8 {
    match c.to_ascii_uppercase() {
        'A'..='C' => b'2',
        'D'..='F' => b'3',
        'G'..='I' => b'4',
        'J'..='L' => b'5',
        'M'..='O' => b'6',
        'P'..='S' => b'7',
        'T'..='V' => b'8',
        _ => b'9',
    }
}

/// Punctuation people and phones put inside numbers (libphonenumber's VALID_PUNCTUATION
/// plus whitespace).
fn is_separator(c: char) -> bool {
    matches!(
        c,
        '-' | '.' | '(' | ')' | '/' | '[' | ']' | '~' | '\u{00A0}' | '\u{00AD}' | '\u{2010}'..='\u{2015}'
            | '\u{2053}' | '\u{2212}' | '\u{223C}' | '\u{3000}' | '\u{30FC}' | '\u{FF08}' | '\u{FF09}'
            | '\u{FF0D}'..='\u{FF0F}' | '\u{FF3B}' | '\u{FF3D}' | '\u{FF5E}'
    ) || c.is_whitespace()
}

/// Format and direction marks that copy-pasted numbers carry.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// The value of a decimal digit in any script (Unicode general category Nd).
pub fn decimal_digit(c: char) -> Option<u8> {
    if c.is_ascii_digit() {
        return Some(c as u8 - b'0');
    }
    let u = c as u32;
    if u < 0x660 {
        return None;
    }
    // The last script zero at or below `u`; the digit is the distance from it.
    let i = DIGIT_ZEROS.partition_point(|&z| z <= u).checked_sub(1)?;
    let v = u - DIGIT_ZEROS[i];
    (v < 10).then_some(v as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(raw: &str) -> (bool, String) {
        match clean(raw) {
            Cleaned::Digits(d) => (d.plus, String::from_utf8(d.as_bytes().to_vec()).unwrap()),
            Cleaned::Hidden => panic!("{raw:?} came out hidden"),
            Cleaned::Malformed(m) => panic!("{raw:?} came out malformed: {m:?}"),
        }
    }

    fn malformed(raw: &str) -> Malformed {
        match clean(raw) {
            Cleaned::Malformed(m) => m,
            Cleaned::Hidden => panic!("{raw:?} came out hidden"),
            Cleaned::Digits(d) => panic!("{raw:?} accepted as {:?}", String::from_utf8_lossy(d.as_bytes())),
        }
    }

    #[test]
    fn separators_and_forms() {
        assert_eq!(digits("+82 10-1234-5678"), (true, "821012345678".into()));
        assert_eq!(digits("010-1234-5678"), (false, "01012345678".into()));
        assert_eq!(digits("(212) 555-0100"), (false, "2125550100".into()));
        assert_eq!(digits("010.1234.5678"), (false, "01012345678".into()));
        assert_eq!(digits("010/1234 5678"), (false, "01012345678".into()));
        assert_eq!(digits("[02] 123~4567"), (false, "021234567".into()));
        assert_eq!(digits("\t+1\u{00A0}212\u{2009}555\u{2011}0100\n"), (true, "12125550100".into()));
        assert_eq!(digits("++44 20 7031 3000"), (true, "442070313000".into()));
        assert_eq!(digits("5186350741?"), (false, "5186350741".into()));
        assert_eq!(digits("781558****"), (false, "781558".into()));
    }

    #[test]
    fn tel_and_sip_uris() {
        assert_eq!(digits("tel:+1-800-555-0199"), (true, "18005550199".into()));
        assert_eq!(digits("TEL:+1-800-555-0199;ext=22"), (true, "18005550199".into()));
        assert_eq!(digits("tel:010-1234-5678;phone-context=+82"), (true, "8201012345678".into()));
        assert_eq!(digits("tel:7042;phone-context=example.com"), (false, "7042".into()));
        assert_eq!(digits("tel:+82-10-1234-5678;phone-context=+1"), (true, "821012345678".into()));
        assert_eq!(digits("sip:+12125550100@ims.example.net;user=phone"), (true, "12125550100".into()));
        assert_eq!(digits("sips:0212345678@10.0.0.1"), (false, "0212345678".into()));
        assert!(matches!(clean("sip:anonymous@anonymous.invalid"), Cleaned::Hidden));
        // As libphonenumber reads it: what comes before the number is skipped.
        assert_eq!(digits("tel:tel:+12125550100"), (true, "12125550100".into()));
    }

    #[test]
    fn unicode_digits_and_marks() {
        assert_eq!(digits("０１０－１２３４－５６７８"), (false, "01012345678".into()));
        assert_eq!(digits("＋８２ １０"), (true, "8210".into()));
        assert_eq!(digits("٠١٠١٢٣٤٥٦٧٨"), (false, "01012345678".into())); // Arabic-Indic
        assert_eq!(digits("۰۹۱۲۳۴۵۶۷۸۹"), (false, "09123456789".into())); // Persian
        assert_eq!(digits("०९८७६५४३२१"), (false, "0987654321".into())); // Devanagari
        assert_eq!(digits("๐๘๑๒๓๔๕๖๗๘"), (false, "0812345678".into())); // Thai
        assert_eq!(digits("𝟎𝟏𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖"), (false, "01012345678".into())); // mathematical bold
        assert_eq!(digits("\u{202A}+82 10 1234 5678\u{202C}"), (true, "821012345678".into()));
        assert_eq!(digits("\u{200F}+971\u{200E} 50 123 4567"), (true, "971501234567".into()));
        assert_eq!(digits("\u{FEFF}010\u{200B}1234\u{2060}5678"), (false, "01012345678".into()));
    }

    #[test]
    fn every_nd_digit_has_its_value() {
        // Each script's zero..nine map to 0..9 and the code points around them do not leak.
        for &z in DIGIT_ZEROS.iter() {
            for v in 0..10u32 {
                let c = char::from_u32(z + v).unwrap();
                assert_eq!(decimal_digit(c), Some(v as u8), "{:#x}", z + v);
            }
        }
        for c in ['a', '½', '²', '①', 'Ⅻ', '〇', '零', '\u{0}', '\u{10FFFF}'] {
            assert_eq!(decimal_digit(c), None, "{c:?}");
        }
        assert!(DIGIT_ZEROS.len() >= 60, "Nd table looks truncated: {}", DIGIT_ZEROS.len());
    }

    #[test]
    fn extensions_and_pauses() {
        assert_eq!(digits("+1 212 555 0100 ext. 5"), (true, "12125550100".into()));
        assert_eq!(digits("+1 212 555 0100 x123"), (true, "12125550100".into()));
        assert_eq!(digits("+1 212 555 0100 extension: 9"), (true, "12125550100".into()));
        assert_eq!(digits("+1 212 555 0100,,1234#"), (true, "12125550100".into()));
        assert_eq!(digits("+7 495 123-45-67 доб. 12"), (true, "74951234567".into()));
    }

    #[test]
    fn vanity_letters() {
        assert_eq!(digits("1-800-FLOWERS"), (false, "18003569377".into()));
        assert_eq!(digits("+1 800 MY APPLE"), (true, "18006927753".into()));
        // One or two letters after the digits are dropped, as libphonenumber drops them.
        assert_eq!(digits("1-800-AB"), (false, "1800".into()));
        assert_eq!(digits("18883722468ex1"), (false, "18883722468".into()));
        assert_eq!(malformed("12 ab"), Malformed::BadCharacters);
        assert_eq!(malformed("c2ab4z776-4"), Malformed::BadCharacters);
        assert_eq!(malformed("FLOWERS"), Malformed::BadCharacters);
        // An `x` is an extension only when digits follow it to the end.
        assert_eq!(digits("1-866-6U0-PX0Q"), (false, "18666807907".into()));
        assert_eq!(digits("+1 866 555 0100 x 12#"), (true, "18665550100".into()));
    }

    #[test]
    fn hidden_words() {
        for raw in [
            "",
            "  ",
            "\u{200E}",
            "anonymous",
            "Unknown",
            "PRIVATE",
            "Restricted",
            "withheld",
            "-2",
            "P",
            "Private Number",
            "비공개",
            "未知号码",
            "非通知",
            "Unbekannt",
            "tel:anonymous",
            "<Unknown>",
            "(anonymous)",
            "Private.",
            "PRIVÉ",
            "UNTERDRÜCKT",
        ] {
            assert!(matches!(clean(raw), Cleaned::Hidden), "{raw:?}");
        }
    }

    #[test]
    fn hostile() {
        assert_eq!(malformed("+"), Malformed::NoDigits);
        assert_eq!(malformed("()-"), Malformed::NoDigits);
        assert_eq!(malformed("call me"), Malformed::BadCharacters);
        assert_eq!(malformed("1234567890123456789012345678901234567890"), Malformed::TooLong);
        assert_eq!(malformed(&"1".repeat(1 << 20)), Malformed::TooLong);
        assert_eq!(malformed("12+34"), Malformed::BadCharacters);
        assert_eq!(malformed("010\u{0}1234"), Malformed::BadCharacters);
        assert_eq!(malformed("'; DROP TABLE numbers; --"), Malformed::BadCharacters);
        // Leading junk is skipped as libphonenumber skips it; the rest must still be a number.
        assert_eq!(digits("*67"), (false, "67".into()));
        assert_eq!(digits("\"+237 2 33 60 11 96"), (true, "237233601196".into()));
        assert_eq!(digits("<+1 264-469-1894>"), (true, "12644691894".into()));
        assert_eq!(digits("Tel. 010-1234-5678"), (false, "01012345678".into()));
        assert_eq!(malformed("Tel. 010-1234\u{0}5678"), Malformed::BadCharacters);
        assert_eq!(malformed("0"), Malformed::NoDigits);
        assert_eq!(malformed("+1"), Malformed::NoDigits);
        assert_eq!(malformed("???"), Malformed::NoDigits);
    }
}
