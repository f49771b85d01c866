//! What the operator decides with the flags: when a number is listed by its own votes
//! and when phones may block it (`Rules`, applied by `aggregate.rs`), how much a device's
//! vote weighs before it has a history (`DeviceRules`), and when a block of numbers is a
//! spam range (`RangeRules`, applied by `ranges.rs`). Plain data and the small formulas
//! that belong to the values: the rest lives in those two files.

/// When votes list a number, when they let phones block it, and for how long they count.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Rules {
    /// Independent reporters (networks, `aggregate::reporters`) a listing needs.
    pub min_reporters: u32,
    /// Spam evidence (decayed to now) a listed number must keep.
    pub list_threshold: f64,
    /// Lowest Wilson lower bound (95 %) of the spam share that lists a number.
    pub min_confidence: f64,
    /// The score at which phones block (their default `threshold.block`): a number is
    /// published at or above it only when its evidence reaches it with
    /// `block_confidence`; otherwise its score stays just below (`warn_cap`).
    pub block_score: f64,
    /// Lowest Wilson lower bound of the spam share that lets phones block a number.
    pub block_confidence: f64,
    /// 0: votes never decay.
    pub half_life_secs: f64,
    /// How much a vote weighs before its device has a history.
    pub devices: DeviceRules,
    /// Blocks of numbers listed as spam ranges (`ranges.rs`).
    pub ranges: RangeRules,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            min_reporters: 3,
            list_threshold: 2.0,
            min_confidence: 0.3,
            block_score: 5.0,
            block_confidence: 0.5,
            half_life_secs: 125.0 * 86_400.0,
            devices: DeviceRules::default(),
            ranges: RangeRules::default(),
        }
    }
}

impl Rules {
    /// The highest score the wire carries below `block_score`: what a number that may be
    /// warned of but not blocked is published with at most.
    pub fn warn_cap(&self) -> f64 {
        warn_cap(self.block_score)
    }
}

/// The highest score the wire carries below `block_score` (quarter steps up to 8, then
/// steps under 3 %: `ringfence_core::wire`).
pub fn warn_cap(block_score: f64) -> f64 {
    use ringfence_core::wire::{dequantise, quantise};
    let q = quantise(block_score);
    let below = if dequantise(q) >= block_score { q.saturating_sub(1) } else { q };
    dequantise(below.max(1))
}

/// The weight of a vote by its device's history: `new_weight` for a device the server has
/// just met, rising linearly to 1 over `maturity_secs` of age, or sooner with reports that
/// others confirmed (numbers it reported that got listed): each of `confirmations` such
/// numbers counts as `maturity_secs / confirmations` of age.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct DeviceRules {
    pub new_weight: f64,
    pub maturity_secs: f64,
    pub confirmations: u32,
}

/// Every device alike (`new_weight` 1): what code that does not care gets. The server's
/// flags default to `DeviceRules::RECOMMENDED`.
impl Default for DeviceRules {
    fn default() -> Self {
        DeviceRules { new_weight: 1.0, ..DeviceRules::RECOMMENDED }
    }
}

impl DeviceRules {
    /// The server's defaults: a new device weighs a tenth, and fully after 30 days or 3
    /// confirmed reports.
    pub const RECOMMENDED: DeviceRules =
        DeviceRules { new_weight: 0.1, maturity_secs: 30.0 * 86_400.0, confirmations: 3 };

    /// The weight (new_weight..=1) of a vote its device cast when it had been known for
    /// `age_secs` and had `confirmed` reports confirmed.
    pub fn trust(&self, age_secs: i64, confirmed: i64) -> f64 {
        let new = self.new_weight.clamp(0.0, 1.0);
        if new >= 1.0 {
            return 1.0;
        }
        let by_age = if self.maturity_secs <= 0.0 { 1.0 } else { age_secs.max(0) as f64 / self.maturity_secs };
        let by_confirmed =
            if self.confirmations == 0 { 0.0 } else { confirmed.max(0) as f64 / f64::from(self.confirmations) };
        new + (1.0 - new) * (by_age + by_confirmed).min(1.0)
    }
}

/// When a block of ten or a hundred numbers is a spam range, and when its unreported
/// numbers may be blocked.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct RangeRules {
    /// Members a /10 block needs to be a range (0: range detection off).
    pub min10: u32,
    /// Ranges of ten a /100 block needs to be a range (0: /100 ranges off).
    pub min100: u32,
    /// Members of its ten that phones block (score at least `block_score`) before the
    /// ten's unreported numbers may be blocked too; below that they are only warned of.
    pub block10: u32,
    /// `Rules::block_score`, which range numbers stay below unless `block10` holds.
    pub block_score: f64,
}

impl Default for RangeRules {
    fn default() -> Self {
        RangeRules { min10: 4, min100: 4, block10: 8, block_score: 5.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warn_cap_is_the_wire_score_just_below_blocking() {
        assert_eq!(warn_cap(5.0), 4.75);
        assert_eq!(warn_cap(4.9), 4.75);
        assert!(warn_cap(20.0) < 20.0 && warn_cap(20.0) > 19.0);
        assert_eq!(Rules::default().warn_cap(), 4.75);
    }

    #[test]
    fn devices_earn_their_weight() {
        assert_eq!(DeviceRules::default().trust(0, 0), 1.0, "off unless chosen");
        let d = DeviceRules::RECOMMENDED;
        assert_eq!(d.trust(0, 0), 0.1);
        assert!((d.trust(15 * 86_400, 0) - 0.55).abs() < 1e-9, "half way by age");
        assert_eq!(d.trust(30 * 86_400, 0), 1.0);
        assert_eq!(d.trust(400 * 86_400, 0), 1.0);
        assert!((d.trust(0, 1) - 0.4).abs() < 1e-9, "a confirmed report is a third of the way");
        assert_eq!(d.trust(0, 3), 1.0);
        assert_eq!(d.trust(-5, 0), 0.1, "a clock that went backwards is a new device");
        assert_eq!(DeviceRules { new_weight: 1.0, ..d }.trust(0, 0), 1.0, "weighting off");
        assert_eq!(DeviceRules { maturity_secs: 0.0, ..d }.trust(0, 0), 1.0);
    }
}
