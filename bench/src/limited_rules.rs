//! Issue 13's speed target: screening with 10,000 rules of which 1,000 are limited (400
//! to a window of local time, 300 temporary, 300 to a SIM), a few group rules, quiet
//! hours and the unknown-caller action on, and 1,000 calls recorded in the last hour.
//! Percentiles of `calls` screenings of each kind, each call with its time, UTC offset
//! and SIM as a phone passes them. `ringfence-bench phase screen-limited DB CALLS`.

use ringfence_core::{Call, Days, Hours, List, Region, RuleOptions, Screener, Window};
use serde_json::{json, Value};
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

const RULES: usize = 10_000;
const SEOUL: i32 = 9 * 3600;

pub fn run(db: &Path, calls: usize) -> Value {
    let mut s = Screener::open(db, Region::KR).expect("open");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let mut rng = fastrand::Rng::with_seed(13);
    let number = |rng: &mut fastrand::Rng| format!("+8210{:08}", rng.u32(..100_000_000));
    let night = Window { days: Days::ALL, hours: Hours::parse("22:00-07:00").ok() };
    let mut block: Vec<(String, RuleOptions)> = Vec::with_capacity(RULES);
    let (mut windowed, mut temporary, mut per_sim) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..RULES {
        let pattern = if i % 10 == 9 { format!("+8270{:04}*", i) } else { number(&mut rng) };
        // One rule in ten is limited: a third to the night, a third temporary, a third
        // to a SIM.
        let options = match i % 30 {
            0 => RuleOptions { window: Some(night), ..Default::default() },
            10 => RuleOptions { until: Some(now + 86_400), ..Default::default() },
            20 => RuleOptions { sim: Some("work".into()), ..Default::default() },
            _ => RuleOptions::default(),
        };
        match (&options.window, options.until, &options.sim) {
            (Some(_), _, _) => windowed.push(pattern.clone()),
            (_, Some(_), _) => temporary.push(pattern.clone()),
            (_, _, Some(_)) => per_sim.push(pattern.clone()),
            _ => {}
        }
        block.push((pattern, options));
    }
    let limited = windowed.len() + temporary.len() + per_sim.len();
    let t = Instant::now();
    fn view(v: &[(String, RuleOptions)]) -> Vec<(&str, RuleOptions)> {
        v.iter().map(|(p, o)| (p.as_str(), o.clone())).collect()
    }
    let (allow, block) = block.split_at(RULES / 2);
    let added = s.add_rules_with(List::Allow, &view(allow)).expect("allow rules")
        + s.add_rules_with(List::Block, &view(block)).expect("block rules");
    let add_ms = t.elapsed().as_secs_f64() * 1e3;
    for pattern in ["type:premium_rate", "region:foreign"] {
        s.add_rule(List::Block, pattern, None).expect("group");
    }
    for (k, v) in [("unknown", "silence"), ("quiet.hours", "23:00-06:00"), ("quiet.days", "mon-fri")] {
        s.set_policy(k, v).expect("policy");
    }
    // 1,000 calls recorded in the last hour, 700 numbers: some repeat in the window.
    let callers: Vec<String> = (0..1000).map(|_| number(&mut rng)).collect();
    for i in 0..1000usize {
        let at = now - 3600 + (i as i64) * 36 / 10;
        s.screen_and_record(&Call { at: Some(at), utc_offset: Some(SEOUL), ..Call::new(&callers[i % 700]) })
            .expect("record");
    }
    let mut kind = |name: &str, pick: &mut dyn FnMut(usize) -> (String, Option<&'static str>)| -> Value {
        let inputs: Vec<(String, Option<&'static str>)> = (0..calls).map(&mut *pick).collect();
        fn call<'a>((raw, sim): &'a (String, Option<&'static str>), now: i64) -> Call<'a> {
            Call { caller_id: raw.as_str(), at: Some(now), utc_offset: Some(SEOUL), sim: *sim, ..Call::default() }
        }
        for i in inputs.iter().take(1000) {
            black_box(s.screen(&call(i, now)));
        }
        let mut ns = Vec::with_capacity(calls);
        let mut actions = std::collections::BTreeMap::<&str, u64>::new();
        for i in &inputs {
            let c = call(i, now);
            let t = Instant::now();
            let d = s.screen(&c);
            ns.push(t.elapsed().as_nanos() as f64);
            *actions.entry(d.action.as_str()).or_default() += 1;
        }
        crate::phases::percentiles(name, &mut ns, json!(actions))
    };
    let w = kind("windowed rule", &mut |i| (windowed[i % windowed.len()].clone(), None));
    let sim = kind("per-SIM rule, on its SIM", &mut |i| (per_sim[i % per_sim.len()].clone(), Some("work")));
    let temp = kind("temporary rule", &mut |i| (temporary[i % temporary.len()].clone(), None));
    let mut miss_rng = fastrand::Rng::with_seed(7);
    let unknown = kind("unknown caller (repeat count, quiet hours, groups)", &mut |i| {
        if i % 2 == 0 {
            (callers[i % 700].clone(), Some("personal"))
        } else {
            (number(&mut miss_rng), None)
        }
    });
    let hidden = kind("hidden caller", &mut |_| (String::new(), None));
    json!({ "rules": added, "limited": limited, "add_rules_ms": add_ms, "kinds": [w, sim, temp, unknown, hidden] })
}
