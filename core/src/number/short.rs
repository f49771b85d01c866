//! Short numbers (112, 117, 1330, 95588, 118118) as libphonenumber's ShortNumberInfo reads
//! them, over the tables `build.rs` compiles from its short-number metadata: one small DFA
//! per region whose states say which descriptions match the digits read so far.

use super::data::{
    RegionData, SHORT, SHORT_EMERGENCY, SHORT_EXPANDED_EMERGENCY, SHORT_GENERAL, SHORT_MAX_LEN, SHORT_PREMIUM_RATE,
    SHORT_RESULTS, SHORT_SHORT_CODE, SHORT_STANDARD_RATE, SHORT_TOLL_FREE,
};
use super::NumberType;

/// What the short-number data of one region says about a digit string dialled there.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ShortInfo(u16);

/// Reads `digits` (ASCII, as dialled in region `r`) with the region's short-number data.
#[inline]
pub fn info(r: &RegionData, digits: &[u8]) -> ShortInfo {
    if r.short_start == u16::MAX || digits.is_empty() || digits.len() > SHORT_MAX_LEN {
        return ShortInfo(0);
    }
    let mut s = usize::from(r.short_start);
    for &d in digits {
        s = SHORT.step(s, d - b'0');
    }
    ShortInfo(SHORT_RESULTS[SHORT.answer(s)])
}

impl ShortInfo {
    fn has(self, bit: u16) -> bool {
        self.0 & bit != 0
    }

    /// libphonenumber's isEmergencyNumber (an exact match of the emergency description),
    /// and the data's "expanded emergency" numbers (rescue services, crisis lines), which a
    /// call blocker must not screen out either.
    pub fn emergency(self) -> bool {
        self.has(SHORT_EMERGENCY) || self.has(SHORT_EXPANDED_EMERGENCY)
    }

    /// isValidShortNumberForRegion: the general and the short-code descriptions match.
    pub fn valid(self) -> bool {
        self.has(SHORT_GENERAL) && self.has(SHORT_SHORT_CODE)
    }

    /// getExpectedCostForRegion as a number type, most expensive first: premium rate,
    /// then standard rate (a plain short code), then toll free; unknown cost is a short code.
    pub fn number_type(self) -> NumberType {
        if self.has(SHORT_PREMIUM_RATE) {
            NumberType::PremiumRate
        } else if self.has(SHORT_STANDARD_RATE) {
            NumberType::ShortCode
        } else if self.has(SHORT_TOLL_FREE) {
            NumberType::TollFree
        } else {
            NumberType::ShortCode
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::{plan, Region};

    fn at(region: &str, digits: &str) -> ShortInfo {
        info(plan::region_data(region.parse::<Region>().unwrap()).unwrap(), digits.as_bytes())
    }

    #[test]
    fn emergency_numbers_from_the_data() {
        for (r, n) in [("CH", "117"), ("CH", "144"), ("NO", "113"), ("PL", "999"), ("AT", "144"), ("ZA", "10111")] {
            assert!(at(r, n).emergency(), "{r} {n}");
        }
        assert!(at("KR", "112").emergency() && at("KR", "119").emergency());
        // Expanded emergency: KR 113 (spy and terror reports), 1366 (women's crisis line).
        assert!(at("KR", "113").emergency() && at("KR", "1366").emergency());
        assert!(!at("CH", "118118").emergency());
        assert!(!at("KR", "1588").emergency());
    }

    #[test]
    fn validity_and_cost() {
        let ch = at("CH", "117");
        assert!(ch.valid());
        assert_eq!(at("CH", "1811").number_type(), NumberType::PremiumRate);
        assert_eq!(at("CH", "143").number_type(), NumberType::ShortCode);
        assert!(at("KR", "18111234").valid(), "KR 1811 representative lines are short codes");
        assert!(!at("KR", "99999").valid());
        // Longer than any short number, or empty: nothing.
        assert_eq!(at("KR", "12345678901"), ShortInfo(0));
        assert_eq!(at("KR", ""), ShortInfo(0));
    }

    /// The copy in `core/data` is the one in the `phonenumber` crate that Cargo resolved,
    /// so the short-number tables and the main plan come from the same metadata version.
    #[test]
    fn short_metadata_is_the_crates_copy() {
        let ours = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/ShortNumberMetadata.xml")).unwrap();
        let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.lock")).unwrap();
        let version = lock
            .split("[[package]]")
            .find_map(|p| {
                p.contains("name = \"phonenumber\"").then(|| p.split("version = \"").nth(1)?.split('"').next())
            })
            .flatten()
            .expect("phonenumber in Cargo.lock");
        let home = std::env::var("CARGO_HOME")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| std::path::PathBuf::from(std::env::var("HOME").unwrap()).join(".cargo"));
        let registry = home.join("registry/src");
        let crate_copy = std::fs::read_dir(&registry)
            .unwrap_or_else(|e| panic!("{}: {e}", registry.display()))
            .filter_map(|index| {
                std::fs::read(index.ok()?.path().join(format!("phonenumber-{version}/assets/ShortNumberMetadata.xml")))
                    .ok()
            })
            .next()
            .unwrap_or_else(|| panic!("phonenumber-{version} not found under {}", registry.display()));
        assert!(ours == crate_copy, "core/data/ShortNumberMetadata.xml differs from phonenumber-{version}'s copy");
    }
}
