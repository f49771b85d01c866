//! Bad database files: damaged pages, a destroyed header, a truncated file, a full disk,
//! a read-only file system. Each time the engine says clearly what is wrong, keeps
//! screening with what it can (emergency numbers and ordinary calls are always allowed;
//! the user's lists apply when they can be read), and the app can recover
//! (`Screener::recover`: the damaged file is moved aside, the user's data carried over).

mod common;

use common::{integrity, Rng};
use ringfence_core::{Action, Call, Category, Error, Format, List, Region, Screener};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const BLOCK_RULES: u64 = 300;
const CONTACTS: u64 = 100;
const REPORTS: u64 = 150;

fn kr(local: u64) -> String {
    format!("010{local}")
}

/// A real database: the user's lists, contacts, reports, settings and history, and many
/// pages of community rows (written last, so they sit at the end of the file).
fn populated(path: &Path) -> BTreeSet<String> {
    let mut s = Screener::open(path, Region::KR).unwrap();
    let patterns: Vec<(String, Option<String>)> =
        (0..BLOCK_RULES).map(|i| (kr(20_000_000 + i * 7), Some(format!("rule {i}")))).collect();
    s.add_rules(List::Block, &patterns).unwrap();
    s.add_rule(List::Block, "+8270*", Some("VoIP")).unwrap();
    s.add_rule(List::Allow, "010-1234-5678", Some("Mum")).unwrap();
    let contacts: Vec<String> = (0..CONTACTS).map(|i| kr(30_000_000 + i)).collect();
    s.set_contacts(&contacts).unwrap();
    for i in 0..REPORTS {
        s.report(&kr(40_000_000 + i), Category::Scam, Some("bad files")).unwrap();
    }
    s.set_policy("hidden", "block").unwrap();
    s.set_policy("category.representative", "block").unwrap();
    for i in 0..50 {
        s.screen_and_record(&Call::new(&kr(50_000_000 + i))).unwrap();
    }
    let community: String = (0..40_000u64).map(|i| format!("{},scam,3\n", kr(60_000_000 + i * 3))).collect();
    s.import(Format::Csv, community.as_bytes()).unwrap();
    let rules = s.rules(List::Block).unwrap().iter().map(|r| r.pattern.to_string()).collect();
    drop(s);
    assert!(!PathBuf::from(format!("{}-wal", path.display())).exists(), "closing checkpoints the WAL");
    rules
}

/// What must hold of any screener, whatever state its file is in.
fn still_screens(s: &mut Screener, what: &str) {
    for n in ["112", "119", "+82 112"] {
        let d = s.screen(&Call::new(n));
        assert_eq!(d.action, Action::Allow, "{what}: emergency {n}: {d:?}");
    }
    // An ordinary number nobody reported: not blocked, whatever is broken.
    for n in ["010-9876-5432", "+1 212 555 0100", "+49 151 12345678"] {
        let d = s.screen(&Call::new(n));
        assert!(d.action <= Action::Warn, "{what}: ordinary {n}: {d:?}");
    }
    // A community number: some decision (the row may be unreadable), never a panic.
    let _ = s.screen(&Call::new(&kr(60_000_000 + 3 * 777)));
}

fn page_size(path: &Path) -> u64 {
    let b = std::fs::read(path).unwrap();
    match u16::from_be_bytes([b[16], b[17]]) {
        1 => 65_536,
        n => u64::from(n),
    }
}

/// Pages (1-based) that hold the community table, from SQLite's `dbstat`.
fn community_pages(path: &Path) -> Vec<u64> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn.prepare("SELECT pageno FROM dbstat WHERE name = 'community' AND pagetype = 'leaf'").unwrap();
    let pages: Vec<i64> = stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
    pages.into_iter().map(|p| p as u64).collect()
}

fn smash_pages(path: &Path, pages: &[u64], rng: &mut Rng) {
    use std::io::{Seek, SeekFrom, Write};
    let size = page_size(path);
    let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    for &p in pages {
        let junk: Vec<u8> = (0..size).map(|_| rng.next() as u8).collect();
        f.seek(SeekFrom::Start((p - 1) * size)).unwrap();
        f.write_all(&junk).unwrap();
    }
}

