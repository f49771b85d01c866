//! The vocabulary of a decision (`ringfence_core::decision`) as FFI enums and records.
//!
//! Every conversion is an exhaustive `match`: a new core variant breaks this build
//! rather than turning up as a surprise at run time.

use crate::number::NumberType;
use crate::RingfenceError;
use ringfence_core as core;
use ringfence_core::{Region, E164};

/// What the phone does with a call. Ordered from mildest to strongest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
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

/// Methods on [`Action`].
#[uniffi::export]
impl Action {
    /// The stable name used by the command line, policy values and JSON ("allow", "warn",
    /// "silence", "block").
    pub fn code(&self) -> String {
        core::Action::from(*self).as_str().to_string()
    }
}

impl From<core::Action> for Action {
    fn from(a: core::Action) -> Self {
        match a {
            core::Action::Allow => Action::Allow,
            core::Action::Warn => Action::Warn,
            core::Action::Silence => Action::Silence,
            core::Action::Block => Action::Block,
        }
    }
}

impl From<Action> for core::Action {
    fn from(a: Action) -> Self {
        match a {
            Action::Allow => core::Action::Allow,
            Action::Warn => core::Action::Warn,
            Action::Silence => core::Action::Silence,
            Action::Block => core::Action::Block,
        }
    }
}

/// What kind of call it is. Community reports carry one; each heuristic has one; the
/// policy can set the action per category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Category {
    /// Nothing to say about the call (core name `none`; renamed because Swift's
    /// `Optional.none` would make `.none` ambiguous).
    Uncategorized,
    Emergency,
    /// Decided by the user's own lists or contacts.
    Personal,
    Hidden,
    /// Reported as spam without a more specific category.
    Unknown,
    Scam,
    Telemarketing,
    Robocall,
    /// Korean national representative number (15xx/16xx/18xx).
    Representative,
    PremiumRate,
    OneRing,
    Spoofed,
    VirtualOperator,
    Survey,
    DebtCollection,
}

/// Methods on [`Category`].
#[uniffi::export]
impl Category {
    /// A short English label for a call screen ("Telemarketing"); empty for
    /// `Uncategorized`. Apps that localise map the enum to their own strings instead.
    pub fn label(&self) -> String {
        core::Category::from(*self).label().to_string()
    }

    /// The stable name used by the command line, policy keys (`category.<code>`) and JSON
    /// ("premium_rate"; "none" for `Uncategorized`).
    pub fn code(&self) -> String {
        core::Category::from(*self).as_str().to_string()
    }

    /// Whether a person can pick this category when reporting a number.
    pub fn is_reportable(&self) -> bool {
        core::Category::from(*self).is_reportable()
    }
}

/// The categories a person can pick when reporting a number, in a stable order.
#[uniffi::export]
pub fn reportable_categories() -> Vec<Category> {
    core::Category::ALL.iter().filter(|c| c.is_reportable()).map(|&c| c.into()).collect()
}

impl From<core::Category> for Category {
    fn from(c: core::Category) -> Self {
        use core::Category as C;
        match c {
            C::None => Category::Uncategorized,
            C::Emergency => Category::Emergency,
            C::Personal => Category::Personal,
            C::Hidden => Category::Hidden,
            C::Unknown => Category::Unknown,
            C::Scam => Category::Scam,
            C::Telemarketing => Category::Telemarketing,
            C::Robocall => Category::Robocall,
            C::Representative => Category::Representative,
            C::PremiumRate => Category::PremiumRate,
            C::OneRing => Category::OneRing,
            C::Spoofed => Category::Spoofed,
            C::VirtualOperator => Category::VirtualOperator,
            C::Survey => Category::Survey,
            C::DebtCollection => Category::DebtCollection,
        }
    }
}

