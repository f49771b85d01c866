//! Compiles the numbering-plan metadata (Google's libphonenumber data, as shipped by the
//! `phonenumber` crate) into compact static tables, so that at run time nothing is parsed,
//! compiled, locked or allocated: the first number is classified as fast as the millionth.
//!
//! Two compiled forms (the run-time side is `src/number/plan.rs`):
//!
//! * Per country calling code, one DFA over the digits of the national significant number
//!   (NSN). Each state knows, for the NSN read so far, the answer libphonenumber's
//!   `getRegionCodeForNumber` + `getNumberType` would give (region, type), whether each
//!   region's general pattern matches (used when stripping national prefixes), and whether
//!   the number is marked "no international dialling". Possible lengths are folded in (the
//!   DFA tracks the depth), so classification is one table walk of at most 17 steps.
//! * For the prefix-style patterns (international prefix, national prefix for parsing and
//!   its transform rule, formatting rules), the regex is unrolled into its match paths in
//!   libphonenumber's (leftmost-first, greedy) priority order: a path is a sequence of digit
//!   sets, capture marks and end anchors. The first path that matches is the regex's match,
//!   with the same captures. These regexes are small; the unrolled size is checked below.

use phonenumber::metadata::{Descriptor, Metadata, DATABASE};
use regex_syntax::hir::{Class, Hir, HirKind, Look};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[path = "build/short.rs"]
mod short;

/// libphonenumber's longest national significant number.
const MAX_NSN: usize = 17;

/// Path tokens (see `plan.rs`): 1..=0x3FF digit set (bit d = digit d); these specials;
/// 0 ends a path.
const TOK_END: u16 = 0x4000;
const TOK_START: u16 = 0x4001;
const TOK_SAVE: u16 = 0x8000;

/// Guard against a metadata update that makes a regex unroll into too many paths.
const MAX_PATHS: usize = 4000;

// Tag kinds per region in a country code's DFA. 0..=9 are the typed descriptions in
// libphonenumber's order of checks in getNumberType (see TYPE_NAMES and type_descriptors).
const K_PREMIUM: usize = 0;
const K_VOICEMAIL: usize = 7;
const K_FIXED: usize = 8;
const K_MOBILE: usize = 9;
/// General description pattern with the general possible lengths (validity gate).
const K_GENERAL: usize = 10;
/// General description pattern alone (libphonenumber's "viable" test when stripping).
const K_GENPAT: usize = 11;
/// The "noInternationalDialling" description.
const K_NO_INTL: usize = 12;
/// The region's leadingDigits (a prefix match: sticky once reached).
const K_LEAD: usize = 13;
const KINDS: usize = 14;

