//! The user's screening policy: thresholds, the hidden-caller action, their own number,
//! and an action per category. Persisted as `key = value` settings, so `policy set KEY
//! VALUE` on the command line and the app's settings screen share one vocabulary.

use crate::decision::{Action, Category};
use crate::number::{parse, Caller, Region, E164};
use crate::rules::Scope;
use crate::schedule::{Days, Hours, Window};
use crate::Error;
use std::collections::BTreeMap;

#[derive(Clone, PartialEq, Debug)]
pub struct Policy {
    /// Community score at which a number is labelled as spam.
    pub warn_threshold: f64,
    /// Community score at which a number is blocked.
    pub block_threshold: f64,
    /// What to do with callers who hide their number.
    pub hidden_action: Action,
    /// The user's own number, for neighbour-spoofing detection.
    pub own_number: Option<E164>,
    /// Community evidence loses half its weight after this many days (0: never).
    pub half_life_days: f64,
    /// How many screened calls the history keeps.
    pub history_limit: u32,
    /// After the user dials an emergency number, every call rings for this many minutes
    /// (services call back from numbers nobody has in their contacts; 0: off).
    pub emergency_callback_minutes: u32,
    /// What to do with a caller no step decided: not a contact, not on a list, nothing
    /// known against the number (`unknown`; allow by default).
    pub unknown_action: Action,
    /// Numbers the user called within this many days count as known: the unknown-caller
    /// action does not apply to them (`known.outgoing-days`; 0: off).
    pub known_outgoing_days: u32,
    /// A number calling this many times within `repeat_minutes` gets through the
    /// unknown-caller action (`repeat.calls`; 0: off).
    pub repeat_calls: u32,
    /// The repeat rule's window (`repeat.minutes`).
    pub repeat_minutes: u32,
    /// Calls closer together than this count once (`repeat.min-gap-seconds`): a
    /// robo-redial is not a person trying again.
    pub repeat_min_gap_seconds: u32,
    /// The user's choice of action per category, overriding the defaults.
    pub category_actions: BTreeMap<Category, Action>,
    /// The unknown-caller action applies only in this window of local time
    /// (`unknown.hours`, `unknown.days`); outside it unknown callers ring.
    pub unknown_window: Window,
    /// The hidden-caller action applies only in this window (`hidden.hours`,
    /// `hidden.days`); outside it hidden callers ring.
    pub hidden_window: Window,
    /// The user's category actions apply only in this window (`category.hours`,
    /// `category.days`); outside it every category has its default.
    pub category_window: Window,
    /// Quiet hours (`quiet.hours`; `None`: off): in them, a call that would ring gets
    /// `quiet_action` unless it is from a contact, the allow list, a number the user
    /// called recently or a repeated caller.
    pub quiet_hours: Option<Hours>,
    /// The days quiet hours start on (`quiet.days`, daily by default).
    pub quiet_days: Days,
    /// What quiet hours do with the calls they catch (`quiet.action`, silence by default).
    pub quiet_action: Action,
    /// The unknown-caller action applies only to calls on this SIM (`unknown.sim`;
    /// `None`: every SIM). Calls that do not say their SIM are not on it.
    pub unknown_sim: Option<String>,
    /// The hidden-caller action, for this SIM only (`hidden.sim`).
    pub hidden_sim: Option<String>,
    /// The category actions, for this SIM only (`category.sim`).
    pub category_sim: Option<String>,
    /// Quiet hours, for this SIM only (`quiet.sim`).
    pub quiet_sim: Option<String>,
}

