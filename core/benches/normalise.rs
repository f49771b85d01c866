//! Normalise + classify throughput: ringfence's `number::parse` against the `phonenumber`
//! crate's parse + number_type on the same inputs, in the same run.
//!
//! Inputs (home region in brackets): the FTC complaint file's caller column [US] as it
//! is (blanks and garbage included), the PhoneBlock snapshot's numbers [DE], and a
//! generated Korean [KR] and Chinese [CN] mix of everyday caller-ID forms. Set
//! `RINGFENCE_BENCH_INPUT=file` (lines `REGION<TAB>RAW`, e.g. bench/baseline's mixed set)
//! to run on that file instead, for comparison with the libphonenumber C++ harness.
//!
//! `cargo bench -p ringfence-core --bench normalise` prints a summary first (first-call
//! latency, ns per number, ratio), then criterion's measurements.

use criterion::{Criterion, Throughput};
use ringfence_core::number::{parse, Caller, Region};
use std::hint::black_box;
use std::time::{Duration, Instant};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/");

struct Input {
    home: Region,
    /// The phonenumber crate's region id for `home`.
    pn_home: phonenumber::country::Id,
    raw: String,
}

fn main() {
    // First use in this process: ringfence has nothing to initialise; the phonenumber
    // crate builds its database and compiles regexes on first use.
    let t = Instant::now();
    let first = parse("+82 10-1234-5678", Region::KR);
    let ours_first = t.elapsed();
    assert!(matches!(first, Caller::Number(n) if n.valid));
    let t = Instant::now();
    let second = parse("010-1234-5678", Region::KR);
    let ours_second = t.elapsed();
    assert!(matches!(second, Caller::Number(_)));
    let t = Instant::now();
    let pn = phonenumber::parse(None, "+82 10-1234-5678").unwrap();
    black_box(pn.number_type(&phonenumber::metadata::DATABASE));
    let pn_first = t.elapsed();

    let inputs = load();
    println!("normalise: {} inputs", inputs.len());
    println!(
        "first call in process: ringfence {:.1} us (second {:.1} us), phonenumber crate {:.1} ms",
        micros(ours_first),
        micros(ours_second),
        pn_first.as_secs_f64() * 1e3
    );
    summary(&inputs);

    let mut c = Criterion::default().configure_from_args();
    let mut g = c.benchmark_group("normalise");
    g.throughput(Throughput::Elements(inputs.len() as u64));
    g.bench_function("ringfence_parse", |b| b.iter(|| run_ours(&inputs)));
    g.sample_size(10);
    g.bench_function("phonenumber_parse_type", |b| b.iter(|| run_pn(&inputs)));
    g.finish();
    for home in [Region::US, Region::KR, Region::CN, "DE".parse().unwrap()] {
        let block: Vec<&Input> = inputs.iter().filter(|i| i.home == home).collect();
        if block.is_empty() {
            continue;
        }
        let mut g = c.benchmark_group(format!("normalise_{home}"));
        g.throughput(Throughput::Elements(block.len() as u64));
        g.bench_function("ringfence_parse", |b| {
            b.iter(|| block.iter().map(|i| score(parse(&i.raw, i.home))).sum::<u64>())
        });
        // The same inputs through the phonenumber crate: each group's ratio is then
        // measured within the group, on its own inputs.
        g.sample_size(10);
        g.bench_function("phonenumber_parse_type", |b| b.iter(|| block.iter().copied().map(pn_one).sum::<u64>()));
        g.finish();
    }
    c.final_summary();
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn score(c: Caller) -> u64 {
    match c {
        Caller::Number(n) => n.e164.as_u64() ^ n.number_type as u64,
        Caller::Hidden => 1,
        Caller::Malformed(_) => 2,
    }
}

fn run_ours(inputs: &[Input]) -> u64 {
    inputs.iter().map(|i| score(parse(black_box(&i.raw), i.home))).sum()
}

/// The crate's parse + number_type, reading `+` forms without a home region (with one it
/// strips the home region's trunk prefix from them: trap 1 in the design notes).
fn run_pn(inputs: &[Input]) -> u64 {
    inputs.iter().map(pn_one).sum()
}

/// One input through the phonenumber crate: parse (from the home region unless it is
/// international) and number type.
fn pn_one(i: &Input) -> u64 {
    let db = &*phonenumber::metadata::DATABASE;
    let raw = black_box(&i.raw);
    let home = if raw.trim_start().starts_with(['+', '＋']) { None } else { Some(i.pn_home) };
    match phonenumber::parse(home, raw) {
        Ok(n) => n.code().value() as u64 ^ n.national().value() ^ n.number_type(db) as u64,
        Err(_) => 2,
    }
}

/// Best-of-N wall time per number for both, so the ratio is printed in one place.
fn summary(inputs: &[Input]) {
    let time = |f: &dyn Fn() -> u64, reps: usize| {
        (0..reps)
            .map(|_| {
                let t = Instant::now();
                black_box(f());
                t.elapsed()
            })
            .min()
            .unwrap()
            .as_secs_f64()
            * 1e9
            / inputs.len() as f64
    };
    let ours = time(&|| run_ours(inputs), 20);
    let pn = time(&|| run_pn(inputs), 3);
    println!(
        "per number (best of runs): ringfence {ours:.0} ns ({:.1} M/s), phonenumber crate {pn:.0} ns; ringfence is {:.1}x faster",
        1e3 / ours,
        pn / ours
    );
}

// ---------------------------------------------------------------------------------------
// Inputs

fn load() -> Vec<Input> {
    if let Ok(path) = std::env::var("RINGFENCE_BENCH_INPUT") {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        return text
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(r, raw)| input(r.parse().unwrap(), raw.to_string()))
            .collect();
    }
    let mut out = Vec::new();
    out.extend(column("ftc-dnc-complaints-2021-07-08.csv", "Company_Phone_Number").map(|raw| input(Region::US, raw)));
    let de: Region = "DE".parse().unwrap();
    out.extend(column("phoneblock-blocklist-snapshot.csv", "phone").map(|raw| input(de, raw)));
    let mut rng = Rng::new(0x005E_ED0F_4B1C);
    out.extend((0..3000).map(|_| input(Region::KR, korean(&mut rng))));
    out.extend((0..3000).map(|_| input(Region::CN, chinese(&mut rng))));
    out
}

