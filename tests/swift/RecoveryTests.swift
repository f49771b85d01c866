// Damaged database files through the generated Swift: `open` throws Corrupt naming the
// file, `openOrFallback` still screens and refuses writes with Degraded, `recover` moves
// the file aside and keeps what it can. The same scenarios as
// tests/kotlin/RecoveryTests.kt (and bindings/tests/recovery.rs in Rust), with the file
// damaged the same way: deterministic garbage over the page that holds a known label, or
// over the header.
import Foundation
import Ringfence

/// Block rules besides the known prefix; their labels are victim-0000 ... victim-1999.
private let victims = 2000

private func pad4(_ i: Int) -> String { String(format: "%04d", i) }

/// A real database file: a known prefix rule, 2000 block rules, an allow rule, a contact,
/// a report, a setting and a screened call. Closed, so it is all in the main file.
private func makeDatabase(_ path: String) throws {
    do {
        let s = try Screener.open(dbPath: path, homeRegion: "KR")
        _ = try s.addRule(list: .block, pattern: "+8270*", label: "VoIP spam")
        let rules = (0..<victims).map { RuleInput(pattern: "+1 202 555 \(pad4($0))", label: "victim-\(pad4($0))") }
        try checkEq(try s.addRules(list: .block, rules: rules), UInt64(victims), "victims added")
        _ = try s.addRule(list: .allow, pattern: "010-5555-0000", label: "plumber")
        _ = try s.addContact(number: "010-7777-7777")
        _ = try s.reportSpam(number: "010-2222-3333", category: .scam)
        _ = try s.setPolicy(key: "threshold.block", value: "4")
        _ = try s.screenAndRecord(callerId: "1588-1234")
    } // the last reference dropped: closed
    try check(!FileManager.default.fileExists(atPath: path + "-wal"), "the WAL outlived the last connection")
}

/// Garbage (xorshift32 from a fixed seed, as in the Rust and Kotlin tests) over from..<to.
private func garbage(_ bytes: inout [UInt8], _ from: Int, _ to: Int) {
    var x: UInt32 = 0x2545_F491
    for i in from..<to {
        x ^= x << 13
        x ^= x >> 17
        x ^= x << 5
        bytes[i] = UInt8(truncatingIfNeeded: x)
    }
}

private func readBytes(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else { throw CheckFailed(description: "cannot read \(path)") }
    return [UInt8](data)
}

/// Overwrites every page of the file that holds `needle` with garbage; returns how many.
private func damagePagesHolding(_ path: String, _ needle: String) throws -> Int {
    var bytes = try readBytes(path)
    let raw = Int(bytes[16]) << 8 | Int(bytes[17])
    let pageSize = raw == 1 ? 65536 : raw
    let n = Array(needle.utf8)
    var damaged = 0
    for start in stride(from: 0, to: bytes.count, by: pageSize) {
        let end = min(start + pageSize, bytes.count)
        var holds = false
        var i = start
        while !holds && i + n.count <= end {
            if bytes[i] == n[0] && Array(bytes[i..<i + n.count]) == n { holds = true }
            i += 1
        }
        if holds {
            garbage(&bytes, start, end)
            damaged += 1
        }
    }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return damaged
}