/// Run-time `NumberType` variant names for the ten typed kinds.
const TYPE_NAMES: [&str; 10] = [
    "PremiumRate",
    "TollFree",
    "SharedCost",
    "Voip",
    "PersonalNumber",
    "Pager",
    "Uan",
    "Voicemail",
    "FixedLine",
    "Mobile",
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build/short.rs");
    println!("cargo:rerun-if-changed=data/ShortNumberMetadata.xml");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());

    let mut codes: Vec<u16> = (1..1000u16).filter(|cc| DATABASE.by_code(cc).is_some()).collect();
    codes.sort_unstable();

    let mut src = String::new();
    let mut plan = Encoder::default();
    let mut results: Vec<Res> = Vec::new();
    let mut result_index: HashMap<Res, u16> = HashMap::new();
    let mut paths = Paths::default();
    let short = short::load(&PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()));
    let mut short_dfas = Encoder::default();
    let mut short_results: Vec<u16> = Vec::new();
    let mut short_max_len = 0usize;
    let mut emergency_max_len = 0usize;
    let mut countries = String::new();
    let mut regions = String::new();
    let mut formats = String::new();
    let mut n_regions = 0usize;
    let mut n_formats = 0usize;
    let mut region_by_id: Vec<(String, usize)> = Vec::new();

    for &cc in &codes {
        let metas = DATABASE.by_code(&cc).unwrap();
        // Same order as libphonenumber: main country first, then the others.
        let ids = DATABASE.region(&cc).unwrap();
        let metas: Vec<&Metadata> = ids.iter().map(|id| *metas.iter().find(|m| m.id() == *id).unwrap()).collect();
        assert!(metas.len() <= 32, "+{cc}: more regions than a u32 mask holds");

        let dfa = build_dfa(cc, &metas);
        let first_region = n_regions;
        for (local, m) in metas.iter().enumerate() {
            let id = m.id();
            let id_bytes = if id.len() == 2 { format!("*b\"{id}\"") } else { "*b\"\\0\\0\"".into() };
            if id.len() == 2 {
                region_by_id.push((id.to_string(), n_regions));
            }
            let (gen_lens, local_lens) = general_lengths(m);
            let short_start = match short.get(id) {
                Some(descs) => {
                    let dfa = short::dfa(descs);
                    short_max_len = short_max_len.max(dfa.deepest_accept);
                    emergency_max_len = emergency_max_len.max(dfa.deepest_emergency);
                    short_dfas.add(&dfa.dfa, |&mask| {
                        (short_results.iter().position(|&m| m == mask).unwrap_or_else(|| {
                            short_results.push(mask);
                            short_results.len() - 1
                        })) as u16
                    })
                }
                None => u32::from(u16::MAX),
            };
            let idd = m.international_prefix().map(|re| paths.add(re.as_str())).unwrap_or_default();
            // libphonenumber: national_prefix_for_parsing defaults to national_prefix.
            let npp_src = match (m.national_prefix_for_parsing(), m.national_prefix()) {
                (Some(re), _) => Some(re.as_str().to_string()),
                (None, Some(np)) if !np.is_empty() => Some(regex_syntax::escape(np)),
                _ => None,
            };
            let npp = npp_src.map(|s| paths.add(&s)).unwrap_or_default();
            // International formatting uses the intlFormat list when there is one.
            let fmts = if m.international_formats().is_empty() { m.formats() } else { m.international_formats() };
            let first_format = n_formats;
            for f in fmts {
                let lead = f.leading_digits().last().map(|re| paths.add(re.as_str())).unwrap_or_default();
                let pat = paths.add(f.pattern().as_str());
                writeln!(formats, "Format{{lead:{},pattern:{},template:{:?}}},", pr(lead), pr(pat), f.format())
                    .unwrap();
                n_formats += 1;
            }
            writeln!(
                regions,
                "RegionData{{id:{id_bytes},cc:{cc},local:{local},country:{},idd:{},npp:{},transform:{:?},\
                 national_prefix:{:?},general_lengths:{gen_lens:#x},local_lengths:{local_lens:#x},\
                 formats:({first_format},{}),short_start:{short_start}}},",
                countries.lines().count(),
                pr(idd),
                pr(npp),
                m.national_prefix_transform_rule().unwrap_or(""),
                m.national_prefix().unwrap_or(""),
                n_formats - first_format,
            )
            .unwrap();
            n_regions += 1;
        }

        let start = plan.add(&dfa, |r| {
            *result_index.entry(*r).or_insert_with(|| {
                results.push(*r);
                (results.len() - 1) as u16
            })
        });
        writeln!(countries, "Country{{cc:{cc},start:{start},regions:({first_region},{})}},", metas.len()).unwrap();
    }
    let unknown_short: Vec<&String> = short.keys().filter(|id| !region_by_id.iter().any(|(r, _)| r == *id)).collect();
    assert!(unknown_short.is_empty(), "short-number data for regions the plan lacks: {unknown_short:?}");

    // Every Unicode decimal digit (general category Nd), as the code points of each
    // script's zero: Nd digits come in runs of ten, 0 to 9.
    let nd = regex_syntax::ParserBuilder::new().build().parse(r"\p{Nd}").unwrap();
    let HirKind::Class(Class::Unicode(nd)) = nd.kind() else { panic!("\\p{{Nd}} is not a class") };
    let mut zeros = Vec::new();
    for r in nd.iter() {
        let (lo, hi) = (r.start() as u32, r.end() as u32);
        assert_eq!((hi - lo + 1) % 10, 0, "Nd range {lo:#x}..={hi:#x} is not whole runs of ten");
        zeros.extend((lo..=hi).step_by(10));
    }

    let mut by_cc = vec![0u8; 1000];
    for (i, &cc) in codes.iter().enumerate() {
        by_cc[usize::from(cc)] = u8::try_from(i + 1).expect("more than 255 country codes");
    }

    region_by_id.sort();
    let mut by_id = vec![0u16; 26 * 26];
    for (id, idx) in &region_by_id {
        let b = id.as_bytes();
        by_id[usize::from(b[0] - b'A') * 26 + usize::from(b[1] - b'A')] = (*idx + 1) as u16;
    }

    writeln!(src, "// @generated by core/build.rs from the phonenumber crate's metadata.").unwrap();
    writeln!(src, "pub(super) static COUNTRIES: [Country; {}] = [\n{countries}];", codes.len()).unwrap();
    writeln!(src, "/// The zero of every Unicode decimal-digit script, ascending.").unwrap();
    writeln!(src, "pub(super) static DIGIT_ZEROS: [u32; {}] = {zeros:?};", zeros.len()).unwrap();
    writeln!(src, "pub(super) static REGIONS: [RegionData; {n_regions}] = [\n{regions}];").unwrap();
    writeln!(src, "pub(super) static FORMATS: [Format; {n_formats}] = [\n{formats}];").unwrap();
    writeln!(src, "/// Country index + 1 by country calling code, 0 when unknown.").unwrap();
    writeln!(src, "pub(super) static COUNTRY_BY_CODE: [u8; 1000] = {by_cc:?};").unwrap();
    writeln!(src, "/// Region index + 1 by `(A-Z)*26 + (A-Z)`, 0 when unknown.").unwrap();
    writeln!(src, "pub(super) static REGION_BY_ID: [u16; 676] = {by_id:?};").unwrap();
    let res: Vec<String> = results
        .iter()
        .map(|r| {
            let t = r.ntype.map(|k| TYPE_NAMES[k]).unwrap_or(if r.fixed_or_mobile {
                "FixedLineOrMobile"
            } else {
                "Unknown"
            });
            format!(
                "Res{{region:{},number_type:NumberType::{t},no_intl:{},viable:{:#x}}}",
                r.region.map(|x| x as i32).unwrap_or(-1),
                r.no_intl,
                r.viable
            )
        })
        .collect();
    writeln!(src, "pub(super) static RESULTS: [Res; {}] = [\n{}];", res.len(), res.join(",\n")).unwrap();
    writeln!(src, "pub(super) static TOKENS: [u16; {}] = {:?};", paths.tokens.len(), paths.tokens).unwrap();
    writeln!(src, "pub(super) static PLAN: Dfa = Dfa {{ states: include_bytes!(concat!(env!(\"OUT_DIR\"), \"/plan_states.bin\")), rows: include_bytes!(concat!(env!(\"OUT_DIR\"), \"/plan_rows.bin\")) }};").unwrap();
    writeln!(src, "pub(super) static SHORT: Dfa = Dfa {{ states: include_bytes!(concat!(env!(\"OUT_DIR\"), \"/short_states.bin\")), rows: include_bytes!(concat!(env!(\"OUT_DIR\"), \"/short_rows.bin\")) }};").unwrap();
    writeln!(src, "/// Per short-number DFA state: the bit mask of descriptions that accept (`short.rs`).").unwrap();
    writeln!(src, "pub(super) static SHORT_RESULTS: [u16; {}] = {short_results:?};", short_results.len()).unwrap();
    writeln!(src, "/// The longest digit string any short-number description accepts.").unwrap();
    writeln!(src, "pub(super) const SHORT_MAX_LEN: usize = {short_max_len};").unwrap();
    writeln!(src, "/// The longest digit string an emergency description accepts.").unwrap();
    writeln!(src, "pub(super) const EMERGENCY_MAX_LEN: usize = {emergency_max_len};").unwrap();
    for (bit, (tag, name)) in short::KINDS.iter().enumerate() {
        writeln!(src, "/// Short-number description `{tag}`.\n#[allow(dead_code)]\npub(super) const SHORT_{name}: u16 = 1 << {bit};")
            .unwrap();
    }
    plan.write(&out, "plan");
    short_dfas.write(&out, "short");
    std::fs::write(out.join("number_tables.rs"), src).unwrap();
    if std::env::var_os("RINGFENCE_TABLE_STATS").is_some() {
        println!(
            "cargo:warning=number tables: {} codes, {n_regions} regions, {} DFA states ({} KiB), {} results, {} path tokens, {n_formats} formats; short numbers: {} regions, {} states ({} KiB)",
            codes.len(),
            plan.n_states,
            plan.bytes() / 1024,
            results.len(),
            paths.tokens.len(),
            short.len(),
            short_dfas.n_states,
            short_dfas.bytes() / 1024,
        );
    }
}

