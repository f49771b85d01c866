// Screener.sync and Screener.lookupOnline against the real ringfence-server, through the
// app's own HTTP stack (URLSessionTransport, tests/swift/Transports.swift), which
// scripts/test-bindings.sh starts on 127.0.0.1 and names in RINGFENCE_TEST_SERVER_URL and
// RINGFENCE_TEST_SERVER_KEY (plus RINGFENCE_TEST_OTHER_KEY, a valid key of another server,
// and RINGFENCE_TEST_CLOSED_URL, a port nothing listens on). The same scenarios as
// tests/kotlin/SyncTests.kt, on numbers of their own (both languages share the server).
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking  // URLSession on Linux
#endif
import Ringfence

let listedBySyncTests = "010-5555-0211"
private let listed = listedBySyncTests
private let unlisted = "010-5555-0212"

struct TestServer {
    let url: String, key: String, otherKey: String, closedUrl: String
}

private func testServer() -> TestServer? {
    let env = ProcessInfo.processInfo.environment
    guard let url = env["RINGFENCE_TEST_SERVER_URL"], let key = env["RINGFENCE_TEST_SERVER_KEY"],
          let other = env["RINGFENCE_TEST_OTHER_KEY"], let closed = env["RINGFENCE_TEST_CLOSED_URL"] else { return nil }
    return TestServer(url: url, key: key, otherKey: other, closedUrl: closed)
}

/// Quick retries, so a failure shows quickly.
func config(_ url: String, key: String? = nil) -> SyncConfig {
    SyncConfig(serverUrl: url, key: key, timeoutMs: 60_000, requestTimeoutMs: 10_000, attempts: 2, backoffMs: 100)
}

/// The app's HTTP stack, shared by the scenarios (as an app shares its session).
let http = URLSessionTransport()

private func nanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// Every progress event, and whether each arrived on the main thread (the tests' thread).
private final class ProgressRecorder: SyncListener, @unchecked Sendable {
    private let lock = NSLock()
    private var _events: [SyncProgress] = []
    private var _offMain = 0
    var events: [SyncProgress] { lock.lock(); defer { lock.unlock() }; return _events }
    var offMain: Int { lock.lock(); defer { lock.unlock() }; return _offMain }
    func onProgress(progress: SyncProgress) {
        lock.lock(); defer { lock.unlock() }
        _events.append(progress)
        if !Thread.isMainThread { _offMain += 1 }
    }
}

/// Shared state of the screening thread.
private final class Screening: @unchecked Sendable {
    private let lock = NSLock()
    private var _count = 0, _done = false, _failure: String? = nil, _worst: UInt64 = 0
    var count: Int { lock.lock(); defer { lock.unlock() }; return _count }
    var done: Bool {
        get { lock.lock(); defer { lock.unlock() }; return _done }
        set { lock.lock(); _done = newValue; lock.unlock() }
    }
    var failure: String? { lock.lock(); defer { lock.unlock() }; return _failure }
    var worst: UInt64 { lock.lock(); defer { lock.unlock() }; return _worst }
    func screened(_ ns: UInt64) { lock.lock(); _count += 1; _worst = max(_worst, ns); lock.unlock() }
    func fail(_ why: String) { lock.lock(); if _failure == nil { _failure = why }; lock.unlock() }
}

/// Waits in its first progress call until the other thread has screened 20 more calls.
private final class WaitingListener: SyncListener, @unchecked Sendable {
    let screening: Screening
    var waitedFor = -1
    init(_ screening: Screening) { self.screening = screening }
    func onProgress(progress: SyncProgress) {
        if waitedFor >= 0 { return }
        let start = screening.count
        let deadline = nanos() + 5_000_000_000
        while screening.count < start + 20 && nanos() < deadline { usleep(1000) }
        waitedFor = screening.count - start
    }
}

