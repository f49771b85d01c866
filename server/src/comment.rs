//! A report's comment as the server stores it: text a person wrote, for people (and an
//! operator's terminal) to read. Control characters (NUL, the escape that starts a
//! terminal sequence, BEL) and the invisible bidi controls that make text display in
//! another order than it is stored (U+202E "right-to-left override": `moc.evil` shown as
//! `live.com`) are taken out before it is stored; line breaks and tabs become one space.

/// The comment without control or bidi characters and with its white space collapsed;
/// `None` when nothing is left.
pub fn clean(comment: &str) -> Option<String> {
    let mut out = String::with_capacity(comment.len());
    let mut space = false;
    for c in comment.chars() {
        if c.is_whitespace() {
            // Spaces, tabs, line breaks (U+0085, U+2028 and U+2029 too): one space.
            space = !out.is_empty();
        } else if c.is_control() || is_bidi_control(c) {
            continue;
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The characters that change the display order of text around them (Unicode's
/// Bidi_Control property).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn controls_and_bidi_go_text_stays() {
        assert_eq!(clean("calls\0 at\u{1b}[2J night\u{7}").as_deref(), Some("calls at[2J night"));
        assert_eq!(clean("\u{202e}moc.evil\u{202c}").as_deref(), Some("moc.evil"));
        assert_eq!(clean(" two\r\n\tlines\u{2028}and\u{85}more  ").as_deref(), Some("two lines and more"));
        assert_eq!(clean("스팸 전화 ☎ مرحبا 👨\u{200d}👩").as_deref(), Some("스팸 전화 ☎ مرحبا 👨\u{200d}👩"));
        assert_eq!(clean("\u{0}\u{202e}\u{1b} \n"), None);
        assert_eq!(clean(""), None);
    }
}