/// Whether a mode limited to `limit` (a SIM) applies to a call in `scope`. Without a
/// time (the Call Directory's timeless view) limits do not apply, as windows do not.
fn sim_holds(limit: &Option<String>, scope: &Scope) -> bool {
    limit.as_deref().is_none_or(|sim| scope.local.is_none() || scope.sim == Some(sim))
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            warn_threshold: 2.0,
            block_threshold: 5.0,
            hidden_action: Action::Allow,
            own_number: None,
            half_life_days: 125.0,
            history_limit: 1000,
            emergency_callback_minutes: 60,
            unknown_action: Action::Allow,
            known_outgoing_days: 30,
            repeat_calls: 2,
            repeat_minutes: 3,
            repeat_min_gap_seconds: 20,
            category_actions: BTreeMap::new(),
            unknown_window: Window::ALWAYS,
            hidden_window: Window::ALWAYS,
            category_window: Window::ALWAYS,
            quiet_hours: None,
            quiet_days: Days::ALL,
            quiet_action: Action::Silence,
            unknown_sim: None,
            hidden_sim: None,
            category_sim: None,
            quiet_sim: None,
        }
    }
}

/// One documented setting, as `policy show` lists it.
pub struct Setting {
    pub key: String,
    pub value: String,
    pub help: &'static str,
}

impl Policy {
    /// The action for a category: the user's choice if they made one, else `default`.
    pub fn action_for(&self, category: Category, default: Action) -> Action {
        self.category_actions.get(&category).copied().unwrap_or(default)
    }

    /// [`Policy::action_for`] for a call: the user's choice only inside
    /// `category_window` and on `category_sim` (no time known: the choice applies).
    pub fn action_for_at(&self, category: Category, default: Action, scope: &Scope) -> Action {
        if self.category_window.holds(scope.local) && sim_holds(&self.category_sim, scope) {
            self.action_for(category, default)
        } else {
            default
        }
    }

    /// The unknown-caller action for a call: allow outside `unknown_window` or off
    /// `unknown_sim`.
    pub fn unknown_action_at(&self, scope: &Scope) -> Action {
        if self.unknown_window.holds(scope.local) && sim_holds(&self.unknown_sim, scope) {
            self.unknown_action
        } else {
            Action::Allow
        }
    }

    /// The hidden-caller action for a call: allow outside `hidden_window` or off
    /// `hidden_sim`.
    pub fn hidden_action_at(&self, scope: &Scope) -> Action {
        if self.hidden_window.holds(scope.local) && sim_holds(&self.hidden_sim, scope) {
            self.hidden_action
        } else {
            Action::Allow
        }
    }

    /// Quiet hours as a window, `None` when off.
    pub fn quiet_window(&self) -> Option<Window> {
        self.quiet_hours.map(|h| Window { days: self.quiet_days, hours: Some(h) })
    }

    /// Whether quiet hours hold for a call (never when its time is unknown).
    pub fn is_quiet(&self, scope: &Scope) -> bool {
        match (self.quiet_window(), scope.local) {
            (Some(w), Some(t)) => w.contains(t) && sim_holds(&self.quiet_sim, scope),
            _ => false,
        }
    }

    /// The repeat rule's window in seconds, `None` when the rule is off.
    pub fn repeat_window_secs(&self) -> Option<i64> {
        (self.repeat_calls > 0).then(|| i64::from(self.repeat_minutes) * 60)
    }