func syncTests() {
    guard let server = testServer() else {
        Harness.scenario("sync and lookupOnline against ringfence-server") {
            throw CheckFailed(description: "RINGFENCE_TEST_SERVER_URL/_KEY/_OTHER_KEY/_CLOSED_URL are not set: run scripts/test-bindings.sh, which starts the server")
        }
        return
    }
    let dir: URL
    do { dir = try TempDirs.make() } catch { print("FAIL sync: no temp dir: \(error)"); Harness.failed += 1; return }
    func device(_ name: String) throws -> Screener {
        try Screener.open(dbPath: dir.appendingPathComponent("\(name).db").path, homeRegion: "KR")
    }
    // The fourth device: synced in the first scenario, refused a wrong key in the third.
    let fourth: Screener
    do { fourth = try device("fourth") } catch { print("FAIL sync: cannot open a device: \(error)"); Harness.failed += 1; return }

    Harness.scenario("three devices report a number and sync; a fourth device's sync warns of it with the voted category, with progress") {
        for (i, category) in [Category.telemarketing, .telemarketing, .scam].enumerated() {
            let d = try device("reporter\(i)")
            _ = try d.reportSpam(number: listed, category: category)
            try checkEq(try d.pendingReportCount(), 1, "reporter \(i) outbox before")
            let s = try d.sync(config: config(server.url), transport: http)
            try checkEq(s.uploaded, 1, "reporter \(i) uploaded")
            try checkEq(s.rejected, 0, "reporter \(i) rejected")
            try checkEq(s.pinnedKey, server.key, "reporter \(i) pinned the server's key on first use")
            try checkEq(try d.pendingReportCount(), 0, "reporter \(i) outbox after")
        }
        try checkEq(try fourth.screen(callerId: listed).action, .allow, "before the fourth device syncs")
        let recorder = ProgressRecorder()
        // The server publishes every 0.2 s: sync until the listing has arrived.
        let deadline = nanos() + 20_000_000_000
        var summary: SyncSummary
        while true {
            summary = try fourth.sync(config: config(server.url), transport: http, listener: recorder)
            if try fourth.screen(callerId: listed).action != .allow { break }
            try check(nanos() < deadline, "not listed within 20 s: \(summary)")
            usleep(200_000)
        }
        let d = try fourth.screen(callerId: listed)
        try checkEq(d.action, .warn, "action (3 votes: over the warn threshold, under block)")
        try checkEq(d.category, .telemarketing, "the voted category (2 of 3)")
        try checkEq(d.reasons, [.community], "reasons")
        try checkEq(d.score.map { $0.rounded() }, 3.0, "score")
        try check(summary.toVersion >= 1 && summary.upserted >= 1 && summary.bytesDownloaded > 0, "summary: \(summary)")
        let state = try fourth.syncState()
        try checkEq(state.version, summary.toVersion, "syncState().version")
        try checkEq(state.pinnedKey, server.key, "syncState().pinnedKey")
        try check(state.lastSyncAt != nil, "syncState().lastSyncAt")
        let events = recorder.events
        try check(events.contains { if case .downloading(let what, _, _) = $0 { return what == "the manifest" }; return false },
                  "no manifest progress: \(events)")
        try check(events.contains { if case .downloading(let what, _, _) = $0 { return what.hasPrefix("delta ") || what.hasPrefix("snapshot ") }; return false },
                  "no file downloaded: \(events)")
        try check(events.contains { if case .applying = $0 { return true }; return false }, "no applying: \(events)")
        try checkEq(recorder.offMain, 0, "progress calls off the calling (main) thread")
        try check(http.requests >= 8, "the syncs went through the app's transport: \(http.requests) requests")
    }

    Harness.scenario("lookupOnline finds the listed number and returns nil for an unlisted one, storing nothing") {
        var quick = config(server.url)
        quick.timeoutMs = 2_000
        quick.requestTimeoutMs = 2_000
        let d = try device("looker")
        guard let e = try d.lookupOnline(number: listed, config: quick, transport: http) else {
            throw CheckFailed(description: "the listed number was not found")
        }
        try checkEq(e.category, .telemarketing, "category")
        try checkEq(e.votes.rounded(), 3.0, "votes")
        try checkEq(try d.lookupOnline(number: unlisted, config: quick, transport: http), nil, "an unlisted number")
        try checkEq(try d.screen(callerId: listed).action, .allow, "a lookup stores no evidence")
        try checkEq(try d.syncState().version, 0, "a lookup is not a sync")
        _ = try expectThrows(RingfenceError.self) { _ = try d.lookupOnline(number: "call me maybe", config: quick, transport: http) }
        try checkEq(try fourth.lookupOnline(number: listed, config: quick, transport: http)?.category, .telemarketing, "after a sync too")
    }

    Harness.scenario("applyCommunityFiles applies files the app downloaded itself; tampered, foreign or out-of-order files change nothing") {
        let files = try downloadCommunityFiles(server.url)
        try check(!files.isEmpty, "no files published")
        let d = try device("own-http")
        let at = Int64(Date().timeIntervalSince1970)
        var tampered = files
        tampered[0][tampered[0].count / 2] ^= 1
        let e = try expectThrows(RingfenceError.self) { _ = try d.applyCommunityFiles(key: server.key, files: tampered) }
        guard case let .BadPayload(what, _) = e, what == "file 1" else { throw CheckFailed(description: "expected BadPayload of file 1, got \(e)") }
        let foreign = try expectThrows(RingfenceError.self) { _ = try d.applyCommunityFiles(key: server.otherKey, files: files) }
        guard case .BadPayload = foreign else { throw CheckFailed(description: "another server's key: expected BadPayload, got \(foreign)") }
        let bad = try expectThrows(RingfenceError.self) { _ = try d.applyCommunityFiles(key: "not a key", files: files) }
        guard case .BadKey = bad else { throw CheckFailed(description: "expected BadKey, got \(bad)") }
        if files.count > 1 {
            let order = try expectThrows(RingfenceError.self) { _ = try d.applyCommunityFiles(key: server.key, files: Array(files.dropFirst())) }
            guard case .BadResponse = order else { throw CheckFailed(description: "deltas without their base: expected BadResponse, got \(order)") }
        }
        try checkEq(try d.syncState().version, 0, "nothing applied")
        try checkEq(try d.screen(callerId: listed, at: at).action, .allow, "nothing applied")
        let s = try d.applyCommunityFiles(key: server.key, files: files)
        try check(s.snapshot && s.toVersion >= 1 && s.upserted >= 1, "summary: \(s)")
        try checkEq(s.deltas, UInt64(files.count - 1), "deltas")
        try checkEq(s.bytesDownloaded, UInt64(files.reduce(0) { $0 + $1.count }), "bytes")
        try checkEq(s.pinnedKey, server.key, "pinned on first use")
        try checkEq(try d.syncState().version, s.toVersion, "syncState().version")
        let decision = try d.screen(callerId: listed, at: at)
        try checkEq(decision.action, .warn, "the listed number")
        try checkEq(decision.category, .telemarketing, "category")
        try checkEq(try d.sync(config: config(server.url), transport: http).fromVersion, s.toVersion, "a later sync goes on from there")
    }

    Harness.scenario("a wrong pinned key raises KeyChanged and a malformed one BadKey; the device's data is unchanged") {
        let at = Int64(Date().timeIntervalSince1970)
        let before = try fourth.syncState()
        let decision = try fourth.screen(callerId: listed, at: at)
        try checkEq(decision.action, .warn, "listed before")
        let wrong = config(server.url, key: server.otherKey)
        let e = try expectThrows(RingfenceError.self) { _ = try fourth.sync(config: wrong, transport: http) }
        guard case let .KeyChanged(pinned, offered) = e else { throw CheckFailed(description: "expected KeyChanged, got \(e)") }
        try checkEq(pinned, server.otherKey, "pinned")
        try checkEq(offered, server.key, "offered")
        try check("\(e)".contains("nothing was applied"), "message: \(e)")
        let l = try expectThrows(RingfenceError.self) { _ = try fourth.lookupOnline(number: listed, config: wrong, transport: http) }
        guard case .KeyChanged = l else { throw CheckFailed(description: "lookupOnline: expected KeyChanged, got \(l)") }
        let bad = try expectThrows(RingfenceError.self) { _ = try fourth.sync(config: config(server.url, key: "0123abc"), transport: http) }
        guard case let .BadKey(key) = bad, key == "0123abc" else { throw CheckFailed(description: "expected BadKey, got \(bad)") }
        try checkEq(try fourth.syncState(), before, "sync state")
        try checkEq(try fourth.screen(callerId: listed, at: at), decision, "decision")
        try checkEq(try fourth.sync(config: config(server.url, key: server.key), transport: http).pinnedKey, nil,
                    "the right key, given explicitly, syncs (no new pin)")
    }

    Harness.scenario("an unreachable server raises ServerUnreachable; bad configs raise typed errors") {
        let d = try device("offline")
        _ = try d.reportSpam(number: unlisted, category: .scam)
        let closed = SyncConfig(serverUrl: server.closedUrl, timeoutMs: 2_000, attempts: 1)
        let e = try expectThrows(RingfenceError.self) { _ = try d.sync(config: closed, transport: http) }
        guard case let .ServerUnreachable(url, _) = e else { throw CheckFailed(description: "expected ServerUnreachable, got \(e)") }
        try check(url.hasPrefix(server.closedUrl), "url: \(url)")
        let l = try expectThrows(RingfenceError.self) { _ = try d.lookupOnline(number: listed, config: closed, transport: http) }
        guard case .ServerUnreachable = l else { throw CheckFailed(description: "lookupOnline: expected ServerUnreachable, got \(l)") }
        try checkEq(try d.pendingReportCount(), 1, "the report stays in the outbox")
        try checkEq(try d.syncState().version, 0, "version")
        let u = try expectThrows(RingfenceError.self) { _ = try d.sync(config: SyncConfig(serverUrl: "ftp://example.org"), transport: http) }
        guard case .BadServerUrl = u else { throw CheckFailed(description: "expected BadServerUrl, got \(u)") }
        var zero = closed
        zero.attempts = 0
        let z = try expectThrows(RingfenceError.self) { _ = try d.sync(config: zero, transport: http) }
        guard case .InvalidArgument = z else { throw CheckFailed(description: "expected InvalidArgument, got \(z)") }
    }

    Harness.scenario("screening on the same Screener from another thread goes on while a sync runs") {
        let s = try device("busy")
        _ = try s.addRule(list: .block, pattern: "+8270*", label: "VoIP")
        // 300 reports to upload: three requests.
        for i in 0..<300 {
            _ = try s.reportSpam(number: "+82 10 7000 " + String(format: "%04d", i), category: .telemarketing)
        }
        let screening = Screening()
        let finished = DispatchSemaphore(value: 0)
        let other = Thread {
            while !screening.done {
                let t = nanos()
                do {
                    let d = try s.screen(callerId: "070-1234-5678")
                    if d.action != .block { screening.fail("decision during the sync: \(d)"); break }
                } catch {
                    screening.fail("\(error)"); break
                }
                screening.screened(nanos() - t)
            }
            finished.signal()
        }
        other.start()
        // The first progress call (on this thread, inside sync) waits for the other thread
        // to screen 20 calls: it never could if the sync held the screener's lock.
        let listener = WaitingListener(screening)
        let t = nanos()
        let startCount = screening.count
        let result = Result { try s.sync(config: config(server.url), transport: http, listener: listener) }
        screening.done = true
        finished.wait()
        let syncMs = (nanos() - t) / 1_000_000
        if let why = screening.failure { throw CheckFailed(description: why) }
        let summary = try result.get()
        try checkEq(summary.uploaded, 300, "uploaded")
        try checkEq(try s.pendingReportCount(), 0, "outbox")
        try check(listener.waitedFor >= 20, "only \(listener.waitedFor) calls screened while the listener waited")
        print("  (\(screening.count - startCount) calls screened during a \(syncMs) ms sync, slowest \(screening.worst / 1000) us)")
    }

    transportScenarios(server, device)
    cancelScenarios(server, device)
}

