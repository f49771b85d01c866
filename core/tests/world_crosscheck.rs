//! The world cross-check: ringfence's reading of caller IDs from every region against the
//! reference, Google's libphonenumber (the Python `phonenumbers` package at the metadata
//! version of the `phonenumber` crate), on a generated corpus of every example number of
//! every region and type, near misses of them, every written form, every short and
//! emergency number, and garbage (`tests/reference/world_corpus.py` says what and how).
//!
//! Ignored by default: `scripts/crosscheck.sh` installs the reference, generates the corpus
//! into `target/crosscheck/` and runs this with `RINGFENCE_WORLD_CORPUS` naming it. Without
//! the corpus the test fails, it never passes silently.
//!
//! Figures, over the lines not covered by a deliberate difference (`DELIBERATE`):
//! * (a) lines the reference calls valid: the same E.164 key, type and region, >= 99.95%;
//! * (b) all lines: the same valid / invalid verdict, >= 99.9%;
//! * (c) every line the reference types `emergency`, and every number of
//!   `emergency.tsv` read in its region, is `emergency` for ringfence: no exception at all
//!   (the deliberate differences do not apply here).
//!
//! The summary (figures, disagreements per form, the largest classes of disagreement with
//! examples) is printed and written to `target/crosscheck/summary.txt`.

use ringfence_core::number::{parse, Caller, NumberType, Region};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const MIN_VALID_AGREEMENT: f64 = 99.95;
const MIN_VERDICT_AGREEMENT: f64 = 99.9;
const TOP_CLASSES: usize = 30;
const EXAMPLES_PER_CLASS: usize = 5;

/// One reading of a caller ID: the reference's (from the corpus) or ours.
#[derive(Clone, PartialEq, Eq, Debug)]
struct Reading {
    valid: bool,
    e164: String,
    /// The number type (`mobile`, `emergency`, ...); `-` when the reference could not
    /// parse at all; for ours `hidden` or `malformed:<why>` when no number came out.
    kind: String,
    /// `-` when none (non-geographic, or invalid).
    region: String,
}

impl Reading {
    /// The verdict and type in one word, for grouping.
    fn label(&self) -> String {
        match (self.valid, self.kind.as_str()) {
            (true, k) => k.to_string(),
            (false, "-") => "parse_error".to_string(),
            (false, "unknown") => "invalid".to_string(),
            (false, k) => k.to_string(),
        }
    }

    fn show(&self) -> String {
        format!("{} {} {} {}", u8::from(self.valid), self.e164, self.kind, self.region)
    }
}

/// A corpus line and both readings of it.
struct Case<'a> {
    home: &'a str,
    raw: &'a str,
    /// The written form (`national`, `abroad`, `mut_tel_uri`, ...; `mut_` for a near miss
    /// of an example number): see world_corpus.py.
    form: &'a str,
    reference: &'a Reading,
    ours: &'a Reading,
}

/// A difference from the reference that ringfence makes on purpose. Lines it covers are
/// left out of figures (a) and (b), and counted and printed on their own.
struct Deliberate {
    /// What differs, in a few words.
    what: &'static str,
    /// Why ringfence differs on purpose.
    why: &'static str,
    /// Whether a line on which the readings disagree is this difference.
    applies: fn(&Case) -> bool,
}

/// Every deliberate difference, with the reason. `docs/numbers.md` shows this table.
const DELIBERATE: &[Deliberate] = &[
    Deliberate {
        what: "more emergency numbers: the data's expanded emergency numbers, 112 and 911 everywhere, \
               the essential services of number/tables.rs",
        why: "a call blocker must never screen out a rescue service or crisis line calling back; the \
              reference types these by cost (short code, toll free) or not at all",
        applies: |c| {
            c.ours.kind == "emergency" && c.ours.valid && c.reference.kind != "emergency" && c.ours.e164.len() <= 11
        },
    },
    Deliberate {
        what: "a trunk prefix that the home region's length check leaves on (IM `0800 123467`) comes off \
               under the main region's rules",
        why: "keys must read back as themselves: libphonenumber's `+44 0800123467` reads back as \
              `+44800123467`, a different number",
        applies: |c| {
            let (r, o) = (&c.reference.e164, &c.ours.e164);
            r.len() == o.len() + 1
                && (1..r.len()).any(|i| &r[i..=i] == "0" && format!("{}{}", &r[..i], &r[i + 1..]) == *o)
        },
    },
    Deliberate {
        what: "a trailing `#` (a DTMF end mark) ends the number",
        why: "phones and switches append it to caller IDs; libphonenumber refuses the whole input",
        applies: |c| c.raw.trim_end().ends_with('#') && !c.reference.valid,
    },
];

