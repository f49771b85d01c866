//! The numbering-plan tables that `build.rs` compiles from libphonenumber's metadata.
//! Everything here is `static`: nothing to load, parse or lock at start-up.

use super::NumberType;

/// An unrolled regex: its paths are `count` tokens from `first` in [`TOKENS`], each path
/// ended by 0, in the regex's priority order (see `plan::matches`). `count == 0` means
/// "no such regex".
#[derive(Clone, Copy)]
pub(super) struct Pat {
    pub first: u32,
    pub count: u32,
    /// Capture groups in the regex.
    pub groups: u8,
    /// Digits a match can begin with (bit d): a quick test before matching.
    pub starts: u16,
}

/// Tokens of unrolled regexes: `1..=0x3FF` a set of digits (bit d = digit d),
/// [`TOK_END`] / [`TOK_START`] anchors, `TOK_SAVE | slot` a capture mark, 0 ends a path.
pub(super) const TOK_END: u16 = 0x4000;
pub(super) const TOK_START: u16 = 0x4001;
pub(super) const TOK_SAVE: u16 = 0x8000;

/// One country calling code.
pub(super) struct Country {
    pub cc: u16,
    /// Start state of the country code's DFA in [`PLAN`].
    pub start: u16,
    /// The regions sharing the code, `(first index in REGIONS, count)`; the main one first.
    pub regions: (u16, u8),
}

/// One region's parsing and formatting data.
pub(super) struct RegionData {
    /// ISO code, or zeros for non-geographic entities (+800, +979, ...).
    pub id: [u8; 2],
    pub cc: u16,
    /// Index among its country code's regions (bit in [`Res::viable`]).
    pub local: u8,
    /// Index into [`COUNTRIES`].
    pub country: u16,
    /// International access prefix (`00`, `011`, `00(?:[125689]|...)`).
    pub idd: Pat,
    /// National prefix for parsing (defaults to the national prefix).
    pub npp: Pat,
    /// `national_prefix_transform_rule` (`$1` style), empty when none.
    pub transform: &'static str,
    pub national_prefix: &'static str,
    /// Possible NSN lengths (bit n = length n), and the local-only ones.
    pub general_lengths: u32,
    pub local_lengths: u32,
    /// `(first index in FORMATS, count)` used for international formatting.
    pub formats: (u16, u16),
    /// Start state of the region's short-number DFA in [`SHORT`], `u16::MAX` when the
    /// short-number data has no entry for the region.
    pub short_start: u16,
}

/// One set of compiled DFAs (the layout is below).
pub(super) struct Dfa {
    pub states: &'static [u8],
    pub rows: &'static [u8],
}

pub(super) struct Format {
    /// The last (most specific) leading-digits pattern, prefix match.
    pub lead: Pat,
    /// Must match the whole NSN; its groups feed `template`.
    pub pattern: Pat,
    pub template: &'static str,
}

/// What a DFA state answers for the national significant number read so far.
pub(super) struct Res {
    /// Index among the country code's regions (libphonenumber's getRegionCodeForNumber),
    /// -1 when no region claims the number.
    pub region: i8,
    /// libphonenumber's getNumberType (Unknown = invalid).
    pub number_type: NumberType,
    /// The region marks the number as not diallable from abroad.
    pub no_intl: bool,
    /// Bit i: region i's general pattern matches (libphonenumber's "viable" number).
    pub viable: u32,
}

include!(concat!(env!("OUT_DIR"), "/number_tables.rs"));

// DFA states: one little-endian u32 per state in `states`. Low 16 bits: the index of the
// state's answer (into RESULTS for PLAN, SHORT_RESULTS for SHORT). High 16 bits: the next
// state for every digit, or, with bit 15 set, the index of a row of ten next states (u16 LE
// each) in `rows`. Most states (`\d`) need no row.

impl Dfa {
    #[inline(always)]
    fn word(&self, state: usize) -> u32 {
        let i = state * 4;
        u32::from_le_bytes([self.states[i], self.states[i + 1], self.states[i + 2], self.states[i + 3]])
    }

    /// Next state from `state` on digit `d` (0..=9).
    #[inline(always)]
    pub fn step(&self, state: usize, d: u8) -> usize {
        let high = (self.word(state) >> 16) as usize;
        if high & 0x8000 == 0 {
            return high;
        }
        let i = ((high & 0x7FFF) * 10 + usize::from(d)) * 2;
        usize::from(u16::from_le_bytes([self.rows[i], self.rows[i + 1]]))
    }

    /// The index of the state's answer.
    #[inline(always)]
    pub fn answer(&self, state: usize) -> usize {
        (self.word(state) & 0xFFFF) as usize
    }
}

/// Next numbering-plan DFA state from `state` on digit `d` (0..=9).
#[inline(always)]
pub(super) fn step(state: usize, d: u8) -> usize {
    PLAN.step(state, d)
}

#[inline(always)]
pub(super) fn result(state: usize) -> &'static Res {
    &RESULTS[PLAN.answer(state)]
}