/// After recovery: a sound fresh file at the path, the damaged one kept beside it,
/// and every salvaged rule one the user had.
fn check_recovered(path: &Path, original_rules: &BTreeSet<String>, what: &str) -> (Screener, ringfence_core::Recovery) {
    let (mut s, rec) = Screener::recover(path, Region::KR).unwrap_or_else(|e| panic!("{what}: recover: {e}"));
    let moved = rec.moved_to.clone().expect("moved aside");
    assert!(moved.exists(), "{what}: the damaged file is kept");
    assert!(moved.file_name().unwrap().to_string_lossy().contains(".corrupt-"), "{moved:?}");
    assert!(integrity(path).is_empty(), "{what}: the new file is sound");
    assert!(s.degraded().is_none() && s.last_error().is_none());
    let rules: BTreeSet<String> = s.rules(List::Block).unwrap().iter().map(|r| r.pattern.to_string()).collect();
    assert!(
        rules.is_subset(original_rules),
        "{what}: recovery invented rules: {:?}",
        rules.difference(original_rules).collect::<Vec<_>>()
    );
    assert_eq!(rules.len() as u64, rec.rules - s.rules(List::Allow).unwrap().len() as u64, "{what}: {rec:?}");
    assert_eq!(s.stats().unwrap().community_numbers, 0, "{what}: community data waits for a full resync");
    still_screens(&mut s, what);
    // The app goes on: writes work again.
    s.add_rule(List::Block, "+8260*", None).unwrap();
    s.report("010-5555-0000", Category::Scam, None).unwrap();
    (s, rec)
}

#[test]
fn damaged_community_pages_lose_nothing_of_the_users() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ringfence.db");
    let rules = populated(&path);
    let mut rng = Rng::from_env_or_time();
    let pages = community_pages(&path);
    assert!(pages.len() > 50, "{} community pages", pages.len());
    let picked: Vec<u64> = (0..20).map(|_| pages[rng.below(pages.len() as u64) as usize]).collect();
    smash_pages(&path, &picked, &mut rng);

    // The user's tables are intact, so the file opens; lookups that hit a bad page fail
    // quietly (last_error) and the call is still decided.
    let mut s = Screener::open(&path, Region::KR).expect("opens: the user's pages are intact");
    still_screens(&mut s, "community pages damaged");
    assert_eq!(s.screen(&Call::new(&kr(20_000_000))).action, Action::Block, "the block list still works");
    assert_eq!(s.screen(&Call::new("")).action, Action::Block, "the hidden-caller policy still works");
    let mut saw_damage = false;
    for i in 0..40_000u64 {
        let _ = s.screen(&Call::new(&kr(60_000_000 + i * 3)));
        if let Some(e) = s.last_error() {
            assert!(e.contains("malformed"), "{e}");
            saw_damage = true;
            break;
        }
    }
    assert!(saw_damage, "no lookup met the damage");
    drop(s);

    let (mut s, rec) = check_recovered(&path, &rules, "community pages damaged");
    assert_eq!(rec.incomplete, Vec::<String>::new(), "{rec:?}");
    assert_eq!(
        (rec.rules, rec.contacts, rec.reports, rec.history, rec.settings),
        (BLOCK_RULES + 2, CONTACTS, REPORTS, 50, 2)
    );
    assert_eq!(
        s.rules(List::Block).unwrap().len() as u64,
        BLOCK_RULES + 2,
        "every rule, plus the one added after recovery"
    );
    assert_eq!(s.screen(&Call::new("")).action, Action::Block, "settings carried over");
    assert_eq!(s.screen(&Call::new("010-1234-5678")).label.as_deref(), Some("Mum"));
    assert_eq!(s.pending_reports(1000).unwrap().len() as u64, REPORTS + 1, "the outbox, with its idempotency keys");
}

#[test]
fn recovering_a_sound_file_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ringfence.db");
    let rules = populated(&path);
    let (mut s, rec) = Screener::recover(&path, Region::KR).unwrap();
    assert_eq!(rec, ringfence_core::Recovery::default());
    assert_eq!(s.rules(List::Block).unwrap().len(), rules.len());
    assert_eq!(s.stats().unwrap().community_numbers, 40_000, "the community data stays");
    let moved = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains(".corrupt-"))
        .count();
    assert_eq!(moved, 0, "nothing moved aside");
}

