// The sync through transports that misbehave: one that fails, one that never answers,
// one that returns garbage, one that streams without end; and the built-in transport.
// Against the real ringfence-server (SyncTests.swift starts these scenarios).
import Foundation
import Ringfence

private let reported = "010-5555-0213"

func transportScenarios(_ server: TestServer, _ device: (String) throws -> Screener) {
    Harness.scenario("a transport that fails raises ServerUnreachable with its reason; the outbox and data stay") {
        let d = try device("t-fail")
        _ = try d.reportSpam(number: reported, category: .scam)
        let e = try expectThrows(RingfenceError.self) { _ = try d.sync(config: config(server.url), transport: FailingTransport("no route to host (test)")) }
        guard case let .ServerUnreachable(_, reason) = e, reason.contains("no route to host (test)") else {
            throw CheckFailed(description: "expected ServerUnreachable with the transport's reason, got \(e)")
        }
        let l = try expectThrows(RingfenceError.self) { _ = try d.lookupOnline(number: reported, config: config(server.url), transport: FailingTransport("offline")) }
        guard case .ServerUnreachable = l else { throw CheckFailed(description: "lookupOnline: expected ServerUnreachable, got \(l)") }
        try checkEq(try d.pendingReportCount(), 1, "the report stays in the outbox")
        try checkEq(try d.syncState().version, 0, "version")
    }

    Harness.scenario("a transport that never answers: sync and lookupOnline still end by their deadline with TimedOut") {
        let silent = SilentTransport()
        defer { silent.release.signal() }
        let d = try device("t-silent")
        var short = config(server.url)
        short.timeoutMs = 1_500
        short.requestTimeoutMs = 1_500
        short.attempts = 1
        let e = try expectThrows(RingfenceError.self) { _ = try d.sync(config: short, transport: silent) }
        guard case let .TimedOut(url, _) = e, url.hasPrefix(server.url) else { throw CheckFailed(description: "expected TimedOut, got \(e)") }
        let l = try expectThrows(RingfenceError.self) { _ = try d.lookupOnline(number: reported, config: short, transport: silent) }
        guard case .TimedOut = l else { throw CheckFailed(description: "lookupOnline: expected TimedOut, got \(l)") }
        try check(silent.arrived.value >= 2, "the transport was asked \(silent.arrived.value) times")
        try checkEq(try d.syncState().version, 0, "version")
    }

    Harness.scenario("a transport that returns garbage: BadResponse, nothing applied; an endless body is stopped by the sink") {
        let d = try device("t-garbage")
        let e = try expectThrows(RingfenceError.self) { _ = try d.sync(config: config(server.url), transport: GarbageTransport()) }
        guard case let .BadResponse(what, _) = e, what.contains("manifest") else { throw CheckFailed(description: "expected BadResponse about the manifest, got \(e)") }
        let endless = EndlessTransport()
        var once = config(server.url)
        once.attempts = 1
        let big = try expectThrows(RingfenceError.self) { _ = try d.sync(config: once, transport: endless) }
        guard case .PayloadTooLarge = big else { throw CheckFailed(description: "expected PayloadTooLarge, got \(big)") }
        try checkEq(endless.stopped.value, 1, "the sink told the transport to stop")
        try checkEq(try d.syncState(), SyncState(version: 0, pinnedKey: nil, lastSyncAt: nil), "sync state")
        try check(try d.sync(config: config(server.url), transport: http).toVersion >= 1, "no sync after the garbage")
    }

    Harness.scenario("the built-in transport (builtinTransport(), feature builtin-http) syncs too") {
        let d = try device("t-builtin")
        let s = try d.sync(config: config(server.url), transport: builtinTransport())
        try check(s.toVersion >= 1 && s.upserted >= 1, "summary: \(s)")
        try checkEq(try d.screen(callerId: listedBySyncTests).action, .warn, "the listed number")
    }
}