/// An unrolled regex's place in TOKENS, as Rust source for `data::Pat`.
fn pr(p: PatRef) -> String {
    format!("Pat{{first:{},count:{},groups:{},starts:{:#x}}}", p.first, p.count, p.groups, p.starts)
}

/// Possible lengths of the general description as libphonenumber's metadata builder
/// derives them: the union over all number types except "no international dialling";
/// local-only lengths that are also national lengths are dropped. Bit n = length n.
fn general_lengths(m: &Metadata) -> (u32, u32) {
    let (mut national, mut local) = (0u32, 0u32);
    for d in type_descriptors(m).into_iter().flatten() {
        national |= mask_of(d.possible_length());
        local |= mask_of(d.possible_local_length());
    }
    (national, local & !national)
}

fn mask_of(lengths: &[u16]) -> u32 {
    lengths.iter().filter(|&&l| (l as usize) <= MAX_NSN).fold(0, |m, &l| m | 1 << l)
}

/// The ten typed descriptions, in `K_*` order.
fn type_descriptors(m: &Metadata) -> [Option<&Descriptor>; 10] {
    let d = m.descriptors();
    [
        d.premium_rate(),
        d.toll_free(),
        d.shared_cost(),
        d.voip(),
        d.personal_number(),
        d.pager(),
        d.uan(),
        d.voicemail(),
        d.fixed_line(),
        d.mobile(),
    ]
}

