//! The server on PostgreSQL instead of SQLite: the same path of a report, end to end.
//! Run by scripts/test-postgres.sh, which starts a throwaway PostgreSQL server.

use ringfence_core::{Action, Call, Category};
use ringfence_e2e::{Device, OverHttp, Server};

#[test]
#[ignore = "needs a PostgreSQL server: scripts/test-postgres.sh"]
fn a_postgres_backed_server_lists_syncs_and_delists() {
    let url = std::env::var("RINGFENCE_TEST_POSTGRES").expect("RINGFENCE_TEST_POSTGRES=postgres://...");
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(&dir.path().join("srv/server.db"), &["--postgres", &url]);
    assert!(!dir.path().join("srv/server.db").exists(), "no SQLite file when PostgreSQL keeps the votes");
    let number = "010-5555-0404";
    for name in ["a", "b", "c"] {
        let mut d = Device::new(dir.path(), name, &server.url);
        d.screener.report(number, Category::Scam, None).unwrap();
        d.sync().unwrap();
    }
    server.wait_version(1);
    let mut phone = Device::new(dir.path(), "phone", &server.url);
    phone.sync().unwrap();
    assert_eq!(phone.screener.screen(&Call::new(number)).action, Action::Warn);
    let found = phone.screener.lookup_http(number, &phone.config.clone()).unwrap();
    assert_eq!(found.map(|e| e.category), Some(Category::Scam));

    // Restart on the same database: the state is PostgreSQL's, not the process's.
    server.restart();
    for name in ["x", "y"] {
        let mut d = Device::new(dir.path(), name, &server.url);
        d.screener.mark_not_spam(number, None).unwrap();
        d.sync().unwrap();
    }
    // Each "not spam" vote may get its own version: sync until the deletion arrives.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut deleted = 0;
    while phone.screener.screen(&Call::new(number)).action != Action::Allow {
        assert!(std::time::Instant::now() < deadline, "never delisted");
        std::thread::sleep(std::time::Duration::from_millis(200));
        let s = phone.sync().unwrap();
        assert!(!s.snapshot);
        deleted += s.deleted;
    }
    assert_eq!(deleted, 1);
}