    /// Every setting with its current value.
    pub fn settings(&self) -> Vec<Setting> {
        let mut out = vec![
            Setting {
                key: "threshold.warn".into(),
                value: fmt_f64(self.warn_threshold),
                help: "community score at which a number is labelled as spam",
            },
            Setting {
                key: "threshold.block".into(),
                value: fmt_f64(self.block_threshold),
                help: "community score at which a number is blocked",
            },
            Setting {
                key: "hidden".into(),
                value: self.hidden_action.to_string(),
                help: "action for callers who hide their number",
            },
            Setting {
                key: "own-number".into(),
                value: self.own_number.map(|n| n.to_string()).unwrap_or_default(),
                help: "your number, to spot neighbour spoofing (empty: off)",
            },
            Setting {
                key: "decay.half-life-days".into(),
                value: fmt_f64(self.half_life_days),
                help: "days after which community evidence counts half (0: no decay)",
            },
            Setting {
                key: "history.limit".into(),
                value: self.history_limit.to_string(),
                help: "how many screened calls the history keeps (0: none)",
            },
            Setting {
                key: "emergency.callback-minutes".into(),
                value: self.emergency_callback_minutes.to_string(),
                help: "after you dial an emergency number, every call rings for this long (0: off)",
            },
            Setting {
                key: "unknown".into(),
                value: self.unknown_action.to_string(),
                help:
                    "action for callers nothing else decided: not a contact, not on a list, nothing known against them",
            },
            Setting {
                key: "known.outgoing-days".into(),
                value: self.known_outgoing_days.to_string(),
                help: "numbers you called within this many days are not unknown callers (0: off)",
            },
            Setting {
                key: "repeat.calls".into(),
                value: self.repeat_calls.to_string(),
                help:
                    "a number calling this often within repeat.minutes gets through the unknown-caller action (0: off)",
            },
            Setting {
                key: "repeat.minutes".into(),
                value: self.repeat_minutes.to_string(),
                help: "the repeat rule's window, in minutes",
            },
            Setting {
                key: "repeat.min-gap-seconds".into(),
                value: self.repeat_min_gap_seconds.to_string(),
                help: "calls closer together than this count as one (a robo-redial is not a person trying again)",
            },
        ];
        let windows = [
            (
                "unknown",
                self.unknown_window,
                "hours (HH:MM-HH:MM, local time) in which `unknown` applies; empty: all day",
            ),
            ("hidden", self.hidden_window, "hours (HH:MM-HH:MM, local time) in which `hidden` applies; empty: all day"),
            (
                "category",
                self.category_window,
                "hours (HH:MM-HH:MM, local time) in which your category.* actions apply; empty: all day",
            ),
        ];
        for (name, w, help) in windows {
            out.push(Setting {
                key: format!("{name}.hours"),
                value: w.hours.map(|h| h.to_string()).unwrap_or_default(),
                help,
            });
            out.push(Setting {
                key: format!("{name}.days"),
                value: w.days.to_string(),
                help: "days (mon-fri, sat,sun, daily) on which the hours above start",
            });
        }
        let sims = [
            ("unknown.sim", &self.unknown_sim, "the SIM `unknown` applies to (empty: every SIM)"),
            ("hidden.sim", &self.hidden_sim, "the SIM `hidden` applies to (empty: every SIM)"),
            ("category.sim", &self.category_sim, "the SIM your category.* actions apply to (empty: every SIM)"),
            ("quiet.sim", &self.quiet_sim, "the SIM quiet hours apply to (empty: every SIM)"),
        ];
        for (key, sim, help) in sims {
            out.push(Setting { key: key.into(), value: sim.clone().unwrap_or_default(), help });
        }
        out.push(Setting {
            key: "quiet.hours".into(),
            value: self.quiet_hours.map(|h| h.to_string()).unwrap_or_default(),
            help: "quiet hours (HH:MM-HH:MM, local time; empty: off): only contacts, the allow list, numbers you called and repeated callers ring",
        });
        out.push(Setting {
            key: "quiet.days".into(),
            value: self.quiet_days.to_string(),
            help: "days (mon-fri, sat,sun, daily) on which quiet hours start",
        });
        out.push(Setting {
            key: "quiet.action".into(),
            value: self.quiet_action.to_string(),
            help: "what quiet hours do with the calls they catch (warn, silence or block)",
        });
        for c in Category::ALL.iter().filter(|c| c.is_reportable() || **c == Category::Hidden) {
            if *c == Category::Hidden {
                continue; // set through `hidden`
            }
            out.push(Setting {
                key: format!("category.{c}"),
                value: self.category_actions.get(c).map(|a| a.to_string()).unwrap_or_else(|| "default".into()),
                help: "action for this category (allow, warn, silence, block or default)",
            });
        }
        out
    }