fn parse_regex(pattern: &str) -> Hir {
    regex_syntax::ParserBuilder::new()
        .ignore_whitespace(true)
        .unicode(false)
        .build()
        .parse(pattern)
        .unwrap_or_else(|e| panic!("metadata regex {pattern:?}: {e}"))
}

/// The digits (bit d = digit d) a class matches.
fn class_mask(c: &Class) -> u16 {
    let mut mask = 0u16;
    let mut add = |lo: u32, hi: u32| {
        for d in lo.max(u32::from(b'0'))..=hi.min(u32::from(b'9')) {
            mask |= 1 << (d - u32::from(b'0'));
        }
    };
    match c {
        Class::Unicode(u) => u.iter().for_each(|r| add(r.start() as u32, r.end() as u32)),
        Class::Bytes(b) => b.iter().for_each(|r| add(u32::from(r.start()), u32::from(r.end()))),
    }
    mask
}

fn digit_mask(b: u8) -> u16 {
    assert!(b.is_ascii_digit(), "non-digit literal {:?} in metadata regex", b as char);
    1 << (b - b'0')
}

// ---------------------------------------------------------------------------------------
// Unrolled regexes (paths in priority order)

#[derive(Default)]
struct Paths {
    tokens: Vec<u16>,
    cache: HashMap<String, PatRef>,
}

#[derive(Clone, Copy, Default)]
struct PatRef {
    first: usize,
    count: usize,
    groups: usize,
    /// Digits a match can begin with (bit d); all ten when it can match the empty string.
    starts: u16,
}

impl Paths {
    /// Adds a regex's paths.
    fn add(&mut self, pattern: &str) -> PatRef {
        if let Some(&r) = self.cache.get(pattern) {
            return r;
        }
        let hir = parse_regex(pattern);
        let groups = hir.properties().explicit_captures_len();
        assert!(groups <= 9, "regex {pattern:?} has more capture groups than the matcher keeps");
        let list = unroll(&hir);
        assert!(!list.is_empty(), "regex {pattern:?} matches nothing");
        let first = self.tokens.len();
        let mut starts = 0u16;
        for p in list {
            // The first token that consumes a digit; none means the path may match empty.
            starts |= p.iter().find(|&&t| t <= 0x3FF).copied().unwrap_or(0x3FF);
            self.tokens.extend_from_slice(&p);
            self.tokens.push(0);
        }
        let r = PatRef { first, count: self.tokens.len() - first, groups, starts };
        self.cache.insert(pattern.to_string(), r);
        r
    }
}

