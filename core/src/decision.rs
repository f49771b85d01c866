//! The vocabulary of a screening decision: what to do with a call, why, and in which
//! category. The precedence that produces it lives in `decide.rs`; reading these names
//! from what a person typed, which fails with an `Error`, lives in
//! `error.rs`, so this module depends on nothing but the numbers.

use crate::number::{NumberType, Region, E164};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What the phone does with the call. Ordered from mildest to strongest.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Ring normally.
    Allow,
    /// Ring, with a spam label on the screen.
    Warn,
    /// Do not ring; the call goes to voicemail and shows in the call log.
    Silence,
    /// Reject the call.
    Block,
}

impl Action {
    pub const ALL: [Action; 4] = [Action::Allow, Action::Warn, Action::Silence, Action::Block];

    pub fn as_str(&self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Warn => "warn",
            Action::Silence => "silence",
            Action::Block => "block",
        }
    }

    pub(crate) fn from_code(code: i64) -> Action {
        Action::ALL.get(code as usize).copied().unwrap_or(Action::Allow)
    }

    pub(crate) fn code(&self) -> i64 {
        *self as i64
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! categories {
    ($($variant:ident = $code:literal, $name:literal, $label:literal;)*) => {
        /// What kind of call it is. Community reports carry one; each heuristic has one;
        /// the policy can set the action per category.
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Category { $($variant = $code,)* }

        impl Category {
            pub const ALL: &'static [Category] = &[$(Category::$variant,)*];

            pub fn as_str(&self) -> &'static str {
                match self { $(Category::$variant => $name,)* }
            }

            /// A short label for a phone's call screen.
            pub fn label(&self) -> &'static str {
                match self { $(Category::$variant => $label,)* }
            }

            /// Stable code stored in the database and on the wire.
            pub fn code(&self) -> u8 {
                *self as u8
            }

            pub fn from_code(code: u8) -> Option<Category> {
                match code { $($code => Some(Category::$variant),)* _ => None }
            }
        }
    };
}

categories! {
    None = 0, "none", "";
    Emergency = 1, "emergency", "Emergency number";
    Personal = 2, "personal", "Your list";
    Hidden = 3, "hidden", "Hidden number";
    Unknown = 4, "unknown", "Reported spam";
    Scam = 5, "scam", "Scam";
    Telemarketing = 6, "telemarketing", "Telemarketing";
    Robocall = 7, "robocall", "Robocall";
    Representative = 8, "representative", "Representative number";
    PremiumRate = 9, "premium_rate", "Premium-rate number";
    OneRing = 10, "one_ring", "Possible one-ring scam";
    Spoofed = 11, "spoofed", "Possibly spoofed";
    VirtualOperator = 12, "virtual_operator", "Virtual-operator number";
    Survey = 13, "survey", "Survey or poll";
    DebtCollection = 14, "debt_collection", "Debt collection";
}

impl Category {
    pub fn names() -> Vec<&'static str> {
        Category::ALL.iter().map(Category::as_str).collect()
    }

    /// Categories a person can pick when reporting a number.
    pub fn is_reportable(&self) -> bool {
        !matches!(self, Category::None | Category::Emergency | Category::Personal | Category::Hidden)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! reasons {
    ($($variant:ident = $bit:literal, $code:literal;)*) => {
        /// A rule that fired. Machine-readable; the app maps these to its own strings.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub enum Reason { $($variant = $bit,)* }

        impl Reason {
            pub const ALL: &'static [Reason] = &[$(Reason::$variant,)*];
            pub fn as_str(&self) -> &'static str {
                match self { $(Reason::$variant => $code,)* }
            }
        }
    };
}