    /// Changes one setting, or nothing if the value is refused. `home` reads a
    /// national-form own number.
    pub fn set(&mut self, key: &str, value: &str, home: Region) -> Result<(), Error> {
        let mut next = self.clone();
        next.apply(key, value, home)?;
        if next.warn_threshold > next.block_threshold {
            return Err(Error::BadSettingValue {
                key: key.to_string(),
                value: value.chars().take(40).collect(),
                expected: "threshold.warn must not exceed threshold.block".into(),
            });
        }
        *self = next;
        Ok(())
    }

    fn apply(&mut self, key: &str, value: &str, home: Region) -> Result<(), Error> {
        let bad = |expected: &str| Error::BadSettingValue {
            key: key.to_string(),
            value: value.chars().take(40).collect(),
            expected: expected.to_string(),
        };
        let number = |v: &str| -> Result<f64, Error> {
            v.trim().parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0).ok_or_else(|| bad("a number >= 0"))
        };
        match key {
            "threshold.warn" => self.warn_threshold = number(value)?,
            "threshold.block" => self.block_threshold = number(value)?,
            "hidden" => self.hidden_action = value.parse()?,
            "own-number" => {
                self.own_number = match value.trim() {
                    "" | "none" | "off" => None,
                    v => match parse(v, home) {
                        Caller::Number(n) if n.valid => Some(n.e164),
                        _ => return Err(bad("a valid phone number, or none")),
                    },
                }
            }
            "decay.half-life-days" => self.half_life_days = number(value)?,
            "history.limit" => self.history_limit = value.trim().parse().map_err(|_| bad("a whole number of calls"))?,
            "emergency.callback-minutes" => {
                self.emergency_callback_minutes =
                    value.trim().parse().ok().filter(|m| *m <= 7 * 24 * 60).ok_or_else(|| bad("minutes, 0 to 10080"))?
            }
            "unknown" => self.unknown_action = value.parse()?,
            "known.outgoing-days" => {
                self.known_outgoing_days =
                    value.trim().parse().ok().filter(|d| *d <= 3650).ok_or_else(|| bad("days, 0 to 3650"))?
            }
            "repeat.calls" => {
                self.repeat_calls = value
                    .trim()
                    .parse()
                    .ok()
                    .filter(|n| *n == 0 || (2..=20).contains(n))
                    .ok_or_else(|| bad("0 (off) or 2 to 20 calls"))?
            }
            "repeat.minutes" => {
                self.repeat_minutes = value
                    .trim()
                    .parse()
                    .ok()
                    .filter(|m| (1..=1440).contains(m))
                    .ok_or_else(|| bad("minutes, 1 to 1440"))?
            }
            "repeat.min-gap-seconds" => {
                self.repeat_min_gap_seconds =
                    value.trim().parse().ok().filter(|s| *s <= 3600).ok_or_else(|| bad("seconds, 0 to 3600"))?
            }
            "unknown.hours" => self.unknown_window.hours = hours(value).map_err(|e| bad(&e))?,
            "unknown.days" => self.unknown_window.days = Days::parse(value).map_err(|e| bad(&e))?,
            "hidden.hours" => self.hidden_window.hours = hours(value).map_err(|e| bad(&e))?,
            "hidden.days" => self.hidden_window.days = Days::parse(value).map_err(|e| bad(&e))?,
            "category.hours" => self.category_window.hours = hours(value).map_err(|e| bad(&e))?,
            "category.days" => self.category_window.days = Days::parse(value).map_err(|e| bad(&e))?,
            "quiet.hours" => self.quiet_hours = hours(value).map_err(|e| bad(&e))?,
            "quiet.days" => self.quiet_days = Days::parse(value).map_err(|e| bad(&e))?,
            "unknown.sim" => self.unknown_sim = sim(value).map_err(&bad)?,
            "hidden.sim" => self.hidden_sim = sim(value).map_err(&bad)?,
            "category.sim" => self.category_sim = sim(value).map_err(&bad)?,
            "quiet.sim" => self.quiet_sim = sim(value).map_err(&bad)?,
            "quiet.action" => {
                self.quiet_action =
                    value.parse().ok().filter(|a| *a != Action::Allow).ok_or_else(|| bad("warn, silence or block"))?
            }
            _ => {
                let Some(cat) = key.strip_prefix("category.") else {
                    return Err(Error::UnknownSetting(key.chars().take(60).collect()));
                };
                let cat: Category = cat.parse()?;
                if !cat.is_reportable() {
                    return Err(Error::UnknownSetting(key.chars().take(60).collect()));
                }
                if value.trim().eq_ignore_ascii_case("default") {
                    self.category_actions.remove(&cat);
                } else {
                    self.category_actions.insert(cat, value.parse()?);
                }
            }
        }
        Ok(())
    }

    /// Reads settings stored as key/value pairs; unknown or bad ones are ignored so an
    /// older build can open a newer database's settings.
    pub(crate) fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>, home: Region) -> Policy {
        let mut p = Policy::default();
        for (k, v) in pairs {
            let _ = p.apply(k, v, home);
        }
        p.warn_threshold = p.warn_threshold.min(p.block_threshold);
        p
    }

    /// The settings that differ from the defaults, for storage.
    pub(crate) fn to_pairs(&self) -> Vec<(String, String)> {
        let defaults: BTreeMap<String, String> =
            Policy::default().settings().into_iter().map(|s| (s.key, s.value)).collect();
        self.settings()
            .into_iter()
            .filter(|s| defaults.get(&s.key) != Some(&s.value))
            .map(|s| (s.key, s.value))
            .collect()
    }
}

