//! Every number in the real data files, read by ringfence and by the `phonenumber` crate
//! (the reference the metadata comes from): for numbers the crate calls valid, the E.164
//! number and the type must agree. Disagreements are counted, explained and asserted.
//!
//! Two known, explained kinds, both bugs of the crate where ringfence follows Google's
//! libphonenumber (checked against its C++ build on the same files):
//! * the crate matches a type's pattern as a *prefix* of the national number (`find()` at
//!   0, no end anchor), where libphonenumber requires the whole number to match;
//! * its `number_type` drops the leading zero of Italian numbers (`+39 010...`) and then
//!   calls valid numbers Unknown.
//!
//! The test re-checks each such case with anchored regexes over the crate's own metadata.
//!
//! And the crate gives up on two FTC rows that libphonenumber reads (`951677xxxx`, a vanity
//! number; `4242972172,347284638`, a number and a pause).

use phonenumber::metadata::{Descriptor, Metadata, DATABASE};
use phonenumber::Type;
use regex::Regex;
use ringfence_core::number::{parse, Caller, NumberType, Region};
use std::collections::HashMap;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/");

fn column(file: &str, name: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(format!("{DATA}{file}")).unwrap_or_else(|e| panic!("{file}: {e}"));
    let idx = r.headers().unwrap().iter().position(|h| h == name).unwrap();
    r.records().map(|rec| rec.unwrap()[idx].to_string()).collect()
}

fn ours_type(t: Type) -> NumberType {
    match t {
        Type::FixedLine => NumberType::FixedLine,
        Type::Mobile => NumberType::Mobile,
        Type::FixedLineOrMobile => NumberType::FixedLineOrMobile,
        Type::TollFree => NumberType::TollFree,
        Type::PremiumRate => NumberType::PremiumRate,
        Type::SharedCost => NumberType::SharedCost,
        Type::Voip => NumberType::Voip,
        Type::PersonalNumber => NumberType::PersonalNumber,
        Type::Pager => NumberType::Pager,
        Type::Uan => NumberType::Uan,
        Type::Voicemail => NumberType::Voicemail,
        _ => NumberType::Unknown,
    }
}

/// The crate's getNumberType, with every pattern anchored at both ends as in
/// libphonenumber. Regexes are compiled once per pattern.
struct Anchored(HashMap<String, Regex>);

impl Anchored {
    fn is(&mut self, d: Option<&Descriptor>, nsn: &str) -> bool {
        let Some(d) = d else { return false };
        if !d.possible_length().is_empty() && !d.possible_length().contains(&(nsn.len() as u16)) {
            return false;
        }
        let p = d.national_number().as_str();
        let re = self.0.entry(p.to_string()).or_insert_with(|| {
            regex::RegexBuilder::new(&format!("^(?:{p})$")).ignore_whitespace(true).build().unwrap()
        });
        re.is_match(nsn)
    }

    fn number_type(&mut self, m: &Metadata, nsn: &str) -> NumberType {
        let d = m.descriptors();
        if !self.is(Some(d.general()), nsn) {
            return NumberType::Unknown;
        }
        for (desc, t) in [
            (d.premium_rate(), NumberType::PremiumRate),
            (d.toll_free(), NumberType::TollFree),
            (d.shared_cost(), NumberType::SharedCost),
            (d.voip(), NumberType::Voip),
            (d.personal_number(), NumberType::PersonalNumber),
            (d.pager(), NumberType::Pager),
            (d.uan(), NumberType::Uan),
            (d.voicemail(), NumberType::Voicemail),
        ] {
            if self.is(desc, nsn) {
                return t;
            }
        }
        let same =
            d.fixed_line().map(|x| x.national_number().as_str()) == d.mobile().map(|x| x.national_number().as_str());
        match (self.is(d.fixed_line(), nsn), self.is(d.mobile(), nsn)) {
            (true, _) if same => NumberType::FixedLineOrMobile,
            (true, true) => NumberType::FixedLineOrMobile,
            (true, false) => NumberType::FixedLine,
            (false, true) => NumberType::Mobile,
            _ => NumberType::Unknown,
        }
    }
}

#[derive(Default, Debug)]
struct Tally {
    inputs: usize,
    crate_valid: usize,
    agree: usize,
    /// Crate valid, same E.164, different type or validity, explained by its prefix matching.
    prefix_matching: usize,
    /// Crate valid but typed Unknown: it lost the national number's leading zero.
    leading_zero: usize,
    unexplained: Vec<String>,
    /// Valid for ringfence, invalid or unparsable for the crate.
    only_ours_valid: usize,
    /// A few of the explained cases, for the record.
    examples: Vec<String>,
}