#[test]
fn random_damage_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let pristine = dir.path().join("pristine.db");
    let rules = populated(&pristine);
    let pages = std::fs::metadata(&pristine).unwrap().len() / page_size(&pristine);
    let mut rng = Rng::from_env_or_time();
    let (mut opened, mut refused) = (0, 0);
    for round in 0..12 {
        let path = dir.path().join(format!("damaged-{round}.db"));
        std::fs::copy(&pristine, &path).unwrap();
        // A few pages anywhere, page 1 (the header and schema) included now and then.
        let picked: Vec<u64> = (0..1 + rng.below(6)).map(|_| 1 + rng.below(pages)).collect();
        smash_pages(&path, &picked, &mut rng);
        let what = format!("round {round}, pages {picked:?}");
        match Screener::open(&path, Region::KR) {
            Ok(mut s) => {
                opened += 1;
                still_screens(&mut s, &what);
            }
            Err(e) => {
                refused += 1;
                assert!(e.is_corruption(), "{what}: {e}");
                assert!(
                    e.to_string().contains(&format!("damaged-{round}.db")),
                    "{what}: the error names the file: {e}"
                );
            }
        }
        let mut s = Screener::open_or_fallback(&path, Region::KR);
        still_screens(&mut s, &what);
        drop(s);
        check_recovered(&path, &rules, &what);
    }
    eprintln!(
        "12 damaged files: {opened} opened as they were, {refused} refused as damaged; all screened and recovered"
    );
}

#[test]
fn destroyed_header_and_truncated_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ringfence.db");
    let rules = populated(&path);
    let copy = dir.path().join("copy.db");
    std::fs::copy(&path, &copy).unwrap();

    // The header: not a database any more.
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        f.write_all(&[0x5a; 100]).unwrap();
    }
    let e = Screener::open(&path, Region::KR).err().expect("a headerless file opened");
    assert!(matches!(e, Error::Corrupt { .. }), "{e:?}");
    // The message names the file; what to do (recover) is the caller's to say, by kind.
    assert!(e.to_string().contains("ringfence.db") && e.kind() == ringfence_core::ErrorKind::Corrupt, "{e}");
    let mut s = Screener::open_or_fallback(&path, Region::KR);
    assert!(s.degraded().is_some() && s.last_error().is_some());
    still_screens(&mut s, "header destroyed");
    // Changes are refused, not kept in memory and lost.
    let e = s.add_rule(List::Block, "010-2222-3333", None).expect_err("a write to a stand-in succeeded");
    assert!(matches!(e, Error::Degraded { .. }) && e.to_string().contains("recovered"), "{e}");
    drop(s);
    let (_, rec) = check_recovered(&path, &rules, "header destroyed");
    assert_eq!(rec.rules, 0);
    assert_eq!(rec.incomplete.len(), 5, "{rec:?}");

    // Truncated to a third: the user's tables (at the front) are readable in place.
    let f = std::fs::OpenOptions::new().write(true).open(&copy).unwrap();
    let len = f.metadata().unwrap().len();
    f.set_len(len / 3).unwrap();
    drop(f);
    let mut s = Screener::open_or_fallback(&copy, Region::KR);
    assert!(s.degraded().is_some(), "a truncated file opened as if whole");
    still_screens(&mut s, "truncated");
    assert_eq!(s.screen(&Call::new(&kr(20_000_000))).action, Action::Block, "the block list survives truncation");
    drop(s);
    let (_, rec) = check_recovered(&copy, &rules, "truncated");
    assert_eq!(rec.rules, BLOCK_RULES + 2, "{rec:?}");
}

/// A mount point that unmounts itself.
struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

fn root() -> bool {
    std::process::Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}