fn corpus_dir() -> PathBuf {
    let Some(dir) = std::env::var_os("RINGFENCE_WORLD_CORPUS") else {
        panic!(
            "RINGFENCE_WORLD_CORPUS is not set: it must name the directory with corpus.tsv and \
             emergency.tsv. Run scripts/crosscheck.sh, which generates them and runs this test."
        )
    };
    PathBuf::from(dir)
}

fn read(dir: &Path, name: &str) -> String {
    let path = dir.join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("cannot read {}: {e}. Run scripts/crosscheck.sh, which generates it and runs this test.", path.display())
    })
}

fn ours(raw: &str, home: &str) -> Reading {
    let none = |kind: String| Reading { valid: false, e164: "-".into(), kind, region: "-".into() };
    let Ok(home) = home.parse::<Region>() else { return none("home_region_unknown".into()) };
    match parse(raw, home) {
        Caller::Number(n) => Reading {
            valid: n.valid,
            e164: n.e164.to_string(),
            kind: n.number_type.as_str().to_string(),
            region: n.region.map_or_else(|| "-".to_string(), |r| r.to_string()),
        },
        Caller::Hidden => none("hidden".into()),
        Caller::Malformed(m) => none(format!("malformed:{}", m.as_str())),
    }
}

/// A written form guessed from the raw text, when the corpus comes without forms.txt.
fn rough_form(raw: &str) -> &'static str {
    let t = raw.trim();
    if t.starts_with("tel:") {
        "tel_uri"
    } else if t.chars().any(|c| ('\u{FF10}'..='\u{FF19}').contains(&c)) {
        "fullwidth"
    } else if t.starts_with(['"', '<']) || t.starts_with("Tel. ") || t.starts_with("Mob: ") {
        "junk_lead"
    } else if t.ends_with(['>', '.', '?']) {
        "junk_trail"
    } else if t.chars().any(|c| c.is_alphabetic()) {
        "letters"
    } else if t.starts_with("+0") {
        "plus_idd"
    } else if let Some(digits) = t.strip_prefix('+') {
        if digits.bytes().all(|b| b.is_ascii_digit()) {
            "e164"
        } else {
            "intl"
        }
    } else if t.bytes().filter(u8::is_ascii_digit).count() <= 8 {
        "short_or_national"
    } else {
        "national_or_abroad"
    }
}

fn pct(n: usize, of: usize) -> f64 {
    if of == 0 {
        100.0
    } else {
        n as f64 * 100.0 / of as f64
    }
}

/// What differs between two readings that disagree.
fn aspect(r: &Reading, o: &Reading) -> &'static str {
    if r.valid != o.valid {
        "verdict"
    } else if r.kind != o.kind {
        "type"
    } else if r.e164 != o.e164 {
        "e164"
    } else {
        "region"
    }
}

#[derive(Default)]
struct Class {
    count: usize,
    examples: Vec<String>,
}