fn input(home: Region, raw: String) -> Input {
    Input { home, pn_home: home.as_str().parse().unwrap(), raw }
}

fn column(file: &str, name: &str) -> impl Iterator<Item = String> {
    let mut r = csv::Reader::from_path(format!("{DATA}{file}")).unwrap_or_else(|e| panic!("{file}: {e}"));
    let idx = r.headers().unwrap().iter().position(|h| h == name).unwrap();
    let rows: Vec<String> = r.records().map(|rec| rec.unwrap()[idx].to_string()).collect();
    rows.into_iter()
}

/// The generator of the inputs: fastrand from a fixed seed, the same sequence every run.
struct Rng(fastrand::Rng);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(fastrand::Rng::with_seed(seed))
    }
    fn below(&mut self, n: usize) -> usize {
        self.0.usize(..n)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    /// `n` digits, the first from `first`.
    fn digits(&mut self, n: usize, first: &str) -> String {
        let f = first.as_bytes()[self.below(first.len())] as char;
        std::iter::once(f).chain((1..n).map(|_| (b'0' + self.below(10) as u8) as char)).collect()
    }
}

/// Groups joined by one separator style, as handsets and people write them.
fn joined(rng: &mut Rng, groups: &[&str]) -> String {
    let sep = rng.pick(&["-", " ", "", ".", "-"]);
    groups.join(sep)
}

fn fullwidth(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap(),
            '+' => '＋',
            '-' => '－',
            _ => c,
        })
        .collect()
}

