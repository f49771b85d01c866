//! What the operator decides with the flags: when a number is listed by its own votes
//! (`Rules`, applied by `aggregate.rs`) and when a block of numbers is a spam range
//! (`RangeRules`, applied by `ranges.rs`). Plain data: the formulas live in those two.

/// When votes list a number, and for how long they count.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Rules {
    pub min_reporters: u32,
    pub list_threshold: f64,
    pub min_confidence: f64,
    /// 0: votes never decay.
    pub half_life_secs: f64,
    /// Blocks of numbers listed as spam ranges (`ranges.rs`).
    pub ranges: RangeRules,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            min_reporters: 3,
            list_threshold: 2.0,
            min_confidence: 0.3,
            half_life_secs: 125.0 * 86_400.0,
            ranges: RangeRules::default(),
        }
    }
}

/// When a block of ten or a hundred numbers is a spam range.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RangeRules {
    /// Members a /10 block needs to be a range (0: range detection off).
    pub min10: u32,
    /// Ranges of ten a /100 block needs to be a range (0: /100 ranges off).
    pub min100: u32,
}

impl Default for RangeRules {
    fn default() -> Self {
        RangeRules { min10: 4, min100: 3 }
    }
}
