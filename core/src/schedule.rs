//! Time windows in the phone's local time: "22:00-07:00 on mon-fri". Rules, modes and
//! quiet hours can be limited to one.
//!
//! The core never reads a time zone: the caller gives each call's instant and the UTC
//! offset in force at that instant (the CLI from `--at`'s RFC 3339 offset or the system
//! zone, the apps from the platform), so a daylight-saving change is the platform's
//! business and a window is plain arithmetic on the screening path.
//!
//! A window that crosses midnight belongs to the day it starts on: "22:00-07:00 on
//! mon-fri" covers Friday 23:00 and Saturday 06:00, but not Monday 06:00 (that night
//! started on Sunday).

use std::fmt;

/// Minutes in a day.
const DAY: u16 = 24 * 60;

/// The local wall-clock time of a call: day of the week and minute of the day.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct LocalTime {
    /// 0 = Monday ... 6 = Sunday.
    pub weekday: u8,
    /// 0 ..= 1439.
    pub minute: u16,
}

impl LocalTime {
    /// The local time at `at` (Unix seconds) for a phone whose clock is `utc_offset`
    /// seconds ahead of UTC.
    pub fn at(at: i64, utc_offset: i32) -> LocalTime {
        let local = at.saturating_add(i64::from(utc_offset));
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        // 1970-01-01 was a Thursday (3 with Monday = 0).
        LocalTime { weekday: (days + 3).rem_euclid(7) as u8, minute: (secs / 60) as u16 }
    }
}

/// A set of days of the week, bit 0 = Monday.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Days(u8);

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Days {
    pub const ALL: Days = Days(0x7f);

    pub fn contains(self, weekday: u8) -> bool {
        self.0 & (1 << weekday) != 0
    }

    pub fn bits(self) -> u8 {
        self.0
    }

    /// From stored bits; `None` for no day at all or bits beyond Sunday.
    pub fn from_bits(bits: i64) -> Option<Days> {
        (1..=0x7f).contains(&bits).then_some(Days(bits as u8))
    }

    /// `mon-fri`, `sat,sun`, `mon,wed-fri`, `fri-mon` (wrapping), `daily`, `weekdays`,
    /// `weekends`; any case.
    pub fn parse(s: &str) -> Result<Days, String> {
        let bad = || format!("{:?} is no days: give mon-fri, sat,sun, mon,wed-fri, daily, weekdays or weekends", s);
        let t = s.trim().to_ascii_lowercase();
        match t.as_str() {
            "" | "daily" | "all" | "every day" => return Ok(Days::ALL),
            "weekdays" => return Ok(Days(0x1f)),
            "weekends" | "weekend" => return Ok(Days(0x60)),
            _ => {}
        }
        let day = |name: &str| DAY_NAMES.iter().position(|d| *d == name.trim()).ok_or_else(bad);
        let mut bits = 0u8;
        for part in t.split(',') {
            match part.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (day(a)?, day(b)?);
                    let mut d = a;
                    loop {
                        bits |= 1 << d;
                        if d == b {
                            break;
                        }
                        d = (d + 1) % 7;
                    }
                }
                None => bits |= 1 << day(part)?,
            }
        }
        Ok(Days(bits))
    }
}

impl fmt::Display for Days {
    /// `daily`, or the shortest list of ranges: `mon-fri`, `mon,wed,sat-sun`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Days::ALL {
            return f.write_str("daily");
        }
        let mut parts = Vec::new();
        let mut d = 0;
        while d < 7 {
            if !self.contains(d) {
                d += 1;
                continue;
            }
            let start = d;
            while d + 1 < 7 && self.contains(d + 1) {
                d += 1;
            }
            parts.push(match d - start {
                0 => DAY_NAMES[start as usize].to_string(),
                1 => format!("{},{}", DAY_NAMES[start as usize], DAY_NAMES[d as usize]),
                _ => format!("{}-{}", DAY_NAMES[start as usize], DAY_NAMES[d as usize]),
            });
            d += 1;
        }
        f.write_str(&parts.join(","))
    }
}

/// From `start` (inclusive) to `end` (exclusive), minutes of the day; `end < start`
/// crosses midnight.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Hours {
    start: u16,
    end: u16,
}

impl Hours {
    pub fn new(start: u16, end: u16) -> Option<Hours> {
        (start < DAY && end <= DAY && start != end && !(end == DAY && start == 0)).then_some(Hours { start, end })
    }

    pub fn start(self) -> u16 {
        self.start
    }

    pub fn end(self) -> u16 {
        self.end
    }

    /// `22:00-07:00`, `09:30-17:00`, `18:00-24:00`.
    pub fn parse(s: &str) -> Result<Hours, String> {
        let bad = || format!("{s:?} is no time window: give HH:MM-HH:MM, such as 22:00-07:00 (24:00 ends at midnight)");
        let (a, b) = s.trim().split_once('-').ok_or_else(bad)?;
        let minute = |t: &str| -> Option<u16> {
            let (h, m) = t.trim().split_once(':')?;
            if h.is_empty() || h.len() > 2 || m.len() != 2 {
                return None;
            }
            let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
            (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
        };
        let (start, end) = (minute(a).ok_or_else(bad)?, minute(b).ok_or_else(bad)?);
        if start == DAY {
            return Err(bad());
        }
        Hours::new(start, end)
            .ok_or_else(|| format!("{s:?}: the window is empty or the whole day; leave the hours out for a whole day"))
    }

    fn crosses_midnight(self) -> bool {
        self.end < self.start
    }
}

impl fmt::Display for Hours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        write!(f, "{}-{}", hm(self.start), hm(self.end))
    }
}

