//! The evidence simulation (issue 11): what attackers of each size achieve against the
//! community listing, and how fast honest phones list real spam. It runs the server's own
//! code, not a model of it: every batch goes through `Storage::record_from` into a real
//! SQLite file, and every hour of simulated time through `pending_changes` (aggregation,
//! ranges) and `mark_published`, with the server's default rules.
//!
//!     cargo run --release -p ringfence-bench --bin evidence-sim [-- --seed N]
//!
//! The world, the same for every run (seeded): 3,000 phones on 2,000 home networks
//! (households and offices share one; 40 % also have an IPv6 home and alternate), 90 %
//! installed 1 to 12 months before, 10 % installed during the 60 simulated days. 400 real
//! spam numbers and 6 rotating spam blocks of ten (8 numbers of each used), each calling
//! for 3 to 20 days at 0.3 to 30 reports a day (log-uniform), 3 % of their reports
//! "not spam" by mistake; every phone also reports a random innocent number now and then
//! (0.3 % a day). Phones upload once a day, at a random hour, from their IPv4 or IPv6 home.
//!
//! On day 40 an attacker with N networks and 20 devices on each (new ones, or ones it
//! registered 200 days before and kept idle: as old as honest phones) sends one batch
//! per device: spam reports on 40 innocent numbers, four in each ten of one hundred
//! (+82 2-5555-55xx), and "not spam" on 20 real spam numbers that are listed at the time.
//! The table: innocent numbers ever warned of (published at or above the warn score 2)
//! or blocked (at or above 5), among the 40 it reported and the 60 nobody reported; the
//! targeted spam numbers it removed; and, for real spam, how long listing takes.

use ringfence_core::Category;
use ringfence_server::rules::{DeviceRules, Rules};
use ringfence_server::storage::{BatchOrigin, Report, Sqlite, Storage};
use std::collections::{BTreeMap, BTreeSet, HashMap};

const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;
/// The simulation's day 0 (any fixed time).
const T0: i64 = 1_790_000_000;
const DAYS: i64 = 60;
const ATTACK_DAY: i64 = 40;
const WARN: f64 = 2.0;
const BLOCK: f64 = 5.0;
const INNOCENT_HUNDRED: u64 = 82_255_555_500;

struct Phone {
    id: String,
    v4: i64,
    v6: Option<i64>,
    /// When the server first saw it (before T0: established).
    registered: i64,
}

#[derive(Clone)]
struct Batch {
    at: i64,
    phone: usize,
    reports: Vec<(u64, bool)>,
}

struct World {
    phones: Vec<Phone>,
    /// Honest batches, by time.
    batches: Vec<Batch>,
    spam: Vec<u64>,
    mistakes: BTreeSet<u64>,
}

fn world(seed: u64) -> World {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut phones = Vec::new();
    for i in 0..3000 {
        // 70 % on a network of their own, 30 % among 300 shared ones (households, offices).
        let v4 = if rng.f64() < 0.7 { 10_000 + i } else { 1 + rng.i64(0..300) };
        let v6 = (rng.f64() < 0.4).then_some(1_000_000 + v4);
        let registered =
            if rng.f64() < 0.9 { T0 - rng.i64(31 * DAY..365 * DAY) } else { T0 + rng.i64(0..(DAYS - 5) * DAY) };
        phones.push(Phone { id: format!("{i:032x}"), v4, v6, registered });
    }
    // Real spam: 400 single numbers and 6 rotating blocks of ten (8 of each used).
    let mut spam: Vec<u64> = (0..400).map(|_| 821_000_000_000 + rng.u64(0..100_000_000)).collect();
    for block in 0..6u64 {
        let ten = 827_040_000_000 + block * 1_000;
        spam.extend((0..8).map(|i| ten + i));
    }
    spam.sort_unstable();
    spam.dedup();
    // Each day's reports, then one batch per phone and day.
    let mut daily: BTreeMap<(i64, usize), Vec<(u64, bool)>> = BTreeMap::new();
    for &number in &spam {
        let from = rng.i64(0..DAYS - 5);
        let to = (from + rng.i64(3..21)).min(DAYS);
        let rate = 0.3 * (rng.f64() * 100f64.ln()).exp();
        for day in from..to {
            for _ in 0..poisson(&mut rng, rate) {
                let p = rng.usize(0..phones.len());
                daily.entry((day, p)).or_default().push((number, rng.f64() >= 0.03));
            }
        }
    }
    let mut mistakes = BTreeSet::new();
    for day in 0..DAYS {
        for p in 0..phones.len() {
            if rng.f64() < 0.003 {
                let n = 82_310_000_000 + rng.u64(0..10_000_000);
                mistakes.insert(n);
                daily.entry((day, p)).or_default().push((n, true));
            }
        }
    }
    let mut batches: Vec<Batch> = daily
        .into_iter()
        .map(|((day, phone), reports)| Batch { at: T0 + day * DAY + rng.i64(0..DAY), phone, reports })
        .filter(|b| b.at >= phones[b.phone].registered)
        .collect();
    batches.sort_by_key(|b| b.at);
    World { phones, batches, spam, mistakes }
}