impl From<Category> for core::Category {
    fn from(c: Category) -> Self {
        use core::Category as C;
        match c {
            Category::Uncategorized => C::None,
            Category::Emergency => C::Emergency,
            Category::Personal => C::Personal,
            Category::Hidden => C::Hidden,
            Category::Unknown => C::Unknown,
            Category::Scam => C::Scam,
            Category::Telemarketing => C::Telemarketing,
            Category::Robocall => C::Robocall,
            Category::Representative => C::Representative,
            Category::PremiumRate => C::PremiumRate,
            Category::OneRing => C::OneRing,
            Category::Spoofed => C::Spoofed,
            Category::VirtualOperator => C::VirtualOperator,
            Category::Survey => C::Survey,
            Category::DebtCollection => C::DebtCollection,
        }
    }
}

/// A rule that fired. Machine-readable: apps map these to their own strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Reason {
    /// An emergency or essential number: always allowed.
    Emergency,
    /// On the user's allow list (exact or prefix).
    AllowList,
    /// One of the user's contacts.
    Contact,
    /// The user marked the number "not spam".
    NotSpam,
    /// On the user's block list (exact or prefix).
    BlockList,
    /// The user reported the number as spam.
    Reported,
    /// The caller hid their number.
    Hidden,
    /// The community database's score reached a threshold.
    Community,
    /// Korean national representative number (15xx/16xx/18xx).
    RepresentativeNumber,
    /// Premium-rate line.
    PremiumRate,
    /// From a country code known for one-ring callback scams, while abroad.
    OneRingRisk,
    /// Chinese virtual-operator range.
    VirtualOperator,
    /// Not a valid number in its country's plan (likely spoofed).
    InvalidNumber,
    /// Same number as the user's own but for the last digits.
    NeighbourSpoofing,
    /// STIR/SHAKEN verification failed.
    StirFailed,
    /// The user dialled an emergency number a short while ago: every call rings, since
    /// services call back from unknown numbers (policy `emergency.callback-minutes`).
    EmergencyCallback,
    /// Nothing else decided about the caller: the policy's unknown-caller action
    /// (`unknown`) applied, or (with `RepeatedCaller`) was lifted.
    UnknownCaller,
    /// The same number called often enough within the repeat window (`repeat.calls`,
    /// `repeat.minutes`, `repeat.min-gap-seconds`): it rings despite the unknown-caller
    /// action, or with its warning instead of being silenced by a heuristic.
    RepeatedCaller,
    /// The user paused screening (`pause`): every call rings until the pause ends.
    Paused,
    /// Quiet hours (`quiet.hours`, in the phone's local time): a call that would have
    /// rung got `quiet.action` (silence by default).
    QuietHours,
    /// The community server holds the listing for review (someone disputed it): at most
    /// a warning, whatever the score.
    Disputed,
}

/// Methods on [`Reason`].
#[uniffi::export]
impl Reason {
    /// The stable code used by the command line and JSON ("allow_list").
    pub fn code(&self) -> String {
        core::Reason::from(*self).as_str().to_string()
    }
}

impl From<core::Reason> for Reason {
    fn from(r: core::Reason) -> Self {
        use core::Reason as R;
        match r {
            R::Emergency => Reason::Emergency,
            R::AllowList => Reason::AllowList,
            R::Contact => Reason::Contact,
            R::NotSpam => Reason::NotSpam,
            R::BlockList => Reason::BlockList,
            R::Reported => Reason::Reported,
            R::Hidden => Reason::Hidden,
            R::Community => Reason::Community,
            R::RepresentativeNumber => Reason::RepresentativeNumber,
            R::PremiumRate => Reason::PremiumRate,
            R::OneRingRisk => Reason::OneRingRisk,
            R::VirtualOperator => Reason::VirtualOperator,
            R::InvalidNumber => Reason::InvalidNumber,
            R::NeighbourSpoofing => Reason::NeighbourSpoofing,
            R::StirFailed => Reason::StirFailed,
            R::EmergencyCallback => Reason::EmergencyCallback,
            R::UnknownCaller => Reason::UnknownCaller,
            R::RepeatedCaller => Reason::RepeatedCaller,
            R::Paused => Reason::Paused,
            R::QuietHours => Reason::QuietHours,
            R::Disputed => Reason::Disputed,
        }
    }
}

