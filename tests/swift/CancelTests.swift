// The async variants (the `async` overloads of sync, lookupOnline, importList,
// importListData, callDirectoryBatch) and their cancellation: cancelling the Task stops
// the work at its next safe point and changes nothing; the call then throws
// RingfenceError.Cancelled. Each cancel happens at a known point: a transport or a list
// held open until the test lets it go (a semaphore, a named pipe), never a sleep.
import Foundation
import Ringfence
#if canImport(Glibc)
import Glibc
#endif

/// The outcome of an async call run from these synchronous tests.
final class Outcome<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, Error>?
    private let done = DispatchSemaphore(value: 0)
    func set(_ r: Result<T, Error>) { lock.lock(); result = r; lock.unlock(); done.signal() }
    /// Waits (up to a minute) for the call to end.
    func wait() throws -> Result<T, Error> {
        guard done.wait(timeout: .now() + 60) == .success else { throw CheckFailed(description: "the call did not end within 60 s") }
        lock.lock(); defer { lock.unlock() }
        return result!
    }
}

/// Starts `body` in a Task; the returned Outcome has its result.
func start<T>(_ body: @escaping @Sendable () async throws -> T) -> (Task<Void, Never>, Outcome<T>) {
    let outcome = Outcome<T>()
    let task = Task { do { outcome.set(.success(try await body())) } catch { outcome.set(.failure(error)) } }
    return (task, outcome)
}

/// Runs `body` in a Task and waits for its value.
func run<T>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    try start(body).1.wait().get()
}

/// Rows of a CSV spam list: `count` numbers from 010-4000-0000 up.
private func rows(_ from: Int, _ count: Int) -> Data {
    Data((from..<from + count).map { String(format: "010-4%03d-%04d,scam,5\n", $0 / 10_000, $0 % 10_000) }.joined().utf8)
}

private func checkCancelled<T>(_ r: Result<T, Error>, _ what: String) throws {
    guard case let .failure(e) = r, case RingfenceError.Cancelled = e else {
        throw CheckFailed(description: "\(what): expected RingfenceError.Cancelled, got \(r)")
    }
}

/// A named pipe: an import reading it waits for whatever the test writes next.
private func fifo(_ dir: URL, _ name: String) throws -> String {
    let path = dir.appendingPathComponent(name).path
    try check(mkfifo(path, 0o600) == 0, "mkfifo \(path) failed: \(errno)")
    return path
}