fn poisson(rng: &mut fastrand::Rng, lambda: f64) -> u32 {
    let (l, mut k, mut p) = ((-lambda).exp(), 0, 1.0);
    loop {
        p *= rng.f64();
        if p <= l {
            return k;
        }
        k += 1;
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    New,
    Aged,
}

struct Attack {
    networks: u32,
    devices: u32,
    kind: Kind,
}

#[derive(Default)]
struct Outcome {
    reported_warned: usize,
    reported_blocked: usize,
    unreported_warned: usize,
    unreported_blocked: usize,
    targets: usize,
    delisted: usize,
    mistakes_listed: usize,
    spam_listed: usize,
    /// Days from a spam number's first report to its first warning.
    days_to_warn: Vec<f64>,
    /// Publications after the report that gave a number 5 established networks until it
    /// was listed (0: it already was).
    publications_after_five: Vec<u32>,
}

fn run(w: &World, attack: Option<&Attack>, rules: &Rules) -> Outcome {
    let path = std::env::temp_dir().join(format!("ringfence-evidence-sim-{}.db", std::process::id()));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
    }
    let mut db = Sqlite::open(&path).expect("simulation database");
    let mut keys = 0u64;
    let mut send = |db: &mut Sqlite, device: &str, from: BatchOrigin, reports: &[(u64, bool)], at: i64| {
        let reports: Vec<Report> = reports
            .iter()
            .map(|(number, spam)| {
                keys += 1;
                Report {
                    key: format!("k{keys}"),
                    number: *number,
                    spam: *spam,
                    category: Category::Scam,
                    comment: None,
                }
            })
            .collect();
        db.record_from(device, from, &reports, at).expect("record");
    };
    let v4 = |origin: i64| BatchOrigin { origin, v6: false };
    // Established phones were registered before the simulation (an empty batch then).
    for p in w.phones.iter().filter(|p| p.registered < T0) {
        send(&mut db, &p.id, v4(p.v4), &[], p.registered);
    }
    let attacker_device = |n: u32, d: u32| format!("{:016x}{:016x}", 0xa77ac4u64 + u64::from(n), u64::from(d));
    let attacker_network = |n: u32| 5_000_000 + i64::from(n);
    if let Some(a) = attack.filter(|a| a.kind == Kind::Aged) {
        for n in 0..a.networks {
            for d in 0..a.devices {
                send(&mut db, &attacker_device(n, d), v4(attacker_network(n)), &[], T0 - 200 * DAY);
            }
        }
    }
    let innocent: Vec<u64> = (0..10).flat_map(|ten| (0..4).map(move |i| INNOCENT_HUNDRED + ten * 10 + i)).collect();
    let unreported: BTreeSet<u64> =
        (INNOCENT_HUNDRED..INNOCENT_HUNDRED + 100).filter(|n| !innocent.contains(n)).collect();
    let spam: BTreeSet<u64> = w.spam.iter().copied().collect();

    let mut published: HashMap<u64, f64> = HashMap::new();
    let mut ever_warned: BTreeSet<u64> = BTreeSet::new();
    let mut ever_blocked: BTreeSet<u64> = BTreeSet::new();
    let mut first_report: HashMap<u64, i64> = HashMap::new();
    let mut first_warned: HashMap<u64, i64> = HashMap::new();
    // Established networks that reported each spam number, the publications before the
    // fifth did, and before it was first published.
    let mut networks: HashMap<u64, BTreeSet<i64>> = HashMap::new();
    let mut fifth_at: HashMap<u64, u32> = HashMap::new();
    let mut first_listed: HashMap<u64, u32> = HashMap::new();
    let mut delisted = 0;
    let mut publications = 0u32;
    let mut targets: Vec<u64> = Vec::new();
    let mut next = 0;
    let mut version = 0u64;
    for hour in 0..DAYS * 24 {
        let end = T0 + (hour + 1) * HOUR;
        while next < w.batches.len() && w.batches[next].at < end {
            let b = &w.batches[next];
            let p = &w.phones[b.phone];
            // Dual-stack phones alternate between their homes.
            let from = match p.v6 {
                Some(v6) if b.at % 2 == 0 => BatchOrigin { origin: v6, v6: true },
                _ => v4(p.v4),
            };
            send(&mut db, &p.id, from, &b.reports, b.at);
            for (n, is_spam) in &b.reports {
                if spam.contains(n) {
                    first_report.entry(*n).or_insert(b.at);
                    if *is_spam && b.at - p.registered >= 30 * DAY {
                        let nets = networks.entry(*n).or_default();
                        nets.insert(p.v4);
                        if nets.len() == 5 {
                            fifth_at.entry(*n).or_insert(publications);
                        }
                    }
                }
            }
            next += 1;
        }
        if let Some(a) = attack.filter(|_| hour == ATTACK_DAY * 24 + 12) {
            // The attacker reads the listing and picks 20 real spam numbers on it.
            targets = spam.iter().copied().filter(|n| published.contains_key(n)).take(20).collect();
            let mut reports: Vec<(u64, bool)> = innocent.iter().map(|n| (*n, true)).collect();
            reports.extend(targets.iter().map(|n| (*n, false)));
            for n in 0..a.networks {
                for d in 0..a.devices {
                    send(&mut db, &attacker_device(n, d), v4(attacker_network(n)), &reports, end - HOUR / 2);
                }
            }
        }
        let changes = db.pending_changes(end, rules).expect("aggregate");
        if changes.is_empty() {
            db.settle(&changes).expect("settle");
            continue;
        }
        version += 1;
        publications += 1;
        db.mark_published(version, &changes, end, b"simulation-salt").expect("publish");
        for n in &changes.deletions {
            published.remove(n);
        }
        for l in &changes.upserts {
            published.insert(l.number, l.listing.score);
            if l.listing.score >= WARN {
                ever_warned.insert(l.number);
                first_warned.entry(l.number).or_insert(end);
            }
            if l.listing.score >= BLOCK {
                ever_blocked.insert(l.number);
            }
        }
        for l in &changes.upserts {
            first_listed.entry(l.number).or_insert(publications);
        }
        if attack.is_some() && hour == ATTACK_DAY * 24 + 36 {
            // A day after the attack.
            delisted = targets.iter().filter(|n| !published.contains_key(n)).count();
        }
    }
    let count = |set: &BTreeSet<u64>, of: &mut dyn Iterator<Item = u64>| of.filter(|n| set.contains(n)).count();
    let mut o = Outcome {
        reported_warned: count(&ever_warned, &mut innocent.iter().copied()),
        reported_blocked: count(&ever_blocked, &mut innocent.iter().copied()),
        unreported_warned: count(&ever_warned, &mut unreported.iter().copied()),
        unreported_blocked: count(&ever_blocked, &mut unreported.iter().copied()),
        targets: targets.len(),
        delisted,
        mistakes_listed: count(&ever_warned, &mut w.mistakes.iter().copied()),
        spam_listed: count(&ever_warned, &mut spam.iter().copied()),
        ..Outcome::default()
    };
    for (n, first) in &first_report {
        if let Some(warned) = first_warned.get(n) {
            o.days_to_warn.push((warned - first) as f64 / DAY as f64);
        }
    }
    o.publications_after_five = fifth_at
        .iter()
        .filter_map(|(n, before)| first_listed.get(n).map(|listed| listed.saturating_sub(*before)))
        .collect();
    drop(db);
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
    }
    o
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[((p / 100.0) * (v.len() - 1) as f64).round() as usize]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut seed = 11u64;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => seed = args.next().and_then(|s| s.parse().ok()).expect("--seed N"),
            _ => {
                eprintln!("usage: evidence-sim [--seed N]");
                std::process::exit(2);
            }
        }
    }
    // The server's defaults (`ringfence-server --help`).
    let rules = Rules { devices: DeviceRules::RECOMMENDED, ..Rules::default() };
    let w = world(seed);
    eprintln!(
        "evidence-sim: seed {seed}, {} phones, {} honest batches, {} spam numbers, {} honest mistakes",
        w.phones.len(),
        w.batches.len(),
        w.spam.len(),
        w.mistakes.len()
    );
    let base = run(&w, None, &rules);
    let mut days = base.days_to_warn.clone();
    let mut after: Vec<f64> = base.publications_after_five.iter().map(|p| f64::from(*p)).collect();
    println!(
        "honest only: {} of {} spam numbers warned; days from first report to warning: median {:.1}, p90 {:.1}; \
         publications from 5 established networks' reports to the warning: max {} ({} numbers); \
         honest mistakes listed: {} of {}",
        base.spam_listed,
        w.spam.len(),
        percentile(&mut days, 50.0),
        percentile(&mut days, 90.0),
        after.iter().copied().fold(0.0, f64::max),
        after.len(),
        base.mistakes_listed,
        w.mistakes.len()
    );
    after.clear();
    println!();
    println!(
        "| attacker | devices | innocent reported (40): warned / blocked | unreported in the hundred (60): warned / blocked | listed spam it says is not spam: removed a day later | real spam warned |"
    );
    println!("|---|---|---|---|---|---|");
    for kind in [Kind::New, Kind::Aged] {
        for networks in [1, 3, 10, 30] {
            let a = Attack { networks, devices: 20, kind };
            let o = run(&w, Some(&a), &rules);
            println!(
                "| {networks} network{} | {} x 20, {} | {} / {} | {} / {} | {} of {} | {} of {} |",
                if networks == 1 { "" } else { "s" },
                networks,
                if kind == Kind::New { "new" } else { "aged 200 days" },
                o.reported_warned,
                o.reported_blocked,
                o.unreported_warned,
                o.unreported_blocked,
                o.delisted,
                o.targets,
                o.spam_listed,
                w.spam.len()
            );
        }
    }
}
