//! Disputes end to end, on the real server (SQLite here; PostgreSQL through
//! scripts/test-postgres.sh): a listed number is disputed, phones warn instead of block
//! after their next sync, the operator clears it with `ringfence-server disputes`, the
//! next delta removes it, and listing it again needs three times the evidence.

use ringfence_core::{Action, Call, Category};
use ringfence_e2e::{bin, Device, Server};
use std::path::Path;
use std::time::{Duration, Instant};

/// Syncs `phone` until screening `number` gives `want` (each vote may get its own
/// version); returns the decision's reasons.
fn sync_until(phone: &mut Device, number: &str, want: Action) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        phone.sync().expect("sync");
        let d = phone.screener.screen(&Call::new(number));
        if d.action == want {
            return d.reasons.iter().map(|r| r.as_str().to_string()).collect();
        }
        assert!(Instant::now() < deadline, "{number} never became {want:?} (still {:?}: {:?})", d.action, d.label);
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn report(dir: &Path, server: &Server, name: &str, number: &str) {
    let mut d = Device::new(dir, name, &server.url);
    d.screener.report(number, Category::Scam, None).unwrap();
    d.sync().unwrap();
}

/// `ringfence-server disputes ARGS` on the server's database; returns standard output.
fn review(server: &Server, postgres: Option<&str>, args: &[&str]) -> String {
    let mut c = std::process::Command::new(bin("ringfence-server"));
    c.arg("--db").arg(&server.db);
    if let Some(url) = postgres {
        c.args(["--postgres", url]);
    }
    let out = c.arg("disputes").args(args).env("USER", "e2e-operator").output().expect("run disputes");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "disputes {args:?} failed: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

fn status(server: &Server, id: &str) -> serde_json::Value {
    let r = reqwest::blocking::get(format!("{}/v1/disputes/{id}", server.url)).expect("get dispute");
    assert_eq!(r.status().as_u16(), 200);
    serde_json::from_str(&r.text().unwrap()).unwrap()
}

fn flow(dir: &Path, postgres: Option<&str>) {
    // Reporters by device: every test device is a reporter of full weight from its first
    // report (the budgets still go by network).
    let mut args = vec!["--min-reporters", "1", "--list-threshold", "1", "--count-reporters-by", "device"];
    if let Some(url) = postgres {
        args.extend(["--postgres", url]);
    }
    let server = Server::start(&dir.join("srv/server.db"), &args);
    let number = "010-5555-0707";
    let intl = "+821055550707";
    for i in 0..5 {
        report(dir, &server, &format!("r{i}"), number);
    }
    let mut phone = Device::new(dir, "phone", &server.url);
    assert_eq!(sync_until(&mut phone, number, Action::Block), ["community"], "five reporters: blocked");

    // The API: refusals are JSON with stable codes, like the reports'.
    let dispute = |role: &str, n: &str| serde_json::json!({ "number": n, "role": role, "contact": "shop@example.org", "reason": "our shop's line" });
    assert_eq!(server.post("/v1/disputes", &dispute("boss", intl)).1["error"], "bad_role");
    assert_eq!(server.post("/v1/disputes", &dispute("owner", "010-5555-0707")).1["error"], "invalid_number");
    assert_eq!(server.post("/v1/disputes", &dispute("owner", "+821055550708")).1["error"], "not_listed");
    assert_eq!(server.post_raw("/v1/disputes", b"{".to_vec()).1["error"], "bad_json");
    assert_eq!(server.post_raw("/v1/disputes", vec![b' '; 9000]).1["error"], "body_too_large");
    let plain = reqwest::blocking::Client::new()
        .post(format!("{}/v1/disputes", server.url))
        .header("content-type", "text/plain")
        .body(serde_json::to_vec(&dispute("owner", intl)).unwrap())
        .send()
        .unwrap();
    assert_eq!(plain.status().as_u16(), 415, "JSON only");
    let long = serde_json::json!({ "number": intl, "role": "owner", "contact": "x", "reason": "é".repeat(1001) });
    assert_eq!(server.post("/v1/disputes", &long).1["error"], "reason_too_long");
    // The phone's user disputes it from the command line (the core's sync client over the
    // built-in HTTP transport).
    let out = std::process::Command::new(bin("ringfence"))
        .arg("--db")
        .arg(&phone.path)
        .args(["--region", "KR", "dispute", number, "--reason", "our shop's line", "--contact", "shop@example.org"])
        .args(["--server", &server.url, "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let filed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((filed["state"].as_str(), filed["held"].as_bool()), (Some("open"), Some(true)), "{filed}");
    assert_eq!(filed["number"], intl);
    assert!(filed.get("contact").is_none() && filed.get("reason").is_none(), "never echoed: {filed}");
    let id = filed["id"].as_str().unwrap().to_string();
    let (code, again) = server.post("/v1/disputes", &dispute("owner", intl));
    assert_eq!((code, again["id"].as_str()), (200, Some(id.as_str())), "one open dispute per number");

    // Held: after the next sync, the phone warns, and says why.
    let reasons = sync_until(&mut phone, number, Action::Warn);
    assert_eq!(reasons, ["community", "disputed"]);
    assert!(phone.screener.screen(&Call::new(number)).label.unwrap_or_default().contains("disputed"));
    // The command line says so too.
    let out = std::process::Command::new(bin("ringfence"))
        .arg("--db")
        .arg(&phone.path)
        .args(["--region", "KR", "check", "--json", number])
        .output()
        .unwrap();
    let checked: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (checked["action"].as_str(), &checked["reasons"]),
        (Some("warn"), &serde_json::json!(["community", "disputed"]))
    );

    // The operator's review.
    let list: serde_json::Value = serde_json::from_str(&review(&server, postgres, &["list", "--json"])).unwrap();
    assert_eq!(list.as_array().map(|l| l.len()), Some(1), "{list}");
    assert_eq!((list[0]["id"].as_str(), list[0]["contact"].as_str()), (Some(id.as_str()), Some("shop@example.org")));
    let shown = review(&server, postgres, &["show", &id]);
    assert!(shown.contains("spam votes: 5 from 5 networks; not spam: 0"), "{shown}");
    assert!(shown.contains("flagged disputed") && shown.contains("reason: our shop's line"), "{shown}");
    let resolved = review(&server, postgres, &["resolve", &id, "--clear", "--note", "a pharmacy, checked by phone"]);
    assert!(resolved.contains("cleared"), "{resolved}");
    let log = review(&server, postgres, &["log"]);
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(lines[0].contains(&format!("public filed {id} {intl}: user")), "{log}");
    assert!(lines[1].contains(&format!("e2e-operator cleared {id} {intl}: a pharmacy, checked by phone")), "{log}");
    assert_eq!(review(&server, postgres, &["list"]), "no open disputes\n");

    // The next delta removes it; the dispute reads as cleared.
    let reasons = sync_until(&mut phone, number, Action::Allow);
    assert!(!reasons.iter().any(|r| r == "community"), "{reasons:?}");
    assert_eq!(status(&server, &id)["state"], "cleared");

    // Protected: two new reporters (what listed it before, twice over) are not enough.
    // A marker number reported after them (twice: phones warn from a score of 2) shows
    // the publication has read their votes.
    report(dir, &server, "n1", number);
    report(dir, &server, "n2", number);
    report(dir, &server, "marker1", "010-5555-0999");
    report(dir, &server, "marker2", "010-5555-0999");
    sync_until(&mut phone, "010-5555-0999", Action::Warn);
    assert_eq!(phone.screener.screen(&Call::new(number)).action, Action::Allow, "relisted on two reporters");
    // Three times the usual evidence (3 networks, net 3 votes since the clearing) lists it.
    report(dir, &server, "n3", number);
    assert_eq!(sync_until(&mut phone, number, Action::Warn), ["community"], "relisted, not disputed");
}

#[test]
fn a_disputed_number_is_held_cleared_and_protected() {
    let dir = tempfile::tempdir().unwrap();
    flow(dir.path(), None);
}

#[test]
#[ignore = "needs a PostgreSQL server: scripts/test-postgres.sh"]
fn a_disputed_number_is_held_cleared_and_protected_on_postgres() {
    let url = std::env::var("RINGFENCE_TEST_POSTGRES").expect("RINGFENCE_TEST_POSTGRES=postgres://...");
    let dir = tempfile::tempdir().unwrap();
    flow(dir.path(), Some(&url));
}

/// The dispute budget is per network, shared by the API and the page: a network that
/// spent it gets 429 with Retry-After on both, another network does not.
#[test]
fn disputes_are_rate_limited_per_network() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--min-reporters",
        "1",
        "--list-threshold",
        "1",
        "--count-reporters-by",
        "device",
        "--dispute-burst",
        "2",
        "--disputes-per-hour",
        "1",
    ];
    let server = Server::start(&dir.path().join("srv/server.db"), &args);
    let numbers = ["010-5555-0801", "010-5555-0802", "010-5555-0803", "010-5555-0804"];
    // Two reporters each: phones warn from a score of 2.
    for (i, n) in numbers.iter().enumerate() {
        report(dir.path(), &server, &format!("r{i}"), n);
        report(dir.path(), &server, &format!("s{i}"), n);
    }
    let mut phone = Device::new(dir.path(), "phone", &server.url);
    for n in numbers {
        sync_until(&mut phone, n, Action::Warn);
    }
    let body = |n: &str| serde_json::json!({ "number": n, "role": "user", "contact": "x", "reason": "y" });
    let client = reqwest::blocking::Client::new();
    for n in ["+821055550801", "+821055550802"] {
        assert_eq!(server.post_from(&client, "10.99.0.1", "/v1/disputes", &body(n)).0, 201);
    }
    let (code, r) = server.post_from(&client, "10.99.0.1", "/v1/disputes", &body("+821055550803"));
    assert_eq!((code, r["error"].as_str()), (429, Some("rate_limited")));
    let form = [("number", "+821055550803"), ("role", "user"), ("contact", "x"), ("reason", "y")];
    let page = |from: &str| {
        client.post(format!("{}/dispute", server.url)).header("x-forwarded-for", from).form(&form).send().unwrap()
    };
    let refused = page("10.99.0.1");
    assert_eq!(refused.status().as_u16(), 429, "the page shares the budget");
    assert!(refused.headers().contains_key("retry-after"));
    assert!(refused.text().unwrap().contains("Too many requests from your network"));
    // Another network files through the page: redirected to the dispute's state.
    let ok = reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r =
        ok.post(format!("{}/dispute", server.url)).header("x-forwarded-for", "10.98.0.1").form(&form).send().unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert!(r.headers()["location"].to_str().unwrap().starts_with("/dispute?id="));
}