/// All match paths of `hir`, in the order a backtracking (leftmost-first) matcher tries them.
fn unroll(hir: &Hir) -> Vec<Vec<u16>> {
    let out = match hir.kind() {
        HirKind::Empty => vec![vec![]],
        HirKind::Literal(l) => vec![l.0.iter().map(|&b| digit_mask(b)).collect()],
        HirKind::Class(c) => match class_mask(c) {
            0 => vec![],
            m => vec![vec![m]],
        },
        HirKind::Look(Look::Start) => vec![vec![TOK_START]],
        HirKind::Look(Look::End) => vec![vec![TOK_END]],
        HirKind::Look(l) => panic!("unsupported look-around {l:?} in metadata regex"),
        HirKind::Capture(c) => {
            let (open, close) = (TOK_SAVE | (2 * c.index) as u16, TOK_SAVE | (2 * c.index + 1) as u16);
            unroll(&c.sub)
                .into_iter()
                .map(|p| std::iter::once(open).chain(p).chain(std::iter::once(close)).collect())
                .collect()
        }
        HirKind::Concat(subs) => subs.iter().fold(vec![vec![]], |acc, s| product(&acc, &unroll(s))),
        HirKind::Alternation(subs) => subs.iter().flat_map(unroll).collect(),
        HirKind::Repetition(r) => {
            // Inputs have at most MAX_NSN digits, so longer repetitions cannot match.
            let max = r.max.unwrap_or(MAX_NSN as u32).min(MAX_NSN as u32);
            repeat(&unroll(&r.sub), r.min, max, r.greedy)
        }
    };
    assert!(out.len() <= MAX_PATHS, "regex unrolls into too many paths");
    out
}

fn product(a: &[Vec<u16>], b: &[Vec<u16>]) -> Vec<Vec<u16>> {
    a.iter().flat_map(|x| b.iter().map(move |y| x.iter().chain(y).copied().collect())).collect()
}

/// `sub{min,max}`: greedy tries one more iteration before stopping, lazy the reverse.
fn repeat(sub: &[Vec<u16>], min: u32, max: u32, greedy: bool) -> Vec<Vec<u16>> {
    if max == 0 {
        return vec![vec![]];
    }
    let more = product(sub, &repeat(sub, min.saturating_sub(1), max - 1, greedy));
    if min > 0 {
        more
    } else if greedy {
        more.into_iter().chain(std::iter::once(vec![])).collect()
    } else {
        std::iter::once(vec![]).chain(more).collect()
    }
}

// ---------------------------------------------------------------------------------------
// Per-country-code DFA

/// What a DFA state answers for the NSN read so far.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
struct Res {
    /// Index among the country code's regions (libphonenumber's region choice).
    region: Option<usize>,
    /// Index into TYPE_NAMES, or None (then `fixed_or_mobile` or Unknown).
    ntype: Option<usize>,
    fixed_or_mobile: bool,
    no_intl: bool,
    /// Bit i: region i's general pattern matches (length not checked).
    viable: u32,
}

enum Node {
    Digit(u16, usize),
    Eps(Vec<usize>),
    Accept(usize),
    Sticky(usize),
}

struct Nfa {
    nodes: Vec<Node>,
}

impl Nfa {
    fn push(&mut self, n: Node) -> usize {
        self.nodes.push(n);
        self.nodes.len() - 1
    }

    /// Thompson construction, backwards: returns the entry of a fragment that continues
    /// to `next` after matching `hir`.
    fn compile(&mut self, hir: &Hir, next: usize) -> usize {
        match hir.kind() {
            HirKind::Empty => next,
            HirKind::Literal(l) => l.0.iter().rev().fold(next, |n, &b| self.push(Node::Digit(digit_mask(b), n))),
            HirKind::Class(c) => self.push(Node::Digit(class_mask(c), next)),
            HirKind::Look(l) => panic!("unsupported look-around {l:?} in a number pattern"),
            HirKind::Capture(c) => self.compile(&c.sub, next),
            HirKind::Concat(subs) => subs.iter().rev().fold(next, |n, s| self.compile(s, n)),
            HirKind::Alternation(subs) => {
                let alts = subs.iter().map(|s| self.compile(s, next)).collect();
                self.push(Node::Eps(alts))
            }
            HirKind::Repetition(r) => {
                let mut tail = next;
                match r.max {
                    Some(max) => {
                        for _ in r.min..max {
                            let body = self.compile(&r.sub, tail);
                            tail = self.push(Node::Eps(vec![body, next]));
                        }
                    }
                    None => {
                        let lp = self.push(Node::Eps(vec![]));
                        let body = self.compile(&r.sub, lp);
                        self.nodes[lp] = Node::Eps(vec![body, next]);
                        tail = lp;
                    }
                }
                for _ in 0..r.min {
                    tail = self.compile(&r.sub, tail);
                }
                tail
            }
        }
    }

