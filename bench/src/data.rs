//! Synthetic but realistic inputs: valid mobile and fixed numbers from the US, Korea,
//! Germany and China, deterministic for a given seed (fastrand).

use std::collections::HashSet;
use std::io::{BufRead, BufWriter, Write};
use std::path::Path;

/// Area codes in service in the US (a sample), so the numbers are valid.
const US_AREAS: &[u64] = &[
    201, 202, 203, 205, 206, 207, 208, 209, 210, 212, 213, 214, 215, 216, 217, 218, 219, 224, 225, 228, 229, 231, 234,
    239, 240, 248, 251, 252, 253, 254, 256, 260, 262, 267, 269, 270, 276, 281, 301, 302, 303, 304, 305, 307, 308, 309,
    310, 312, 313, 314, 315, 316, 317, 318, 319, 320, 321, 323, 325, 330, 334, 336, 337, 339, 347, 351, 352, 360, 361,
    386, 401, 402, 404, 405, 406, 407, 408, 409, 410, 412, 413, 414, 415, 417, 419, 423, 424, 425, 432, 434, 435, 440,
    443, 469, 478, 479, 480, 501, 502, 503, 504, 505, 507, 508, 509, 510, 512, 513, 515, 516, 517, 518, 520, 530, 540,
    541, 559, 561, 562, 563, 567, 570, 571, 573, 574, 580, 585, 586, 601, 602, 603, 605, 606, 607, 608, 609, 610, 612,
    614, 615, 616, 617, 618, 619, 620, 623, 626, 630, 631, 636, 641, 646, 650, 651, 660, 661, 662, 678, 701, 702, 703,
    704, 706, 707, 708, 712, 713, 714, 715, 716, 717, 718, 719, 720, 724, 727, 731, 732, 734, 740, 754, 757, 760, 763,
    765, 770, 772, 773, 774, 775, 781, 785, 786, 801, 802, 803, 804, 805, 806, 808, 810, 812, 813, 814, 815, 816, 817,
    818, 828, 830, 831, 832, 843, 845, 847, 848, 850, 856, 857, 858, 859, 860, 862, 863, 864, 865, 870, 901, 903, 904,
    906, 907, 908, 909, 910, 912, 913, 914, 915, 916, 917, 918, 919, 920, 925, 928, 931, 936, 937, 940, 941, 947, 949,
    951, 952, 954, 956, 970, 971, 972, 973, 978, 979, 980, 985, 989,
];

/// One valid number's E.164 digits (the import phase reports any that are not): 40% US, 30% KR mobile, 20% DE mobile, 10% CN mobile.
pub fn number(rng: &mut fastrand::Rng) -> u64 {
    match rng.u64(..10) {
        0..=3 => {
            let area = US_AREAS[rng.usize(..US_AREAS.len())];
            10_000_000_000 + area * 10_000_000 + (200 + rng.u64(..800)) * 10_000 + rng.u64(..10_000)
        }
        4..=6 => 821_020_000_000 + rng.u64(..80_000_000), // +82 10 2000 0000 and up
        7 | 8 => 4_917_000_000_000 + rng.u64(..100_000_000), // +49 170 xxxxxxxx
        _ => 8_613_000_000_000 + rng.u64(..1_000_000_000), // +86 13x xxxx xxxx
    }
}

/// `n` distinct numbers.
pub fn distinct_numbers(n: usize, seed: u64) -> Vec<u64> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut seen = HashSet::with_capacity(n);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let x = number(&mut rng);
        if seen.insert(x) {
            out.push(x);
        }
    }
    out
}

const CATEGORIES: &[&str] = &["scam", "telemarketing", "robocall", "unknown"];

/// The plain import format: `+E164,category,votes`.
pub fn write_community_csv(path: &Path, n: usize, seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0xC0FFEE);
    let mut w = BufWriter::new(std::fs::File::create(path).expect("create csv"));
    writeln!(w, "number,category,votes").unwrap();
    for x in distinct_numbers(n, seed) {
        let cat = CATEGORIES[rng.usize(..CATEGORIES.len())];
        writeln!(w, "+{x},{cat},{}", 1 + rng.u64(..20)).unwrap();
    }
    w.flush().unwrap();
}

/// Rules as `block|allow PATTERN`, a tenth of them prefixes (the number less its last
/// four digits), half of them on each list.
pub fn write_rules(path: &Path, n: usize, seed: u64) {
    let mut w = BufWriter::new(std::fs::File::create(path).expect("create rules"));
    for (i, x) in distinct_numbers(n, seed).into_iter().enumerate() {
        let list = if i % 2 == 0 { "block" } else { "allow" };
        if i % 10 == 0 {
            writeln!(w, "{list} +{}*", x / 10_000).unwrap();
        } else {
            writeln!(w, "{list} +{x}").unwrap();
        }
    }
    w.flush().unwrap();
}

pub fn first_number(csv: &Path) -> String {
    let f = std::io::BufReader::new(std::fs::File::open(csv).expect("open csv"));
    let line = f.lines().nth(1).expect("a data row").expect("readable");
    line.split(',').next().unwrap_or_default().to_string()
}

/// A database whose community table holds `n` numbers, all above the block threshold.
pub fn build_export_db(path: &Path, n: usize, seed: u64) {
    drop(ringfence_core::Screener::open(path, ringfence_core::Region::US).expect("create db"));
    let mut conn = rusqlite::Connection::open(path).expect("open db");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let tx = conn.transaction().unwrap();
    {
        let mut stmt = tx
            .prepare(
                "INSERT INTO community (number, source, category, votes, last_activity) VALUES (?1, 1, 5, 50.0, ?2)",
            )
            .unwrap();
        for x in distinct_numbers(n, seed) {
            stmt.execute(rusqlite::params![x as i64, now]).unwrap();
        }
    }
    tx.commit().unwrap();
}