/// A SIM setting: the platform's identifier, or empty / `any` for every SIM.
fn sim(value: &str) -> Result<Option<String>, &'static str> {
    match value.trim() {
        "" | "any" | "all" => Ok(None),
        v if v.len() > 64 || v.chars().any(char::is_control) => Err("a SIM identifier of at most 64 characters"),
        v => Ok(Some(v.to_string())),
    }
}

/// An hours setting: `HH:MM-HH:MM`, or empty / `off` / `all` for none.
fn hours(value: &str) -> Result<Option<Hours>, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "off" | "none" | "all" | "all day" => Ok(None),
        v => Hours::parse(v).map(Some),
    }
}

fn fmt_f64(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_and_round_trip() {
        let mut p = Policy::default();
        p.set("category.representative", "block", Region::KR).unwrap();
        p.set("hidden", "silence", Region::KR).unwrap();
        p.set("own-number", "010-1234-5678", Region::KR).unwrap();
        p.set("threshold.block", "4", Region::KR).unwrap();
        assert_eq!(p.action_for(Category::Representative, Action::Warn), Action::Block);
        assert_eq!(p.own_number.unwrap().to_string(), "+821012345678");
        let pairs = p.to_pairs();
        let back = Policy::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), Region::KR);
        assert_eq!(back, p);
    }

    #[test]
    fn rejects_nonsense() {
        let mut p = Policy::default();
        assert!(matches!(p.set("threshold.block", "-1", Region::US), Err(Error::BadSettingValue { .. })));
        assert!(matches!(p.set("threshold.block", "NaN", Region::US), Err(Error::BadSettingValue { .. })));
        assert!(matches!(p.set("threshold.warn", "99", Region::US), Err(Error::BadSettingValue { .. })));
        assert!(matches!(p.set("colour", "red", Region::US), Err(Error::UnknownSetting(_))));
        assert!(matches!(p.set("category.emergency", "block", Region::US), Err(Error::UnknownSetting(_))));
        assert!(matches!(p.set("hidden", "explode", Region::US), Err(Error::UnknownAction(_))));
        assert!(matches!(p.set("own-number", "hello", Region::US), Err(Error::BadSettingValue { .. })));
        assert_eq!(p, Policy::default());
    }
}