reasons! {
    Emergency = 0, "emergency";
    AllowList = 1, "allow_list";
    Contact = 2, "contact";
    NotSpam = 3, "not_spam";
    BlockList = 4, "block_list";
    Reported = 5, "reported";
    Hidden = 6, "hidden";
    Community = 7, "community";
    RepresentativeNumber = 8, "representative_number";
    PremiumRate = 9, "premium_rate";
    OneRingRisk = 10, "one_ring_risk";
    VirtualOperator = 11, "virtual_operator";
    InvalidNumber = 12, "invalid_number";
    NeighbourSpoofing = 13, "neighbour_spoofing";
    StirFailed = 14, "stir_failed";
    EmergencyCallback = 15, "emergency_callback";
    UnknownCaller = 16, "unknown_caller";
    RepeatedCaller = 17, "repeated_caller";
    Paused = 18, "paused";
    QuietHours = 19, "quiet_hours";
    Disputed = 20, "disputed";
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Reason {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Reason::ALL.iter().copied().find(|r| r.as_str() == s).ok_or(())
    }
}

/// The set of reasons that fired, as bits: no allocation on the screening path.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Reasons(u32);

impl Reasons {
    pub fn of(reason: Reason) -> Reasons {
        Reasons(1 << reason as u32)
    }
    pub fn insert(&mut self, reason: Reason) {
        self.0 |= 1 << reason as u32;
    }
    pub fn contains(&self, reason: Reason) -> bool {
        self.0 & (1 << reason as u32) != 0
    }
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }
    pub fn iter(&self) -> impl Iterator<Item = Reason> + '_ {
        Reason::ALL.iter().copied().filter(|r| self.contains(*r))
    }
    /// Comma-separated codes, as stored in the history table.
    pub fn to_codes(&self) -> String {
        self.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
    }
    pub fn from_codes(codes: &str) -> Reasons {
        let mut r = Reasons::default();
        codes.split(',').filter_map(|c| c.parse().ok()).for_each(|c| r.insert(c));
        r
    }
}

impl fmt::Debug for Reasons {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter().map(|r| r.as_str())).finish()
    }
}

impl Serialize for Reasons {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(|r| r.as_str()))
    }
}

/// STIR/SHAKEN caller-ID verification, as Android reports it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// The network did not say (no STIR/SHAKEN, older Android, iOS).
    #[default]
    NotVerified,
    Passed,
    Failed,
}

/// An incoming call as the phone sees it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Call<'a> {
    /// The caller ID exactly as the platform delivered it (may be empty: hidden caller).
    pub caller_id: &'a str,
    pub verification: Verification,
    /// The platform already knows this caller as one of the user's contacts.
    pub is_contact: bool,
    /// When the call arrived (Unix seconds); `None` means now.
    pub at: Option<i64>,
    /// The region of the network the phone is on when it is not the home region
    /// (roaming): emergency numbers of that region ring too.
    pub network_region: Option<Region>,
    /// How far the phone's clock is ahead of UTC at `at`, in seconds (+32400 in Seoul,
    /// +3600 or +7200 in Berlin): time windows are in the phone's local time. `None`: UTC.
    pub utc_offset: Option<i32>,
    /// The SIM or subscription the call came in on, as the platform names it; `None`
    /// when the phone has one SIM or does not say. Only rules for every SIM match then.
    pub sim: Option<&'a str>,
}

impl<'a> Call<'a> {
    pub fn new(caller_id: &'a str) -> Call<'a> {
        Call { caller_id, ..Call::default() }
    }
}

/// What to do with one call, and why.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct Decision {
    pub action: Action,
    pub category: Category,
    /// Short text for the call screen, e.g. "Telemarketing (community score 12)". `None` when
    /// there is nothing to say.
    pub label: Option<String>,
    pub reasons: Reasons,
    /// Community spam score (decayed votes) when the community database knows the number.
    pub score: Option<f64>,
    /// The canonical number, `None` for hidden or malformed caller IDs.
    pub number: Option<E164>,
    pub number_type: NumberType,
    pub region: Option<Region>,
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        self.action == Action::Allow
    }
}