    /// Epsilon closure of `from`: the digit, accept and sticky nodes reached, sorted.
    /// `seen` is all false on entry and on return.
    fn closure(&self, from: impl IntoIterator<Item = usize>, out: &mut Vec<usize>, seen: &mut [bool]) {
        let mut stack: Vec<usize> = from.into_iter().collect();
        let mut visited = Vec::new();
        while let Some(n) = stack.pop() {
            if std::mem::replace(&mut seen[n], true) {
                continue;
            }
            visited.push(n);
            match &self.nodes[n] {
                Node::Eps(next) => stack.extend(next.iter().copied()),
                _ => out.push(n),
            }
        }
        for n in visited {
            seen[n] = false;
        }
        out.sort_unstable();
    }
}

/// A minimised DFA over digits whose states answer `R`.
struct Dfa<R> {
    start: usize,
    next: Vec<[u32; 10]>,
    result: Vec<R>,
}

/// A pattern to compile into a DFA, under a tag the states report.
struct Tagged<'a> {
    tag: usize,
    pattern: &'a str,
    /// Lengths (bit n = n digits) at which a full match counts.
    lengths: u32,
    /// A prefix match: once reached, the tag stays on for every longer input.
    sticky: bool,
}

/// Subset construction over all patterns at once. Returns the transitions and, per state,
/// which tags hold for the input read so far (a full match of an allowed length, or a
/// sticky prefix reached). States count depth up to `MAX_NSN + 1`, so the DFA is acyclic
/// until then and the lengths can be folded in.
fn determinise(patterns: &[Tagged], n_tags: usize) -> (Vec<[u32; 10]>, Vec<Vec<bool>>) {
    let mut nfa = Nfa { nodes: Vec::new() };
    let mut starts = Vec::new();
    let mut tag_lengths = vec![0u32; n_tags];
    for p in patterns {
        tag_lengths[p.tag] = p.lengths;
        let end = nfa.push(if p.sticky { Node::Sticky(p.tag) } else { Node::Accept(p.tag) });
        starts.push(nfa.compile(&parse_regex(p.pattern), end));
    }

    // A state is (live NFA nodes, depth, sticky tags reached).
    type Key = (Vec<usize>, usize, Vec<usize>);
    let mut seen = vec![false; nfa.nodes.len()];
    let mut index: HashMap<Key, usize> = HashMap::new();
    let mut keys: Vec<Key> = Vec::new();
    let mut next: Vec<[u32; 10]> = Vec::new();

    let split = |nodes: Vec<usize>, nfa: &Nfa, sticky: &mut Vec<usize>| -> Vec<usize> {
        let mut live = Vec::with_capacity(nodes.len());
        for n in nodes {
            match nfa.nodes[n] {
                Node::Sticky(tag) => sticky.push(tag),
                _ => live.push(n),
            }
        }
        sticky.sort_unstable();
        sticky.dedup();
        live
    };

    let mut first = Vec::new();
    nfa.closure(starts.iter().copied(), &mut first, &mut seen);
    let mut sticky0 = Vec::new();
    let first = split(first, &nfa, &mut sticky0);
    let start_key: Key = (first, 0, sticky0);
    index.insert(start_key.clone(), 0);
    keys.push(start_key);
    next.push([0; 10]);
    let mut todo = vec![0usize];
    while let Some(s) = todo.pop() {
        let (nodes, depth, sticky) = keys[s].clone();
        for digit in 0..10u16 {
            let mut targets = Vec::new();
            if depth < MAX_NSN {
                for &n in &nodes {
                    if let Node::Digit(mask, to) = nfa.nodes[n] {
                        if mask & (1 << digit) != 0 {
                            targets.push(to);
                        }
                    }
                }
            }
            let mut closed = Vec::new();
            nfa.closure(targets, &mut closed, &mut seen);
            let mut st = sticky.clone();
            let live = split(closed, &nfa, &mut st);
            let key: Key = (live, (depth + 1).min(MAX_NSN + 1), st);
            let t = match index.get(&key) {
                Some(&t) => t,
                None => {
                    let t = keys.len();
                    index.insert(key.clone(), t);
                    keys.push(key);
                    next.push([0; 10]);
                    todo.push(t);
                    t
                }
            };
            next[s][digit as usize] = t as u32;
        }
    }

    let holds = keys
        .iter()
        .map(|(nodes, depth, sticky)| {
            let mut acc = vec![false; n_tags];
            for &n in nodes {
                if let Node::Accept(tag) = nfa.nodes[n] {
                    if tag_lengths[tag] & (1 << depth) != 0 {
                        acc[tag] = true;
                    }
                }
            }
            for &tag in sticky {
                acc[tag] = true;
            }
            acc
        })
        .collect();
    (next, holds)
}