/// A real full disk: a small tmpfs, filled up. Needs root (mount), as CI and
/// `scripts/test.sh` run; elsewhere it fails saying so (`cargo test -- --skip full_disk`).
#[test]
fn full_disk() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    assert!(root(), "full_disk mounts a small tmpfs and needs root: run as root, or skip it with --skip full_disk");
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
        .arg(&mnt)
        .status()
        .is_ok_and(|s| s.success());
    assert!(mounted, "could not mount a tmpfs on {}", mnt.display());
    let _mount = Mount(mnt.clone());
    let path = mnt.join("ringfence.db");
    let mut s = Screener::open(&path, Region::KR).unwrap();
    s.add_rule(List::Block, "+8270*", Some("VoIP")).unwrap();
    // Fill the disk but for a few pages.
    let filler = mnt.join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 4096];
        while f.write_all(&block).is_ok() {}
    }
    std::fs::OpenOptions::new()
        .write(true)
        .open(&filler)
        .unwrap()
        .set_len(std::fs::metadata(&filler).unwrap().len() - 64 * 1024)
        .unwrap();

    // Writes go on until the disk is full; then a clear error, and nothing half-done.
    let mut added = Vec::new();
    let label = "x".repeat(90);
    let err = loop {
        let n = kr(20_000_000 + added.len() as u64);
        match s.add_rule(List::Block, &n, Some(&label)) {
            Ok(_) => added.push(n),
            Err(e) => break e,
        }
        assert!(added.len() < 100_000, "the disk never filled");
    };
    assert!(err.to_string().contains("full"), "unclear error: {err}");
    let community: String = (0..20_000u64).map(|i| format!("{},scam,3\n", kr(60_000_000 + i))).collect();
    let e = s.import(Format::Csv, community.as_bytes()).expect_err("a 20,000-row import fit on a full disk");
    assert!(e.to_string().contains("full"), "{e}");
    // Screening goes on, with the lists.
    still_screens(&mut s, "full disk");
    assert_eq!(s.screen(&Call::new(&added[0])).action, Action::Block);
    assert!(s.last_error().is_none(), "{:?}", s.last_error());
    // Space comes back: so do writes; nothing acknowledged was lost.
    std::fs::remove_file(&filler).unwrap();
    s.add_rule(List::Block, "010-9999-1111", None).unwrap();
    assert_eq!(s.import(Format::Csv, community.as_bytes()).unwrap().imported, 20_000);
    drop(s);
    assert!(integrity(&path).is_empty());
    let mut s = Screener::open(&path, Region::KR).unwrap();
    let rules: BTreeSet<String> =
        s.rules(List::Block).unwrap().iter().map(|r| r.pattern.to_string().replace("+82", "0")).collect();
    for n in &added {
        assert!(rules.contains(n), "acknowledged rule {n} lost on a full disk");
    }
    eprintln!("full disk: {} rules written before it filled; then: {err}", added.len());
}

/// A read-only file system (a read-only bind mount, needing root; without root, a
/// directory without write permission).
#[test]
fn read_only_file_system() {
    let dir = tempfile::tempdir().unwrap();
    let rw = dir.path().join("rw");
    std::fs::create_dir(&rw).unwrap();
    let path = rw.join("ringfence.db");
    let rules = populated(&path);
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let _mount;
    let ro_path = if root() {
        let ok =
            std::process::Command::new("mount").arg("--bind").arg(&rw).arg(&ro).status().is_ok_and(|s| s.success());
        assert!(ok, "bind mount");
        _mount = Some(Mount(ro.clone()));
        let ok = std::process::Command::new("mount")
            .args(["-o", "remount,ro,bind"])
            .arg(&ro)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "remount read-only");
        ro.join("ringfence.db")
    } else {
        use std::os::unix::fs::PermissionsExt;
        _mount = None;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        std::fs::set_permissions(&rw, std::fs::Permissions::from_mode(0o555)).unwrap();
        path.clone()
    };
    // Opening may work (read only) or fail clearly; either way the screening service
    // screens with the user's lists.
    match Screener::open(&ro_path, Region::KR) {
        Ok(mut s) => {
            still_screens(&mut s, "read-only");
            let e = s.add_rule(List::Block, "010-2222-3333", None).expect_err("wrote to a read-only file system");
            assert!(e.to_string().contains("readonly") || e.to_string().contains("read-only"), "{e}");
            eprintln!("read-only: opened read only; a write says: {e}");
        }
        Err(e) => {
            assert!(e.to_string().contains("ringfence.db"), "{e}");
            eprintln!("read-only: open says: {e}");
        }
    }
    let mut s = Screener::open_or_fallback(&ro_path, Region::KR);
    still_screens(&mut s, "read-only");
    assert_eq!(s.screen(&Call::new(&kr(20_000_000))).action, Action::Block, "the block list applies");
    assert_eq!(s.rules(List::Block).unwrap().len(), rules.len());
    assert!(s.add_rule(List::Block, "010-2222-3333", None).is_err(), "a write was accepted and will be lost");
    drop(s);
    if !root() {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&rw, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    // Writable again: the file is as it was.
    let mut s = Screener::open(&path, Region::KR).unwrap();
    assert_eq!(s.rules(List::Block).unwrap().len(), rules.len());
    s.add_rule(List::Block, "010-2222-3333", None).unwrap();
    assert!(integrity(&path).is_empty());
}