private func damageHeader(_ path: String) throws {
    var bytes = try readBytes(path)
    garbage(&bytes, 0, 100)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// What every screener does, whatever state its file is in.
private func screensSafely(_ s: Screener) throws {
    let e = try s.screen(callerId: "112")
    try checkEq(e.action, .allow, "emergency call")
    try checkEq(e.category, .emergency, "emergency category")
    try checkEq(try s.screen(callerId: "010-1234-5678").action, .allow, "ordinary call")
}

private func expectCorrupt(_ path: String, _ body: () throws -> Void) throws {
    let e = try expectThrows(RingfenceError.self, body)
    guard case let .Corrupt(p, _) = e else { throw CheckFailed(description: "expected Corrupt, got \(e)") }
    try checkEq(p, path, "Corrupt path")
    try check("\(e)".contains(path) && "\(e)".contains("damaged"), "message: \(e)")
}

private func expectDegraded(_ path: String, _ what: String, _ body: () throws -> Void) throws {
    let e = try expectThrows(RingfenceError.self, body)
    guard case let .Degraded(p, why) = e else { throw CheckFailed(description: "\(what): expected Degraded, got \(e)") }
    try checkEq(p, path, "\(what): path")
    try check(!why.isEmpty, "\(what): no reason")
}

func recoveryTests() {
    guard let dir = try? TempDirs.make() else {
        Harness.scenario("a temp directory for the recovery scenarios") { throw CheckFailed(description: "none") }
        return
    }
    let path = dir.appendingPathComponent("ringfence.db").path
    var standIn: Screener? = nil
    var salvaged = 0

    Harness.scenario("a damaged page of the block list: open raises Corrupt naming the file") {
        try makeDatabase(path)
        try checkEq(try damagePagesHolding(path, "victim-1000"), 1, "pages damaged")
        try expectCorrupt(path) { _ = try Screener.open(dbPath: path, homeRegion: "KR") }
    }

    Harness.scenario("openOrFallback on the damaged file screens: emergency and ordinary calls ring, salvaged rules block") {
        let s = try Screener.openOrFallback(dbPath: path, homeRegion: "KR")
        standIn = s
        guard let why = try s.degraded() else { throw CheckFailed(description: "degraded() is nil for a stand-in") }
        try check(why.contains("damaged"), "degraded: \(why)")
        try screensSafely(s)
        let d = try s.screen(callerId: "070-1234-5678")
        try checkEq(d.action, .block, "the known prefix rule")
        try checkEq(d.label, "VoIP spam", "its label")
        try checkEq(try s.screen(callerId: "+1 202 555 0000").action, .block, "a rule on an undamaged page")
        try checkEq(try s.screen(callerId: "+1 202 555 1000").action, .allow, "the rule on the damaged page is lost")
        salvaged = try s.rules(list: .block).count
        try check(salvaged > victims / 2 && salvaged <= victims, "\(salvaged) block rules salvaged")
    }

    Harness.scenario("the stand-in refuses writes with Degraded naming the file") {
        guard let s = standIn else { throw CheckFailed(description: "no stand-in") }
        try expectDegraded(path, "addRule") { _ = try s.addRule(list: .block, pattern: "+8260*") }
        try expectDegraded(path, "reportSpam") { _ = try s.reportSpam(number: "010-3333-4444", category: .scam) }
        try expectDegraded(path, "setPolicy") { _ = try s.setPolicy(key: "hidden", value: "block") }
        try expectDegraded(path, "screenAndRecord") { _ = try s.screenAndRecord(callerId: "010-1234-5678") }
        try checkEq(try s.screen(callerId: "070-1234-5678").action, .block, "still screens")
    }

    Harness.scenario("recover moves the file aside, keeps the salvaged rules, and the same Screener writes again") {
        guard let s = standIn else { throw CheckFailed(description: "no stand-in") }
        let r = try s.recover()
        guard let moved = r.movedTo else { throw CheckFailed(description: "not moved aside: \(r)") }
        try check(moved.hasPrefix(path + ".corrupt-") && FileManager.default.fileExists(atPath: moved), "movedTo: \(moved)")
        try checkEq(r.rules, UInt64(salvaged + 1), "rules carried over (and the allow rule)")
        try checkEq(r.incomplete, ["rules"], "incomplete")
        try checkEq([r.contacts, r.reports, r.history, r.settings], [1, 1, 1, 1], "other tables")
        try checkEq(try s.degraded(), nil, "degraded after recover")
        try checkEq(try s.screen(callerId: "070-1234-5678").action, .block, "the prefix rule kept")
        try check(try s.addRule(list: .block, pattern: "+8260*", label: "premium").isNew, "addRule after recover")
        try checkEq(try s.screen(callerId: "060-123-4567").action, .block, "the new rule blocks")
        try checkEq(try s.pendingReportCount(), 1, "the outbox kept")
        try checkEq(try s.policy().blockThreshold, 4.0, "the setting kept")
        standIn = nil
    }
    standIn = nil
    Harness.scenario("the repaired file reopens with its rules") {
        let again = try Screener.open(dbPath: path, homeRegion: "KR")
        try checkEq(try again.rules(list: .block).count, salvaged + 1, "block rules")
    }

    Harness.scenario("a destroyed header: Corrupt, a stand-in without lists that refuses writes, recover starts afresh") {
        let p = try TempDirs.make().appendingPathComponent("ringfence.db").path
        try makeDatabase(p)
        try damageHeader(p)
        try expectCorrupt(p) { _ = try Screener.open(dbPath: p, homeRegion: "KR") }
        let s = try Screener.openOrFallback(dbPath: p, homeRegion: "KR")
        try check(try s.degraded() != nil, "not degraded")
        try screensSafely(s)
        try checkEq(try s.screen(callerId: "070-1234-5678").action, .allow, "nothing could be read")
        try expectDegraded(p, "addRule") { _ = try s.addRule(list: .block, pattern: "+8270*") }
        let r = try s.recover()
        try check(r.movedTo != nil, "not moved: \(r)")
        try checkEq(r.rules, 0, "rules")
        try checkEq(r.incomplete, ["rules", "contacts", "reports", "history", "settings"], "incomplete")
        try check(try s.addRule(list: .block, pattern: "+8270*").isNew, "addRule after recover")
        try checkEq(try s.screen(callerId: "070-1234-5678").action, .block, "blocks again")
    }

    Harness.scenario("recover leaves a sound file and an in-memory screener alone") {
        let d = try TempDirs.make()
        let p = d.appendingPathComponent("ringfence.db").path
        try makeDatabase(p)
        do {
            let s = try Screener.openOrFallback(dbPath: p, homeRegion: "KR")
            try checkEq(try s.degraded(), nil, "a sound file is no stand-in")
            try checkEq(try s.recover(), Recovery(movedTo: nil, rules: 0, contacts: 0, reports: 0, history: 0, settings: 0, incomplete: []), "nothing done")
            try checkEq(try s.rules(list: .block).count, victims + 1, "rules")
        }
        let moved = try FileManager.default.contentsOfDirectory(atPath: d.path).filter { $0.contains(".corrupt-") }
        try checkEq(moved, [], "nothing moved aside")
        try checkEq(try Screener.openInMemory(homeRegion: "KR").recover().movedTo, nil, "in memory")
        let e = try expectThrows(RingfenceError.self) { _ = try Screener.openOrFallback(dbPath: p, homeRegion: "ZZ") }
        guard case .UnknownRegion = e else { throw CheckFailed(description: "got \(e)") }
    }
}
