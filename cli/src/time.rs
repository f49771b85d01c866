//! Times on the command line: RFC 3339 with an offset (`2026-12-02T22:30:00+09:00`), or
//! Unix seconds; for ends of rules also a date alone; and durations (`90m`, `2h`, `3d`).

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

/// A call's time as `check --at` gives it: the instant, and the phone's UTC offset in
/// seconds when the text carried one (RFC 3339 with `+09:00` or `Z`; Unix seconds carry
/// none, and time windows are then read in UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct At {
    pub secs: i64,
    pub utc_offset: Option<i32>,
}

/// A `check --at` value: the instant and its offset.
pub fn parse_at(s: &str) -> Result<At, String> {
    let secs = parse(s)?;
    let utc_offset = jiff::fmt::temporal::Pieces::parse(s.trim()).ok().and_then(|p| p.offset()).map(|o| match o {
        jiff::fmt::temporal::PiecesOffset::Numeric(n) => n.offset().seconds(),
        _ => 0,
    });
    Ok(At { secs, utc_offset })
}

/// An `--until` value as Unix seconds: a time as for [`parse`], or a date alone
/// (`2026-12-31`), which means the end of that day in UTC (the rule ends at the next
/// midnight UTC).
pub fn parse_until(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if let Ok(date) = s.parse::<jiff::civil::Date>() {
        if s.len() == 10 {
            let next = date.tomorrow().map_err(|e| format!("{s:?}: {e}"))?;
            return next
                .to_zoned(jiff::tz::TimeZone::UTC)
                .map(|z| z.timestamp().as_second())
                .map_err(|e| e.to_string());
        }
    }
    parse(s).map_err(|_| {
        format!(
            "{s:?} is not a time: give RFC 3339 with an offset (2026-12-31T18:00:00+09:00), Unix seconds, or a date \
             (2026-12-31: the end of that day in UTC)"
        )
    })
}

/// A `--for` value in seconds: a whole number followed by `s`, `m`, `h`, `d` or `w`
/// (`90m`, `2h`, `3d`), at most a year.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let bad = || format!("{s:?} is not a duration: give a number and a unit, such as 90m, 2h, 3d (s, m, h, d, w)");
    let unit = match t.chars().last().ok_or_else(bad)? {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return Err(bad()),
    };
    let n: i64 = t[..t.len() - 1].parse().ok().filter(|n| *n > 0).ok_or_else(bad)?;
    n.checked_mul(unit).filter(|secs| *secs <= 366 * 86_400).ok_or_else(|| format!("{s:?}: at most a year"))
}

#[cfg(test)]
mod tests {
    use super::{parse, parse_at, parse_duration, parse_until, At};

    #[test]
    fn forms() {
        assert_eq!(parse("1764678600"), Ok(1_764_678_600));
        assert_eq!(parse("2026-12-02T22:30:00+09:00"), Ok(1_796_218_200));
        assert_eq!(parse("2026-12-02T13:30:00Z"), Ok(1_796_218_200));
        assert!(parse("2026-12-02 22:30").is_err(), "no offset: ambiguous");
        assert!(parse("tomorrow").is_err());
        assert_eq!(parse_at("2026-12-02T22:30:00+09:00"), Ok(At { secs: 1_796_218_200, utc_offset: Some(32_400) }));
        assert_eq!(parse_at("2026-12-02T08:30:00-05:00").map(|a| a.utc_offset), Ok(Some(-18_000)));
        assert_eq!(parse_at("2026-12-02T13:30:00Z"), Ok(At { secs: 1_796_218_200, utc_offset: Some(0) }));
        assert_eq!(parse_at("1796218200"), Ok(At { secs: 1_796_218_200, utc_offset: None }));
    }

    #[test]
    fn ends_and_durations() {
        // A date alone: the end of that day in UTC, i.e. the next midnight UTC.
        assert_eq!(parse_until("2026-12-31"), parse("2027-01-01T00:00:00Z"));
        assert_eq!(parse_until("2026-12-02T22:30:00+09:00"), Ok(1_796_218_200));
        assert_eq!(parse_until("1796218200"), Ok(1_796_218_200));
        assert!(parse_until("2026-13-01").is_err());
        assert!(parse_until("next week").is_err());
        assert_eq!(parse_duration("90m"), Ok(5400));
        assert_eq!(parse_duration("2h"), Ok(7200));
        assert_eq!(parse_duration("3d"), Ok(259_200));
        assert_eq!(parse_duration("45s"), Ok(45));
        for bad in ["", "h", "2", "-2h", "0m", "2x", "1.5h", "400d"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }
}