impl From<Reason> for core::Reason {
    fn from(r: Reason) -> Self {
        use core::Reason as R;
        match r {
            Reason::Emergency => R::Emergency,
            Reason::AllowList => R::AllowList,
            Reason::Contact => R::Contact,
            Reason::NotSpam => R::NotSpam,
            Reason::BlockList => R::BlockList,
            Reason::Reported => R::Reported,
            Reason::Hidden => R::Hidden,
            Reason::Community => R::Community,
            Reason::RepresentativeNumber => R::RepresentativeNumber,
            Reason::PremiumRate => R::PremiumRate,
            Reason::OneRingRisk => R::OneRingRisk,
            Reason::VirtualOperator => R::VirtualOperator,
            Reason::InvalidNumber => R::InvalidNumber,
            Reason::NeighbourSpoofing => R::NeighbourSpoofing,
            Reason::StirFailed => R::StirFailed,
            Reason::EmergencyCallback => R::EmergencyCallback,
            Reason::UnknownCaller => R::UnknownCaller,
            Reason::RepeatedCaller => R::RepeatedCaller,
            Reason::Paused => R::Paused,
            Reason::QuietHours => R::QuietHours,
            Reason::Disputed => R::Disputed,
        }
    }
}

pub(crate) fn reasons(r: core::Reasons) -> Vec<Reason> {
    r.iter().map(Reason::from).collect()
}

/// STIR/SHAKEN caller-ID verification, as Android reports it
/// (`Call.Details.getCallerNumberVerificationStatus()`, API 30+).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Verification {
    /// The network did not say (no STIR/SHAKEN, older Android, iOS).
    NotVerified,
    Passed,
    Failed,
}

impl From<Verification> for core::Verification {
    fn from(v: Verification) -> Self {
        match v {
            Verification::NotVerified => core::Verification::NotVerified,
            Verification::Passed => core::Verification::Passed,
            Verification::Failed => core::Verification::Failed,
        }
    }
}

/// What to do with one call, and why.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Decision {
    pub action: Action,
    pub category: Category,
    /// Short text for the call screen, e.g. "Telemarketing". `null`/`nil` when there is
    /// nothing to say.
    pub label: Option<String>,
    /// The rules that fired, in a fixed order.
    pub reasons: Vec<Reason>,
    /// Community spam score (decayed votes) when the community database knows the number.
    pub score: Option<f64>,
    /// The canonical number ("+8215881234"); `null`/`nil` for hidden or malformed caller IDs.
    pub e164: Option<String>,
    pub number_type: NumberType,
    /// ISO 3166 region of the number ("KR"), when known.
    pub region: Option<String>,
}

impl From<core::Decision> for Decision {
    fn from(d: core::Decision) -> Self {
        Decision {
            action: d.action.into(),
            category: d.category.into(),
            label: d.label,
            reasons: reasons(d.reasons),
            score: d.score,
            e164: d.number.map(|n| n.to_string()),
            number_type: d.number_type.into(),
            region: d.region.map(|r| r.as_str().to_string()),
        }
    }
}

impl TryFrom<Decision> for core::Decision {
    type Error = RingfenceError;

    /// Back to the core type, for `Screener.record` (a decision the app got from `screen`).
    fn try_from(d: Decision) -> Result<Self, RingfenceError> {
        let number = match d.e164 {
            None => None,
            Some(s) => Some(E164::from_digits(s.trim().trim_start_matches('+')).ok_or_else(|| {
                RingfenceError::InvalidArgument {
                    argument: "decision.e164".into(),
                    details: format!("{s:?} is not an E.164 number such as \"+821012345678\""),
                }
            })?),
        };
        let region = match d.region {
            None => None,
            Some(r) => Some(r.parse::<Region>()?),
        };
        let mut reasons = core::Reasons::default();
        d.reasons.into_iter().for_each(|r| reasons.insert(r.into()));
        Ok(core::Decision {
            action: d.action.into(),
            category: d.category.into(),
            label: d.label,
            reasons,
            score: d.score,
            number,
            number_type: d.number_type.into(),
            region,
        })
    }
}