fn cross_check(raws: &[String], home: Region, tally: &mut Tally, anchored: &mut Anchored) {
    let pn_home: phonenumber::country::Id = home.as_str().parse().unwrap();
    for raw in raws {
        tally.inputs += 1;
        let ours = match parse(raw, home) {
            Caller::Number(n) => Some(n),
            _ => None,
        };
        // `+` forms without a home region: the crate's trap 1 (design notes).
        let region = if raw.trim_start().starts_with('+') { None } else { Some(pn_home) };
        let theirs = phonenumber::parse(region, raw).ok().filter(|n| n.is_valid());
        let Some(theirs) = theirs else {
            if let Some(n) = ours.filter(|n| n.valid) {
                tally.only_ours_valid += 1;
                tally
                    .examples
                    .push(format!("{raw:?}: crate no valid number, ringfence {} {:?}", n.e164, n.number_type));
            }
            continue;
        };
        tally.crate_valid += 1;
        let e164 = theirs.format().mode(phonenumber::Mode::E164).to_string();
        let t = ours_type(theirs.number_type(&DATABASE));
        let Some(ours) = ours else {
            tally.unexplained.push(format!("{raw:?}: crate {e164} {t:?}, ringfence no number"));
            continue;
        };
        if ours.e164.to_string() == e164 && ours.number_type == t {
            tally.agree += 1;
            continue;
        }
        if ours.e164.to_string() == e164 {
            // Same number, different verdict: is it the crate's unanchored matching?
            // The region libphonenumber would pick (the crate loses leading zeros here).
            let meta = ours.region.and_then(|r| DATABASE.by_id(r.as_str())).or_else(|| theirs.metadata(&DATABASE));
            let nsn = &e164[1 + theirs.code().value().to_string().len()..];
            if meta.is_some_and(|m| anchored.number_type(m, nsn) == ours.number_type) {
                let example = format!("{raw:?}: crate {t:?}, anchored and ringfence {:?}", ours.number_type);
                if t == NumberType::Unknown && nsn.starts_with('0') {
                    tally.leading_zero += 1;
                    if tally.leading_zero <= 3 {
                        tally.examples.push(example);
                    }
                } else {
                    tally.prefix_matching += 1;
                    if tally.prefix_matching <= 10 {
                        tally.examples.push(example);
                    }
                }
                continue;
            }
        }
        tally.unexplained.push(format!("{raw:?}: crate {e164} {t:?}, ringfence {} {:?}", ours.e164, ours.number_type));
    }
}

#[test]
fn real_data_agrees_with_the_phonenumber_crate() {
    let mut anchored = Anchored(HashMap::new());
    let mut ftc = Tally::default();
    cross_check(
        &column("ftc-dnc-complaints-2021-07-08.csv", "Company_Phone_Number"),
        Region::US,
        &mut ftc,
        &mut anchored,
    );
    let mut pb = Tally::default();
    let de: Region = "DE".parse().unwrap();
    cross_check(&column("phoneblock-blocklist-snapshot.csv", "phone"), de, &mut pb, &mut anchored);
    println!("FTC (home US): {ftc:#?}");
    println!("PhoneBlock (home DE): {pb:#?}");

    for (name, t) in [("FTC", &ftc), ("PhoneBlock", &pb)] {
        assert!(t.unexplained.is_empty(), "{name}: {} unexplained:\n{}", t.unexplained.len(), t.unexplained.join("\n"));
    }
    // The files' sizes, and that nearly everything was compared rather than skipped.
    assert_eq!(ftc.inputs, 14_034);
    assert_eq!(pb.inputs, 15_800);
    assert!(ftc.crate_valid > 12_000 && pb.crate_valid > 15_000, "{} {}", ftc.crate_valid, pb.crate_valid);
    // Counted disagreements, all explained above.
    // Only ours valid: three rows libphonenumber also reads (a vanity number, a number and
    // a pause, `18883722468ex1`) and two SMS short codes from the short-number data
    // (`262966`, `781558****`), which the crate has no data for.
    assert_eq!((ftc.prefix_matching, ftc.leading_zero, ftc.only_ours_valid), (0, 0, 5), "FTC");
    assert_eq!((pb.prefix_matching, pb.leading_zero, pb.only_ours_valid), PHONEBLOCK_DISAGREEMENTS, "PhoneBlock");
    assert!(pb.agree as f64 / pb.crate_valid as f64 > 0.99);
}

/// (prefix matching, leading zero, only ours valid) on the PhoneBlock file as shipped: a
/// change means the reading of real numbers changed, which should be looked at.
const PHONEBLOCK_DISAGREEMENTS: (usize, usize, usize) = (6, 40, 0);