fn build_dfa<'a>(cc: u16, metas: &[&'a Metadata]) -> Dfa<Res> {
    let n_tags = metas.len() * KINDS;
    let mut same_fixed_mobile = vec![false; metas.len()];
    let mut has_lead = vec![false; metas.len()];
    let all_lengths: u32 = (1u32 << (MAX_NSN + 1)) - 1;
    let mut patterns = Vec::new();

    for (i, m) in metas.iter().enumerate() {
        let (gen_lens, _) = general_lengths(m);
        let d = m.descriptors();
        let mut add = |kind: usize, pattern: &'a str, lengths: u32, sticky: bool| {
            patterns.push(Tagged { tag: i * KINDS + kind, pattern, lengths, sticky });
        };
        let general = d.general().national_number().as_str();
        add(K_GENERAL, general, gen_lens, false);
        add(K_GENPAT, general, all_lengths, false);
        for (k, desc) in type_descriptors(m).into_iter().enumerate() {
            if let Some(desc) = desc {
                let lens = match mask_of(desc.possible_length()) {
                    0 => all_lengths, // no lengths given: the general check covers them
                    l => l,
                };
                add(k, desc.national_number().as_str(), lens, false);
            }
        }
        if let Some(desc) = d.no_international() {
            let lens = match mask_of(desc.possible_length()) {
                0 => all_lengths,
                l => l,
            };
            add(K_NO_INTL, desc.national_number().as_str(), lens, false);
        }
        if let Some(re) = m.leading_digits() {
            has_lead[i] = true;
            add(K_LEAD, re.as_str(), all_lengths, true);
        }
        same_fixed_mobile[i] = match (d.fixed_line(), d.mobile()) {
            (Some(f), Some(mo)) => f.national_number().as_str() == mo.national_number().as_str(),
            _ => false,
        };
    }
    let (next, holds) = determinise(&patterns, n_tags);
    let subset_states = next.len();

    // What each state answers.
    let result: Vec<Res> = holds
        .iter()
        .map(|acc| {
            let type_of = |i: usize| -> (Option<usize>, bool) {
                let a = |k: usize| acc[i * KINDS + k];
                if !a(K_GENERAL) {
                    return (None, false);
                }
                if let Some(k) = (K_PREMIUM..=K_VOICEMAIL).find(|&k| a(k)) {
                    return (Some(k), false);
                }
                if a(K_FIXED) {
                    return if same_fixed_mobile[i] || a(K_MOBILE) { (None, true) } else { (Some(K_FIXED), false) };
                }
                if a(K_MOBILE) {
                    return (Some(K_MOBILE), false);
                }
                (None, false)
            };
            let known = |i: usize| type_of(i) != (None, false);
            // getRegionCodeForNumber: the only region, or the first whose leading digits
            // match (regions with leading digits) or whose type is known (the others).
            let region = if metas.len() == 1 {
                Some(0)
            } else {
                (0..metas.len()).find(|&i| if has_lead[i] { acc[i * KINDS + K_LEAD] } else { known(i) })
            };
            let (ntype, fixed_or_mobile) = region.map(type_of).unwrap_or((None, false));
            Res {
                region,
                ntype,
                fixed_or_mobile,
                no_intl: region.is_some_and(|i| acc[i * KINDS + K_NO_INTL]),
                viable: (0..metas.len()).filter(|&i| acc[i * KINDS + K_GENPAT]).fold(0, |m, i| m | 1 << i),
            }
        })
        .collect();

    let dfa = minimise(Dfa { start: 0, next, result });
    if std::env::var_os("RINGFENCE_TABLE_STATS").is_some() && dfa.next.len() > 2000 {
        println!("cargo:warning=+{cc}: {subset_states} subset states -> {} states", dfa.next.len());
    }
    dfa
}