/// Days of the week, and optionally hours within them (none: the whole day).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Window {
    pub days: Days,
    pub hours: Option<Hours>,
}

impl Window {
    /// Every day, all day: no limit.
    pub const ALWAYS: Window = Window { days: Days::ALL, hours: None };

    pub fn is_always(&self) -> bool {
        *self == Window::ALWAYS
    }

    /// Whether a call at local time `t` falls in the window. A window crossing midnight
    /// belongs to the day it starts on.
    pub fn contains(&self, t: LocalTime) -> bool {
        match self.hours {
            None => self.days.contains(t.weekday),
            Some(h) if !h.crosses_midnight() => {
                self.days.contains(t.weekday) && h.start <= t.minute && t.minute < h.end
            }
            Some(h) => {
                let yesterday = (t.weekday + 6) % 7;
                (self.days.contains(t.weekday) && t.minute >= h.start)
                    || (self.days.contains(yesterday) && t.minute < h.end)
            }
        }
    }

    /// Whether the window holds at `t`; with no time known, it does (the limit cannot
    /// be checked, so the rule or setting applies as if unlimited).
    pub fn holds(&self, t: Option<LocalTime>) -> bool {
        t.is_none_or(|t| self.contains(t))
    }
}

impl fmt::Display for Window {
    /// `mon-fri 22:00-07:00`, `daily 09:00-17:00`, `sat,sun`, `always`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.is_always(), self.hours) {
            (true, _) => f.write_str("always"),
            (false, None) => self.days.fmt(f),
            (false, Some(h)) => write!(f, "{} {h}", self.days),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(weekday: u8, hh: u16, mm: u16) -> LocalTime {
        LocalTime { weekday, minute: hh * 60 + mm }
    }

    #[test]
    fn local_time_from_instant_and_offset() {
        // 2026-12-02T22:30:00+09:00 is a Wednesday; the same instant is 13:30 in UTC.
        assert_eq!(LocalTime::at(1_796_218_200, 9 * 3600), t(2, 22, 30));
        assert_eq!(LocalTime::at(1_796_218_200, 0), t(2, 13, 30));
        // -10:00 puts it on Wednesday 03:30; before 1970 works too (1969-12-31 was a Wednesday).
        assert_eq!(LocalTime::at(1_796_218_200, -10 * 3600), t(2, 3, 30));
        assert_eq!(LocalTime::at(-60, 0), t(2, 23, 59));
    }

    #[test]
    fn days() {
        assert_eq!(Days::parse("mon-fri").unwrap().to_string(), "mon-fri");
        assert_eq!(Days::parse("Sat,Sun").unwrap().to_string(), "sat,sun");
        assert_eq!(Days::parse("fri-mon").unwrap().to_string(), "mon,fri-sun");
        assert_eq!(Days::parse("mon,wed-fri").unwrap().to_string(), "mon,wed-fri");
        assert_eq!(Days::parse("weekdays").unwrap(), Days::parse("mon-fri").unwrap());
        assert_eq!(Days::parse("daily").unwrap(), Days::ALL);
        assert_eq!(Days::ALL.to_string(), "daily");
        for bad in ["monday", "mon-", "mon;tue", "xyz", "mon,,tue"] {
            assert!(Days::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hours() {
        assert_eq!(Hours::parse("22:00-07:00").unwrap().to_string(), "22:00-07:00");
        assert_eq!(Hours::parse(" 9:30 - 17:00 ").unwrap().to_string(), "09:30-17:00");
        assert_eq!(Hours::parse("18:00-24:00").unwrap().end(), 1440);
        for bad in ["22-07", "22:00", "25:00-07:00", "22:60-07:00", "07:00-07:00", "00:00-24:00", "24:00-07:00", ""] {
            assert!(Hours::parse(bad).is_err(), "{bad}");
        }
    }

    /// The bug SpamBlocker #130 had: a window across midnight.
    #[test]
    fn across_midnight_belongs_to_its_first_day() {
        let w = Window { days: Days::parse("mon-fri").unwrap(), hours: Some(Hours::parse("22:00-07:00").unwrap()) };
        assert!(w.contains(t(0, 22, 0)), "Monday 22:00");
        assert!(w.contains(t(1, 6, 59)), "Tuesday 06:59, Monday's night");
        assert!(!w.contains(t(1, 7, 0)), "Tuesday 07:00: over");
        assert!(!w.contains(t(0, 21, 59)));
        assert!(w.contains(t(4, 23, 0)), "Friday 23:00");
        assert!(w.contains(t(5, 6, 0)), "Saturday 06:00 is Friday's night");
        assert!(!w.contains(t(5, 22, 0)), "Saturday evening");
        assert!(!w.contains(t(0, 6, 0)), "Monday 06:00 is Sunday's night");
        let day = Window { days: Days::ALL, hours: Some(Hours::parse("09:00-17:00").unwrap()) };
        assert!(day.contains(t(6, 9, 0)) && !day.contains(t(6, 17, 0)) && !day.contains(t(6, 8, 59)));
        let weekend = Window { days: Days::parse("sat,sun").unwrap(), hours: None };
        assert!(weekend.contains(t(5, 0, 0)) && weekend.contains(t(6, 23, 59)) && !weekend.contains(t(0, 0, 0)));
        assert!(Window::ALWAYS.holds(None) && w.holds(None) && !w.holds(Some(t(2, 12, 0))));
        assert_eq!(w.to_string(), "mon-fri 22:00-07:00");
        assert_eq!(Window::ALWAYS.to_string(), "always");
    }
}
