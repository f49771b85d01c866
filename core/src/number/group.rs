//! Number groups as list patterns: by number type (`type:toll_free`), region
//! (`region:KR`), country calling code (`cc:+86`), or "not my home region"
//! (`region:foreign`). Matched on a parsed number, so the types and regions are the
//! numbering plan's, read once per call by the parser.

use super::{NumberType, PhoneNumber, Region};
use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Group {
    /// Every number of this type (`type:premium_rate`).
    Type(NumberType),
    /// Every number of this region (`region:JP`).
    Region(Region),
    /// Every number under this country calling code (`cc:+1`: the US, Canada, the
    /// Caribbean, ...).
    CountryCode(u16),
    /// Every number outside the user's home region (`region:foreign`): a +1 876 number
    /// is foreign for a US user though both share country code 1.
    Foreign,
}

impl Group {
    /// Reads `type:NAME`, `region:CC`, `region:foreign`, `cc:+N` (or `cc:N`). `None`:
    /// not group syntax (a number or prefix); `Some(Err(why))`: group syntax, bad value.
    pub fn parse(raw: &str) -> Option<Result<Group, String>> {
        let (kind, value) = raw.trim().split_once(':')?;
        let value = value.trim();
        Some(match kind.trim().to_ascii_lowercase().as_str() {
            "type" => NumberType::ALL
                .iter()
                .find(|t| t.as_str().eq_ignore_ascii_case(value))
                .map(|t| Group::Type(*t))
                .ok_or_else(|| {
                    let names: Vec<&str> = NumberType::ALL.iter().map(NumberType::as_str).collect();
                    format!("names no number type {value:?}; known: {}", names.join(", "))
                }),
            "region" if value.eq_ignore_ascii_case("foreign") => Ok(Group::Foreign),
            "region" => value
                .parse::<Region>()
                .map(Group::Region)
                .map_err(|_| format!("names no region {value:?}: give an ISO code such as KR, or foreign")),
            "cc" => value
                .trim_start_matches('+')
                .parse::<u16>()
                .ok()
                .filter(|cc| (1..=999).contains(cc) && Region::all().any(|r| r.country_code() == Some(*cc)))
                .map(Group::CountryCode)
                .ok_or_else(|| format!("names no country calling code {value:?}: give one such as +82 or 1")),
            _ => return None,
        })
    }

    /// Whether the number belongs to the group, for a user whose home is `home`.
    pub fn matches(&self, n: &PhoneNumber, home: Region) -> bool {
        match *self {
            Group::Type(t) => n.number_type == t,
            Group::Region(r) => n.region == Some(r),
            Group::CountryCode(cc) => n.country_code == cc,
            Group::Foreign => match n.region {
                Some(r) => r != home,
                None => Some(n.country_code) != home.country_code(),
            },
        }
    }

    /// The group's storage columns: kind (2 type, 3 region, 4 country code, 5 foreign)
    /// and a number for the value.
    pub fn columns(&self) -> (i64, i64) {
        match *self {
            Group::Type(t) => (2, NumberType::ALL.iter().position(|x| *x == t).unwrap_or(0) as i64),
            Group::Region(r) => {
                let b = r.to_string().into_bytes();
                (3, i64::from(b[0]) << 8 | i64::from(b[1]))
            }
            Group::CountryCode(cc) => (4, i64::from(cc)),
            Group::Foreign => (5, 0),
        }
    }

    /// From storage columns; `None` for a kind or value this build does not know.
    pub fn from_columns(kind: i64, value: i64) -> Option<Group> {
        match kind {
            2 => NumberType::ALL.get(usize::try_from(value).ok()?).map(|t| Group::Type(*t)),
            3 => {
                let bytes = [u8::try_from(value >> 8).ok()?, u8::try_from(value & 0xff).ok()?];
                std::str::from_utf8(&bytes).ok()?.parse().ok().map(Group::Region)
            }
            4 => u16::try_from(value).ok().map(Group::CountryCode),
            5 => Some(Group::Foreign),
            _ => None,
        }
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Group::Type(t) => write!(f, "type:{}", t.as_str()),
            Group::Region(r) => write!(f, "region:{r}"),
            Group::CountryCode(cc) => write!(f, "cc:+{cc}"),
            Group::Foreign => f.write_str("region:foreign"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::{parse, Caller};

    fn num(raw: &str, home: Region) -> PhoneNumber {
        match parse(raw, home) {
            Caller::Number(n) => n,
            other => panic!("{raw}: {other:?}"),
        }
    }

    #[test]
    fn parse_show_and_store() {
        for text in ["type:toll_free", "type:premium_rate", "region:JP", "cc:+86", "region:foreign"] {
            let g = Group::parse(text).unwrap().unwrap();
            assert_eq!(g.to_string(), text);
            let (kind, value) = g.columns();
            assert_eq!(Group::from_columns(kind, value), Some(g));
        }
        assert_eq!(Group::parse("Region:kr").unwrap().unwrap().to_string(), "region:KR");
        assert_eq!(Group::parse("cc:82").unwrap().unwrap().to_string(), "cc:+82");
        assert_eq!(Group::parse("TYPE:VOIP").unwrap().unwrap(), Group::Type(NumberType::Voip));
        for bad in ["type:cheap", "region:XX", "cc:+999", "cc:abc", "region:"] {
            assert!(Group::parse(bad).unwrap().is_err(), "{bad}");
        }
        assert!(Group::parse("+8210*").is_none() && Group::parse("tel:+821012345678").is_none());
        assert_eq!(Group::from_columns(9, 0), None);
    }

    #[test]
    fn membership() {
        let us = Region::US;
        let g = |s: &str| Group::parse(s).unwrap().unwrap();
        assert!(g("type:toll_free").matches(&num("(800) 555-0199", us), us));
        assert!(!g("type:toll_free").matches(&num("(212) 555-0199", us), us));
        assert!(g("region:JP").matches(&num("+81 3-1234-5678", us), us));
        assert!(g("cc:+1").matches(&num("+1 876 555 0199", us), us));
        // Jamaica shares +1 but is foreign for a US user; New York is not.
        assert!(g("region:foreign").matches(&num("+1 876 555 0199", us), us));
        assert!(!g("region:foreign").matches(&num("(212) 555-0199", us), us));
        assert!(g("region:foreign").matches(&num("+82 10-1234-5678", us), us));
    }
}