/// Moore's partition refinement: merges states that answer the same for every suffix.
fn minimise<R: Copy + Eq + std::hash::Hash>(dfa: Dfa<R>) -> Dfa<R> {
    let n = dfa.next.len();
    let mut class: Vec<usize> = {
        let mut ids: HashMap<R, usize> = HashMap::new();
        dfa.result
            .iter()
            .map(|r| {
                let k = ids.len();
                *ids.entry(*r).or_insert(k)
            })
            .collect()
    };
    let mut count = class.iter().max().map_or(0, |m| m + 1);
    loop {
        let mut ids: HashMap<(usize, [usize; 10]), usize> = HashMap::new();
        let refined: Vec<usize> = (0..n)
            .map(|s| {
                let sig = (class[s], dfa.next[s].map(|t| class[t as usize]));
                let k = ids.len();
                *ids.entry(sig).or_insert(k)
            })
            .collect();
        let new_count = ids.len();
        class = refined;
        if new_count == count {
            break;
        }
        count = new_count;
    }
    // Renumber so the start state keeps a small index and the rest follow in first-seen order.
    let mut next = vec![[0u32; 10]; count];
    let mut result = vec![dfa.result[0]; count];
    for s in 0..n {
        let c = class[s];
        next[c] = dfa.next[s].map(|t| class[t as usize] as u32);
        result[c] = dfa.result[s];
    }
    Dfa { start: class[dfa.start], next, result }
}

/// Many DFAs in one pair of tables (see `data.rs`): per state one u32 LE, the result
/// index in the low 16 bits and, in the high 16, either the one next state for all ten
/// digits or (bit 15 set) the index of a row of ten next states (u16 LE each).
#[derive(Default)]
struct Encoder {
    states: Vec<u8>,
    rows: Vec<u8>,
    row_index: HashMap<[u32; 10], u32>,
    n_states: usize,
}

impl Encoder {
    /// Appends a DFA; returns its start state's global number.
    fn add<R>(&mut self, dfa: &Dfa<R>, mut result_id: impl FnMut(&R) -> u16) -> u32 {
        let base = self.n_states as u32;
        assert!(
            self.n_states + dfa.next.len() < 0x8000 && self.row_index.len() < 0x8000,
            "DFA tables outgrew 15-bit state numbers"
        );
        for (s, next) in dfa.next.iter().enumerate() {
            let next = next.map(|t| base + t);
            let res = u32::from(result_id(&dfa.result[s]));
            // Most states (`\d`) go to one state whatever the digit: no row for those.
            let high = if next.iter().all(|&t| t == next[0]) {
                next[0]
            } else {
                let n = self.row_index.len() as u32;
                let rows = &mut self.rows;
                let row = *self.row_index.entry(next).or_insert_with(|| {
                    for t in next {
                        rows.extend_from_slice(&(t as u16).to_le_bytes());
                    }
                    n
                });
                0x8000 | row
            };
            self.states.extend_from_slice(&(high << 16 | res).to_le_bytes());
        }
        self.n_states += dfa.next.len();
        base + dfa.start as u32
    }

    fn bytes(&self) -> usize {
        self.states.len() + self.rows.len()
    }

    fn write(&self, out: &Path, name: &str) {
        std::fs::write(out.join(format!("{name}_states.bin")), &self.states).unwrap();
        std::fs::write(out.join(format!("{name}_rows.bin")), &self.rows).unwrap();
    }
}