#[test]
#[ignore = "needs the reference corpus: scripts/crosscheck.sh generates it and runs this"]
fn world_crosscheck() {
    let dir = corpus_dir();
    let corpus = read(&dir, "corpus.tsv");
    let emergency_tsv = read(&dir, "emergency.tsv");
    let forms_txt = std::fs::read_to_string(dir.join("forms.txt")).ok();
    let mut forms = forms_txt.as_deref().map(str::lines);

    let mut header = String::new();
    let mut lines = 0usize;
    let mut deliberate = vec![0usize; DELIBERATE.len()];
    let (mut verdict_total, mut verdict_agree) = (0usize, 0usize);
    let (mut valid_total, mut valid_agree) = (0usize, 0usize);
    let (mut emergency_lines, mut emergency_missed) = (0usize, Vec::new());
    let mut per_form: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut classes: HashMap<(String, String, &'static str, String), Class> = HashMap::new();

    for (i, line) in corpus.lines().enumerate() {
        if line.starts_with('#') {
            if header.is_empty() {
                header = line.trim_start_matches(['#', ' ']).to_string();
            }
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        assert!(f.len() == 6, "corpus.tsv line {}: {} fields, want 6: {line:?}", i + 1, f.len());
        let (home, raw) = (f[0], f[1]);
        let reference = Reading {
            valid: match f[2] {
                "1" => true,
                "0" => false,
                v => panic!("corpus.tsv line {}: valid is {v:?}", i + 1),
            },
            e164: f[3].to_string(),
            kind: f[4].to_string(),
            region: f[5].to_string(),
        };
        let form = match forms.as_mut() {
            Some(it) => it.next().unwrap_or_else(|| panic!("forms.txt is shorter than corpus.tsv: regenerate both")),
            None => rough_form(raw),
        };
        lines += 1;
        let ours = ours(raw, home);
        let case = Case { home, raw, form, reference: &reference, ours: &ours };

        if reference.kind == "emergency" {
            emergency_lines += 1;
            if ours.kind != "emergency" {
                emergency_missed.push(format!("{home} {raw:?} [{form}]: ours {}", ours.show()));
            }
        }

        let same_verdict = reference.valid == ours.valid;
        let same_number = reference.e164 == ours.e164 && reference.kind == ours.kind && reference.region == ours.region;
        let agrees = same_verdict && (!reference.valid || same_number);
        if !agrees {
            if let Some(d) = DELIBERATE.iter().position(|d| (d.applies)(&case)) {
                deliberate[d] += 1;
                continue;
            }
        }
        let base_form = form.strip_prefix("mut_").unwrap_or(form);
        let pf = per_form.entry(base_form.to_string()).or_default();
        pf.0 += 1;
        verdict_total += 1;
        verdict_agree += usize::from(same_verdict);
        if reference.valid {
            valid_total += 1;
            valid_agree += usize::from(same_number);
        }
        if agrees {
            continue;
        }
        pf.1 += 1;
        let key = (reference.label(), ours.label(), aspect(&reference, &ours), base_form.to_string());
        let class = classes.entry(key).or_default();
        class.count += 1;
        if class.examples.len() < EXAMPLES_PER_CLASS {
            class.examples.push(format!(
                "{} {:?} [{}]  ref: {}  ours: {}",
                case.home,
                case.raw,
                case.form,
                case.reference.show(),
                case.ours.show()
            ));
        }
    }
    if let Some(mut it) = forms {
        assert!(it.next().is_none(), "forms.txt is longer than corpus.tsv: regenerate both");
    }
    assert!(lines > 0, "corpus.tsv in {} has no lines", dir.display());

    // Every emergency number of every region, read at home.
    let missed_in_corpus = emergency_missed.len();
    let mut emergency_numbers = 0usize;
    for (i, line) in emergency_tsv.lines().enumerate() {
        let Some((region, number)) = line.split_once('\t') else {
            panic!("emergency.tsv line {}: want region<TAB>number: {line:?}", i + 1)
        };
        emergency_numbers += 1;
        let got = match region.parse::<Region>() {
            Ok(home) => match parse(number, home) {
                Caller::Number(n) if n.number_type == NumberType::Emergency => continue,
                Caller::Number(n) => format!("{} {} valid={}", n.e164, n.number_type, n.valid),
                other => format!("{other:?}"),
            },
            Err(e) => format!("region unknown to ringfence: {e}"),
        };
        emergency_missed.push(format!("{region} {number:?} [emergency.tsv]: ours {got}"));
    }

    // The summary.
    let valid_pct = pct(valid_agree, valid_total);
    let verdict_pct = pct(verdict_agree, verdict_total);
    let verdict = |ok: bool| if ok { "ok" } else { "FAIL" };
    let mut s = String::new();
    let _ = writeln!(s, "world cross-check: {} ({})", dir.display(), if header.is_empty() { "?" } else { &header });
    let _ = writeln!(
        s,
        "corpus lines: {lines}, of which covered by deliberate differences: {}",
        deliberate.iter().sum::<usize>()
    );
    let _ = writeln!(
        s,
        "(a) reference-valid lines with the same e164, type and region: {valid_agree} / {valid_total} = {valid_pct:.3}% \
         (want >= {MIN_VALID_AGREEMENT}%) {}",
        verdict(valid_pct >= MIN_VALID_AGREEMENT)
    );
    let _ = writeln!(
        s,
        "(b) same valid/invalid verdict: {verdict_agree} / {verdict_total} = {verdict_pct:.3}% (want >= \
         {MIN_VERDICT_AGREEMENT}%) {}",
        verdict(verdict_pct >= MIN_VERDICT_AGREEMENT)
    );
    let _ = writeln!(
        s,
        "(c) not read as emergency: {missed_in_corpus} of {emergency_lines} reference-emergency corpus lines, {} of \
         {emergency_numbers} emergency.tsv numbers {}",
        emergency_missed.len() - missed_in_corpus,
        verdict(emergency_missed.is_empty())
    );
    for m in emergency_missed.iter().take(40) {
        let _ = writeln!(s, "    {m}");
    }
    if emergency_missed.len() > 40 {
        let _ = writeln!(s, "    ... and {} more", emergency_missed.len() - 40);
    }

    let _ = writeln!(s, "\ndeliberate differences ({}):", DELIBERATE.len());
    for (d, n) in DELIBERATE.iter().zip(&deliberate) {
        let _ = writeln!(s, "  {n:>7}  {}: {}", d.what, d.why);
    }

    let _ = writeln!(s, "\ndisagreements per written form (near misses counted with their form):");
    let mut pf: Vec<_> = per_form.iter().collect();
    pf.sort_by(|a, b| b.1 .1.cmp(&a.1 .1).then(a.0.cmp(b.0)));
    for (form, (n, bad)) in pf {
        let _ = writeln!(s, "  {form:<18} {bad:>6} / {n:<6} ({:.2}% agree)", pct(n - bad, *n));
    }

    let disagreements: usize = classes.values().map(|c| c.count).sum();
    let mut by_types: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for ((r, o, _, _), c) in &classes {
        *by_types.entry((r.as_str(), o.as_str())).or_default() += c.count;
    }
    let mut by_types: Vec<_> = by_types.into_iter().collect();
    by_types.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let _ = writeln!(s, "\ndisagreements by (reference, ours): {disagreements} in all");
    for ((r, o), n) in by_types.iter().take(TOP_CLASSES) {
        let _ = writeln!(s, "  {n:>6}  {r} -> {o}");
    }

    let mut classes: Vec<_> = classes.into_iter().collect();
    classes.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(&b.0)));
    let _ = writeln!(
        s,
        "\nlargest classes, (reference -> ours, what differs, form), of {} (ref/ours: valid e164 type region):",
        classes.len()
    );
    for ((r, o, what, form), c) in classes.iter().take(TOP_CLASSES) {
        let _ = writeln!(s, "  {:>6}  {r} -> {o}, {what}, {form}", c.count);
        for e in &c.examples {
            let _ = writeln!(s, "            {e}");
        }
    }

    println!("{s}");
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/crosscheck");
    std::fs::create_dir_all(&out).and_then(|()| std::fs::write(out.join("summary.txt"), &s)).unwrap_or_else(|e| {
        panic!("cannot write {}/summary.txt: {e}", out.display());
    });

    assert!(
        emergency_missed.is_empty(),
        "{} emergency numbers are not read as emergency (summary above and in target/crosscheck/summary.txt)",
        emergency_missed.len()
    );
    assert!(
        valid_pct >= MIN_VALID_AGREEMENT,
        "(a) agreement on valid numbers {valid_pct:.3}% < {MIN_VALID_AGREEMENT}% (summary above)"
    );
    assert!(
        verdict_pct >= MIN_VERDICT_AGREEMENT,
        "(b) valid/invalid verdict agreement {verdict_pct:.3}% < {MIN_VERDICT_AGREEMENT}% (summary above)"
    );
}