fn korean(rng: &mut Rng) -> String {
    let s = match rng.below(100) {
        0..=29 => {
            let (a, b) = (rng.digits(4, "23456789"), rng.digits(4, "0123456789"));
            joined(rng, &["010", &a, &b])
        }
        30..=41 => {
            let n = 3 + rng.below(2);
            let (a, b) = (rng.digits(n, "23456789"), rng.digits(4, "0123456789"));
            let area = rng.pick(&["02", "031", "032", "051", "053", "062"]);
            joined(rng, &[area, &a, &b])
        }
        42..=50 => {
            let (a, b) = (rng.digits(4, "2345678"), rng.digits(4, "0123456789"));
            joined(rng, &["070", &a, &b])
        }
        51..=59 => {
            let pre = rng.pick(&["1588", "1577", "1644", "1566", "1600", "1899"]);
            let b = rng.digits(4, "0123456789");
            joined(rng, &[pre, &b])
        }
        60..=64 => {
            let (a, b) = (rng.digits(3, "2345678"), rng.digits(4, "0123456789"));
            joined(rng, &["060", &a, &b])
        }
        65..=78 => {
            let nsn = format!("10{}{}", rng.digits(4, "23456789"), rng.digits(4, "0123456789"));
            match rng.below(5) {
                0 => format!("+82 {}-{}-{}", &nsn[..2], &nsn[2..6], &nsn[6..]),
                1 => format!("+82{nsn}"),
                2 => format!("+82 (0){nsn}"),
                3 => format!("tel:+82-{nsn}"),
                _ => format!("82{nsn}"),
            }
        }
        79..=92 => {
            let (cc, nsn) = match rng.below(5) {
                0 => (
                    "1",
                    format!("{}{}{}", rng.digits(3, "2345678"), rng.digits(3, "2345678"), rng.digits(4, "0123456789")),
                ),
                1 => ("86", format!("{}{}", rng.pick(&["138", "139", "150", "186"]), rng.digits(8, "0123456789"))),
                2 => ("81", format!("{}{}", rng.pick(&["90", "80", "70"]), rng.digits(8, "0123456789"))),
                3 => ("44", format!("7{}", rng.digits(9, "45789"))),
                _ => ("63", format!("9{}", rng.digits(9, "0123456789"))),
            };
            let idd = rng.pick(&["001", "00700", "002", "008"]);
            joined(rng, &[idd, cc, &nsn])
        }
        _ => rng.pick(&["112", "119", "114", "1330", "+82 112"]).to_string(),
    };
    if rng.below(100) < 8 {
        fullwidth(&s)
    } else {
        s
    }
}

fn chinese(rng: &mut Rng) -> String {
    match rng.below(100) {
        0..=39 => {
            let pre = rng.pick(&["130", "135", "138", "139", "150", "152", "158", "159", "180", "186", "188", "189"]);
            let (a, b) = (rng.digits(4, "0123456789"), rng.digits(4, "0123456789"));
            joined(rng, &[pre, &a, &b])
        }
        40..=47 => {
            let pre = rng.pick(&["170", "171", "162", "165", "167"]);
            let (a, b) = (rng.digits(4, "0123456789"), rng.digits(4, "0123456789"));
            joined(rng, &[pre, &a, &b])
        }
        48..=57 => {
            let pre = rng.pick(&["400", "400", "400", "800"]);
            let (a, b) = (rng.digits(3, "0123456789"), rng.digits(4, "0123456789"));
            joined(rng, &[pre, &a, &b])
        }
        58..=75 => {
            let area = rng.pick(&["010", "021", "020", "0755"]);
            let sub = rng.digits(8, "23456789");
            match rng.below(3) {
                0 => format!("({area}){sub}"),
                _ => joined(rng, &[area, &sub]),
            }
        }
        76..=85 => rng
            .pick(&["95588", "95533", "95599", "95555", "10086", "10010", "10000", "12315", "12345", "110", "120"])
            .to_string(),
        _ => {
            let nsn = format!("{}{}", rng.pick(&["138", "139", "186", "170"]), rng.digits(8, "0123456789"));
            match rng.below(4) {
                0 => format!("+86 {nsn}"),
                1 => format!("+86-{}-{}-{}", &nsn[..3], &nsn[3..7], &nsn[7..]),
                2 => format!("0086{nsn}"),
                _ => format!("+86{nsn}"),
            }
        }
    }
}
