//! Times on the command line: RFC 3339 with an offset (`2026-12-02T22:30:00+09:00`), or
//! Unix seconds.

/// A `--at` value as Unix seconds.
pub fn parse(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<i64>() {
        return Ok(secs);
    }
    s.parse::<jiff::Timestamp>().map(|t| t.as_second()).map_err(|_| {
        format!("{s:?} is not a time: give RFC 3339 with an offset (2026-12-02T22:30:00+09:00) or Unix seconds")
    })
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn forms() {
        assert_eq!(parse("1764678600"), Ok(1_764_678_600));
        assert_eq!(parse("2026-12-02T22:30:00+09:00"), Ok(1_796_218_200));
        assert_eq!(parse("2026-12-02T13:30:00Z"), Ok(1_796_218_200));
        assert!(parse("2026-12-02 22:30").is_err(), "no offset: ambiguous");
        assert!(parse("tomorrow").is_err());
    }
}