/// What an app with its own HTTP stack does: the manifest, then the snapshot and every
/// delta after it (here with URLSession, waited for on this thread).
private func downloadCommunityFiles(_ url: String) throws -> [Data] {
    final class Answer: @unchecked Sendable { var data: Data?; var status = 0; var error: Error? }
    func get(_ path: String) throws -> Data {
        guard let u = URL(string: "\(url)/v1/data/\(path)") else { throw CheckFailed(description: "bad URL for \(path)") }
        let answer = Answer()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: u) { data, response, error in
            answer.data = data
            answer.status = (response as? HTTPURLResponse)?.statusCode ?? 0
            answer.error = error
            done.signal()
        }.resume()
        done.wait()
        if let e = answer.error { throw e }
        guard answer.status == 200, let data = answer.data else { throw CheckFailed(description: "GET \(path): HTTP \(answer.status)") }
        return data
    }
    // The signed envelope carries the manifest as a JSON string.
    let envelope = try JSONSerialization.jsonObject(with: get("manifest.json")) as? [String: Any] ?? [:]
    let inner = Data(((envelope["manifest"] as? String) ?? "").utf8)
    let manifest = try JSONSerialization.jsonObject(with: inner) as? [String: Any] ?? [:]
    guard let latest = manifest["latest"] as? Int, let snapshot = manifest["snapshot"] as? [String: Any],
          let version = snapshot["version"] as? Int, let path = snapshot["path"] as? String,
          let deltaPath = manifest["delta_path"] as? String else {
        throw CheckFailed(description: "unexpected manifest: \(manifest)")
    }
    var files = [try get(path)]
    if latest > version {
        for v in (version + 1)...latest { files.append(try get(deltaPath.replacingOccurrences(of: "{version}", with: String(v)))) }
    }
    return files
}