/// Waits (up to a minute) for `condition`.
private func eventually(_ condition: () -> Bool) -> Bool {
    for _ in 0..<6000 {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

func cancelScenarios(_ server: TestServer, _ device: (String) throws -> Screener) {
    let dir: URL
    do { dir = try TempDirs.make() } catch { print("FAIL cancel: no temp dir: \(error)"); Harness.failed += 1; return }
    let url = server.url

    Harness.scenario("the async variants give what the blocking calls give") {
        let d = try device("a-same")
        let s = try run { try await d.sync(config: config(url), transport: http) }
        try check(s.toVersion >= 1, "summary: \(s)")
        let e = try run { try await d.lookupOnline(number: listedBySyncTests, config: config(url), transport: http) }
        try checkEq(e?.category, .telemarketing, "lookupOnline")
        try checkEq(try run { try await d.importListData(format: .csv, data: rows(0, 100)) }.imported, 100, "importListData")
        let file = dir.appendingPathComponent("list.csv")
        try rows(100, 50).write(to: file)
        try checkEq(try run { try await d.importList(format: .csv, path: file.path) }.imported, 50, "importList")
        let batch = try run { try await d.callDirectoryBatch(kind: .blocking, after: nil, limit: 1000) }
        try checkEq(batch, try d.callDirectoryBatch(kind: .blocking, after: nil, limit: 1000), "callDirectoryBatch")
        try checkEq(batch.entries.count, 150, "blocked entries")
    }

    Harness.scenario("a CancelToken cancels an async call from outside: Cancelled, nothing imported") {
        let d = try device("a-token")
        let token = CancelToken()
        token.cancel()
        try checkCancelled(start { try await d.importListDataAsync(format: .csv, data: rows(0, 10), cancel: token) }.1.wait(), "importListDataAsync")
        try checkEq(try d.stats().communityNumbers, 0, "nothing imported")
        try checkEq(try d.importListData(format: .csv, data: rows(0, 10)).imported, 10, "the same list afterwards")
    }

    Harness.scenario("cancelling an importList Task mid-import (from a pipe held open) rolls it back; the same list imports afterwards") {
        let d = try device("a-import")
        _ = try d.importListData(format: .csv, data: rows(90_000, 10))
        let before = try d.stats()
        let pipe = try fifo(dir, "import.fifo")
        let (task, outcome) = start { try await d.importList(format: .csv, path: pipe) }
        guard let out = FileHandle(forWritingAtPath: pipe) else { throw CheckFailed(description: "cannot open the pipe") }
        let first = rows(0, 20_000)
        out.write(first)  // 400 KB through a 64 KB pipe: written means the import is reading
        task.cancel()
        try out.close()  // the import reads on to the end of the pipe, or stops at a record before
        try checkCancelled(try outcome.wait(), "importList")
        try checkEq(try d.stats(), before, "the database is as before")
        try checkEq(try d.importListData(format: .csv, data: first).imported, 20_000, "the same rows import afterwards")
    }

    Harness.scenario("cancelling a sync Task mid-download (the transport held mid-body) applies nothing and stops the transport") {
        let d = try device("a-download")
        let gate = GatedTransport(path: "/v1/data/", afterBytes: 64, skip: "manifest")
        let (task, outcome) = start { try await d.sync(config: config(url), transport: gate) }
        guard gate.arrived.wait(timeout: .now() + 60) == .success else { throw CheckFailed(description: "the download never started") }
        task.cancel()
        try checkCancelled(try outcome.wait(), "sync")
        gate.release.signal()
        try checkEq(try d.syncState(), SyncState(version: 0, pinnedKey: nil, lastSyncAt: nil), "nothing applied, no key pinned")
        try checkEq(try d.screen(callerId: listedBySyncTests).action, .allow, "the listing was not applied")
        try check(eventually { gate.stopped >= 1 }, "the transport was never told to stop")
        try check(try d.sync(config: config(url), transport: http).toVersion >= 1, "a sync afterwards")
    }

    Harness.scenario("cancelling a sync Task mid-apply (its write waits for another import's) rolls it back") {
        // Two Screeners on one file: `importer` holds the write lock with an import read
        // from a pipe, so the sync's apply waits inside its transaction; the sync is
        // cancelled there, then the import is cancelled and lets go.
        let path = dir.appendingPathComponent("a-apply.db").path
        let importer = try Screener.open(dbPath: path, homeRegion: "KR")
        let syncer = try Screener.open(dbPath: path, homeRegion: "KR")
        let pipe = try fifo(dir, "apply.fifo")
        let applying = DispatchSemaphore(value: 0)
        let listener = ApplyingListener(applying)
        let (importTask, imported) = start { try await importer.importList(format: .csv, path: pipe) }
        guard let out = FileHandle(forWritingAtPath: pipe) else { throw CheckFailed(description: "cannot open the pipe") }
        out.write(rows(0, 20_000))  // the import is inside its write transaction
        let (syncTask, synced) = start { try await syncer.sync(config: config(url), transport: http, listener: listener) }
        guard applying.wait(timeout: .now() + 60) == .success else { throw CheckFailed(description: "the apply never started") }
        syncTask.cancel()
        importTask.cancel()
        try out.close()
        try checkCancelled(try synced.wait(), "sync")
        try checkCancelled(try imported.wait(), "importList")
        try checkEq(try syncer.syncState(), SyncState(version: 0, pinnedKey: nil, lastSyncAt: nil), "nothing applied")
        try checkEq(try syncer.stats().communityNumbers, 0, "no community numbers")
        try check(try syncer.sync(config: config(url), transport: http).toVersion >= 1, "a sync afterwards")
        try checkEq(try syncer.screen(callerId: listedBySyncTests).action, .warn, "listed after the real sync")
    }
}

/// Signals when the sync announces its apply.
private final class ApplyingListener: SyncListener, @unchecked Sendable {
    let applying: DispatchSemaphore
    init(_ applying: DispatchSemaphore) { self.applying = applying }
    func onProgress(progress: SyncProgress) {
        if case .applying = progress { applying.signal() }
    }
}
