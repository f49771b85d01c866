// The Screener through the generated Swift: the same scenarios as
// tests/kotlin/ScreenerTests.kt (and bindings/tests/screener.rs in Rust).
import Foundation
import Ringfence

/// Fresh temp directories for database and list files, removed at the end of the run.
enum TempDirs {
    nonisolated(unsafe) static var made: [URL] = []
    static func make() throws -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("ringfence-swift-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        made.append(dir)
        return dir
    }
    static func cleanUp() {
        for d in made { try? FileManager.default.removeItem(at: d) }
    }
}

func kr() throws -> Screener { try Screener.openInMemory(homeRegion: "KR") }

func csvFile(_ text: String) throws -> String {
    let f = try TempDirs.make().appendingPathComponent("list.csv")
    try text.write(to: f, atomically: true, encoding: .utf8)
    return f.path
}

/// Runs body, which must throw an E; returns it.
func expectThrows<E: Error>(_ type: E.Type, _ body: () throws -> Void) throws -> E {
    do {
        try body()
    } catch let e as E {
        return e
    } catch {
        throw CheckFailed(description: "expected \(E.self), got \(error)")
    }
    throw CheckFailed(description: "expected \(E.self), nothing was thrown")
}

func screenerTests() {
    Harness.scenario("KR 1588-1234 (home KR) is warned with the representative-number label") {
        let s = try kr()
        let d = try s.screen(callerId: "1588-1234")
        try checkEq(d.action, .warn, "action")
        try checkEq(d.category, .representative, "category")
        try checkEq(d.label, "Representative number", "label")
        try checkEq(d.reasons, [.representativeNumber], "reasons")
        try checkEq(d.e164, "+8215881234", "e164")
        try checkEq(d.numberType, .uan, "numberType")
        try checkEq(d.region, "KR", "region")
        try checkEq(d.score, nil, "score")
        try checkEq(d.reasons.map { $0.code() }, ["representative_number"], "reason codes")
        try checkEq(d.category.label(), "Representative number", "Category.label()")
    }

    Harness.scenario("a blocked prefix blocks, and removing it lets the call ring") {
        let s = try kr()
        let added = try s.addRule(list: .block, pattern: "+8270*", label: "VoIP spam")
        try check(added.isNew, "isNew: \(added)")
        try checkEq(added.rule.pattern, "+8270*", "pattern")
        try check(added.rule.isPrefix, "isPrefix: \(added)")
        try checkEq(added.rule.label, "VoIP spam", "label")
        let d = try s.screen(callerId: "070-1234-5678")
        try checkEq(d.action, .block, "action")
        try checkEq(d.reasons, [.blockList], "reasons")
        try checkEq(d.label, "VoIP spam", "decision label is the rule's")
        try checkEq(try s.screen(callerId: "010-1234-5678").action, .allow, "a mobile number outside the prefix")
        try checkEq(try s.rules(list: .block).map(\.pattern), ["+8270*"], "rules")
        try checkEq(try s.addRule(list: .block, pattern: "070*", label: "relabelled").isNew, false, "same prefix in another form")
        try check(try s.removeRule(list: .block, pattern: "070*"), "removeRule should say it was there")
        try checkEq(try s.screen(callerId: "070-1234-5678").action, .allow, "after removal")
        try checkEq(try s.rules(list: .block), [], "rules after removal")
    }

    Harness.scenario("an allowed number wins over a community report from an imported CSV") {
        let s = try kr()
        let path = try csvFile("number,category,votes\n+821055550000,scam,50\n+821055550001,telemarketing,3\nnot a number,scam,1\n")
        let sum = try s.importList(format: .csv, path: path)
        try checkEq(sum.rows, 3, "rows")
        try checkEq(sum.imported, 2, "imported")
        try checkEq(sum.skipped, [.invalidNumber: 1], "skipped")
        try checkEq(sum.skippedTotal, 1, "skippedTotal")
        let blocked = try s.screen(callerId: "010-5555-0000")
        try checkEq(blocked.action, .block, "community block")
        try checkEq(blocked.category, .scam, "category")
        try checkEq(blocked.reasons, [.community], "reasons")
        // Evidence decays with time (125-day half-life): 50 votes imported a moment ago.
        try check((49.9...50.0).contains(blocked.score ?? 0), "score: \(String(describing: blocked.score))")
        try checkEq(try s.screen(callerId: "010-5555-0001").action, .warn, "between the thresholds")
        try checkEq(try s.communityEvidence(number: "010-5555-0000")?.category, .scam, "evidence")
        _ = try s.addRule(list: .allow, pattern: "010-5555-0000", label: "my plumber")
        let allowed = try s.screen(callerId: "010-5555-0000")
        try checkEq(allowed.action, .allow, "allow list wins")
        try checkEq(allowed.reasons, [.allowList], "reasons")
        do {
            _ = try s.importList(format: .csv, path: path)
            throw CheckFailed(description: "a second import of the same file was accepted")
        } catch let RingfenceError.AlreadyImported(format, _) {
            try checkEq(format, "csv", "format")
        }
    }

    Harness.scenario("an emergency number is never blocked; blocking or reporting it raises EmergencyNumber") {
        let s = try kr()
        do {
            _ = try s.addRule(list: .block, pattern: "112")
            throw CheckFailed(description: "112 went on the block list")
        } catch let e as RingfenceError {
            guard case let .EmergencyNumber(number) = e else { throw CheckFailed(description: "got \(e)") }
            try checkEq(number, "+82112", "number")
            try check("\(e)".contains("emergency number and cannot be blocked"), "message: \(e)")
        }
        let reported = try expectThrows(RingfenceError.self) { _ = try s.reportSpam(number: "119", category: .scam) }
        guard case .EmergencyNumber = reported else { throw CheckFailed(description: "got \(reported)") }
        _ = try s.addRule(list: .block, pattern: "+82*", label: "everything in Korea")
        _ = try s.setPolicy(key: "category.unknown", value: "block")
        let d = try s.screen(callerId: "112")
        try checkEq(d.action, .allow, "action")
        try checkEq(d.category, .emergency, "category")
        try checkEq(d.reasons, [.emergency], "reasons")
        try checkEq(d.numberType, .emergency, "numberType")
        let sum = try s.importListData(format: .csv, data: Data("112,scam,99\n".utf8))
        try checkEq(sum.skipped, [.emergencyNumber: 1], "import skips it")
    }

    Harness.scenario("bad input raises typed errors with readable messages") {
        let s = try kr()
        func expect(_ what: String, _ body: () throws -> Void, _ matches: (RingfenceError) -> Bool) throws {
            let e = try expectThrows(RingfenceError.self, body)
            try check(matches(e), "\(what): got \(e)")
        }
        let p = try expectThrows(RingfenceError.self) { _ = try s.addRule(list: .block, pattern: "hello*") }
        guard case let .InvalidPattern(pattern, _) = p else { throw CheckFailed(description: "got \(p)") }
        try checkEq(pattern, "hello*", "pattern")
        try check(p.localizedDescription.hasPrefix("\"hello*\" is not a number, prefix or group"), "message: \(p.localizedDescription)")
        let dir = try TempDirs.make()
        try expect("region", { _ = try Screener.open(dbPath: dir.appendingPathComponent("x.db").path, homeRegion: "ZZ") }) {
            if case .UnknownRegion(region: "ZZ") = $0 { return true } else { return false }
        }
        try expect("setHomeRegion", { try s.setHomeRegion(homeRegion: "Mars") }) {
            if case .UnknownRegion = $0 { return true } else { return false }
        }
        let v = try expectThrows(RingfenceError.self) { _ = try s.setPolicy(key: "threshold.block", value: "-1") }
        guard case let .BadSettingValue(key, _, expected) = v else { throw CheckFailed(description: "got \(v)") }
        try checkEq(key, "threshold.block", "key")
        try checkEq(expected, "a number >= 0", "expected")
        try expect("warn above block", { _ = try s.setPolicy(key: "threshold.warn", value: "99") }) {
            if case .BadSettingValue = $0 { return true } else { return false }
        }
        try expect("unknown setting", { _ = try s.setPolicy(key: "colour", value: "red") }) {
            if case .UnknownSetting = $0 { return true } else { return false }
        }
        try expect("unknown action", { _ = try s.setPolicy(key: "hidden", value: "explode") }) {
            if case .UnknownAction = $0 { return true } else { return false }
        }
        try expect("emergency category", { _ = try s.setCategoryAction(category: .emergency, action: .block) }) {
            if case .UnknownSetting = $0 { return true } else { return false }
        }
        let io = try expectThrows(RingfenceError.self) { _ = try s.importList(format: .ftc, path: "/nonexistent/ftc.csv") }
        guard case .Io = io else { throw CheckFailed(description: "got \(io)") }
        try check("\(io)".hasPrefix("could not read /nonexistent/ftc.csv"), "message: \(io)")
        try expect("malformed number", { _ = try s.reportSpam(number: "call me maybe", category: .scam) }) {
            if case .InvalidNumber = $0 { return true } else { return false }
        }
        try expect("hidden contact", { _ = try s.addContact(number: "anonymous") }) {
            if case .InvalidNumber = $0 { return true } else { return false }
        }
        try expect("unreportable category", { _ = try s.reportSpam(number: "010-1234-5678", category: .personal) }) {
            if case .UnknownCategory = $0 { return true } else { return false }
        }
        try expect("negative cursor", { _ = try s.callDirectoryBatch(kind: .blocking, after: -5, limit: 10) }) {
            if case .InvalidArgument = $0 { return true } else { return false }
        }
        try expect("zero limit", { _ = try s.callDirectoryBatch(kind: .blocking, after: nil, limit: 0) }) {
            if case .InvalidArgument = $0 { return true } else { return false }
        }
        let junk = dir.appendingPathComponent("junk.db")
        try "this is not a database, it is a text file of some length".write(to: junk, atomically: true, encoding: .utf8)
        _ = try expectThrows(RingfenceError.self) { _ = try Screener.open(dbPath: junk.path, homeRegion: "KR") }
        // Nothing above changed anything.
        try checkEq(try s.rules(list: .block), [], "rules")
        try checkEq(try s.policy().blockThreshold, 5.0, "blockThreshold")
        try checkEq(try s.homeRegion(), "KR", "homeRegion")
    }

    Harness.scenario("two threads screening at once on one Screener agree with one thread") {
        let s = try kr()
        _ = try s.addRule(list: .block, pattern: "+8270*", label: "VoIP")
        _ = try s.addRule(list: .allow, pattern: "070-1234-0000")
        _ = try s.importListData(format: .csv, data: Data("+821055550000,scam,50\n".utf8))
        let inputs = ["1588-1234", "070-1234-5678", "070-1234-0000", "010-5555-0000", "112",
                      "anonymous", "+1 202 555 0143", "010-1234-5678", "060-700-1234", "call me maybe"]
        // One fixed call time: community scores decay by the second.
        let at = Int64(Date().timeIntervalSince1970)
        var expected: [String: Decision] = [:]
        for raw in inputs { expected[raw] = try s.screen(callerId: raw, at: at) }
        let want = expected
        let lock = NSLock()
        nonisolated(unsafe) var failures: [String] = []
        // Two screening threads and a writer at the same time (the writer's numbers match
        // none of the screened ones).
        DispatchQueue.concurrentPerform(iterations: 3) { t in
            do {
                if t == 2 {
                    for i in 0..<50 { _ = try s.addRule(list: .block, pattern: "+1 202 555 \(1000 + i)") }
                    return
                }
                for i in 0..<1500 {
                    let raw = inputs[(i * 3 + t) % inputs.count]
                    let got = try s.screen(callerId: raw, at: at)
                    if got != want[raw] {
                        lock.lock(); failures.append("thread \(t): \(raw) gave \(got), want \(String(describing: want[raw]))"); lock.unlock()
                        return
                    }
                }
            } catch {
                lock.lock(); failures.append("thread \(t): \(error)"); lock.unlock()
            }
        }
        try check(failures.isEmpty, failures.joined(separator: "; "))
        try checkEq(try s.rules(list: .block).count, 51, "rules after the writer")
    }

    Harness.scenario("the Call Directory export arrives ascending in batches and resumes from the cursor") {
        let s = try exportFixture()
        let whole = try s.callDirectoryBatch(kind: .blocking, after: nil, limit: 1_000_000)
        try checkEq(whole.nextAfter, nil, "one big batch is complete")
        try checkEq(whole.entries.count, 10_000 - 2 + 3, "entries: the range minus allowed and contact, plus 3 exact")
        try checkEq(whole.skippedPrefixes.map(\.prefix), ["+1202*"], "skippedPrefixes")
        let numbers = Set(whole.entries.map(\.number))
        try check(!numbers.contains(827012340000) && !numbers.contains(827012340001), "allowed number or contact exported")
        try check(numbers.isSuperset(of: [821011112222, 821022223333, 821055550000]), "exact entries missing")
        var batched: [DirectoryEntry] = []
        var after: Int64? = nil
        var batches = 0
        repeat {
            let b = try s.callDirectoryBatch(kind: .blocking, after: after, limit: 999)
            batches += 1
            try check(b.entries.count <= 999, "batch of \(b.entries.count)")
            if let c = after { try check(b.entries.allSatisfy { $0.number > c }, "entry not after the cursor \(c)") }
            batched += b.entries
            after = b.nextAfter
        } while after != nil
        try checkEq(batches, 11, "batches")
        try checkEq(batched, whole.entries, "batches joined = one export")
        try check(zip(batched, batched.dropFirst()).allSatisfy { $0.number < $1.number }, "not strictly ascending")
        let middle = whole.entries[5000].number
        let tail = try s.callDirectoryBatch(kind: .blocking, after: middle, limit: 1_000_000)
        try checkEq(tail.entries, Array(whole.entries.dropFirst(5001)), "resume from a cursor")
        let ident = try s.callDirectoryBatch(kind: .identification, after: nil, limit: 100)
        try checkEq(ident.entries.map(\.number), [821055550001], "identification entries")
        try check(ident.entries[0].label?.hasPrefix("Telemarketing") == true, "label: \(ident.entries[0])")
    }

    Harness.scenario("policy: a record and a list of settings; set by key and by typed setters") {
        let s = try kr()
        let p = try s.policy()
        try checkEq(p.warnThreshold, 2.0, "warnThreshold")
        try checkEq(p.blockThreshold, 5.0, "blockThreshold")
        try checkEq(p.hiddenAction, .allow, "hiddenAction")
        try checkEq(p.ownNumber, nil, "ownNumber")
        try checkEq(p.historyLimit, 1000, "historyLimit")
        try checkEq(p.categoryActions, [:], "categoryActions")
        var settings: [String: String] = [:]
        for x in try s.policySettings() { settings[x.key] = x.value }
        try checkEq(settings["threshold.block"], "5", "threshold.block setting")
        try checkEq(settings["category.representative"], "default", "category setting")
        try checkEq(try s.setPolicy(key: "threshold.block", value: "4").blockThreshold, 4.0, "setPolicy")
        let blocked = try s.setCategoryAction(category: .representative, action: .block)
        try checkEq(blocked.categoryActions, [.representative: .block], "categoryActions")
        try checkEq(try s.screen(callerId: "1588-1234").action, .block, "representative numbers now blocked")
        try checkEq(try s.setCategoryAction(category: .representative, action: nil).categoryActions, [:], "back to default")
        try checkEq(try s.setHiddenAction(action: .silence).hiddenAction, .silence, "hiddenAction")
        let hidden = try s.screen(callerId: "anonymous")
        try checkEq(hidden.action, .silence, "hidden caller action")
        try checkEq(hidden.reasons, [.hidden], "hidden reasons")
        try checkEq(hidden.e164, nil, "hidden e164")
        try checkEq(try s.setOwnNumber(number: "010-9999-0000").ownNumber, "+821099990000", "ownNumber")
        try checkEq(try s.setOwnNumber(number: nil).ownNumber, nil, "ownNumber off")
        try checkEq(reportableCategories().first, .unknown, "reportableCategories")
        try check(Category.scam.isReportable() && !Category.emergency.isReportable(), "isReportable")
    }

    Harness.scenario("reports: spam blocks at once, not-spam allows, both wait in the outbox") {
        let s = try kr()
        let r = try s.reportSpam(number: "010-2222-3333", category: .telemarketing, comment: "sells insurance")
        try checkEq(r.e164, "+821022223333", "e164")
        try check(r.spam && !r.uploaded, "report: \(r)")
        try checkEq(r.category, .telemarketing, "category")
        try checkEq(r.comment, "sells insurance", "comment")
        try check(r.idempotencyKey.count >= 16, "idempotencyKey: \(r.idempotencyKey)")
        let d = try s.screen(callerId: "+82 10 2222 3333")
        try checkEq(d.action, .block, "reported number blocked")
        try checkEq(d.reasons, [.reported], "reasons")
        _ = try s.importListData(format: .csv, data: Data("+821055550000,scam,50\n".utf8))
        let n = try s.markNotSpam(number: "010-5555-0000")
        try check(!n.spam, "not-spam report: \(n)")
        let ok = try s.screen(callerId: "010-5555-0000")
        try checkEq(ok.action, .allow, "not spam wins over the community")
        try checkEq(ok.reasons, [.notSpam], "reasons")
        try checkEq(try s.pendingReportCount(), 2, "pendingReportCount")
        try checkEq(try s.pendingReports(limit: 10).map(\.id), [r.id, n.id], "pendingReports oldest first")
    }

    Harness.scenario("contacts ring even on the block list; setContacts replaces them") {
        let s = try kr()
        _ = try s.addRule(list: .block, pattern: "+8210*")
        try checkEq(try s.addContact(number: "010-1234-5678"), "+821012345678", "addContact")
        let d = try s.screen(callerId: "010-1234-5678")
        try checkEq(d.action, .allow, "contact allowed")
        try checkEq(d.reasons, [.contact], "reasons")
        try checkEq(try s.screen(callerId: "010-1234-9999", isContact: true).reasons, [.contact], "isContact flag")
        try checkEq(try s.setContacts(numbers: ["010-1111-1111", "+82 10 1111 1111", "010-2222-2222", "nonsense!"]), 2, "setContacts")
        try checkEq(try s.screen(callerId: "010-1234-5678").action, .block, "old contact replaced")
        try check(try s.removeContact(number: "010-1111-1111"), "removeContact")
        try check(!(try s.removeContact(number: "010-1111-1111")), "removeContact twice")
        try checkEq(try s.stats().contacts, 1, "contacts")
    }

    Harness.scenario("history and stats keep screened calls, newest first") {
        let s = try kr()
        _ = try s.addRule(list: .block, pattern: "+8270*")
        _ = try s.screenAndRecord(callerId: "1588-1234", at: 1_700_000_000)
        let d = try s.screen(callerId: "070-1234-5678", verification: .passed, isContact: false, at: 1_700_000_100)
        try s.record(callerId: "070-1234-5678", decision: d, at: 1_700_000_100)
        _ = try s.screenAndRecord(callerId: "anonymous")
        let h = try s.history(limit: 10)
        try checkEq(h.count, 3, "entries")
        try checkEq(h.map(\.callerId), ["anonymous", "070-1234-5678", "1588-1234"], "newest first")
        try checkEq(h[1].action, .block, "action")
        try checkEq(h[1].e164, "+827012345678", "e164")
        try checkEq(h[1].at, 1_700_000_100, "at")
        try checkEq(h[1].reasons, [.blockList], "reasons")
        try checkEq(h[0].e164, nil, "hidden caller e164")
        let st = try s.stats()
        try checkEq(st.calls, 3, "calls")
        try checkEq(st.byAction, [.allow: 1, .warn: 1, .block: 1], "byAction")
        try checkEq(st.byCategory[.representative], 1, "byCategory")
        try checkEq(st.blockRules, 1, "blockRules")
        try s.clearHistory()
        try checkEq(try s.history(limit: 10), [], "cleared")
    }

    Harness.scenario("a STIR/SHAKEN failure is a reason of its own") {
        let s = try kr()
        let d = try s.screen(callerId: "010-1234-5678", verification: .failed)
        try check(d.reasons.contains(.stirFailed), "reasons: \(d.reasons)")
        try check(d.action != .allow, "action: \(d.action)")
        try checkEq(try s.screen(callerId: "010-1234-5678", verification: .passed).action, .allow, "passed")
        try checkEq(try s.screen(callerId: "010-1234-5678").action, .allow, "not verified")
    }

    Harness.scenario("a real SQLite file reopened keeps rules, policy, contacts and reports") {
        let path = try TempDirs.make().appendingPathComponent("nested/dir/ringfence.db").path
        do {
            let s = try Screener.open(dbPath: path, homeRegion: "KR")
            try checkEq(try s.dbPath(), path, "dbPath")
            _ = try s.addRule(list: .block, pattern: "+8270*", label: "VoIP spam")
            _ = try s.addRule(list: .allow, pattern: "010-5555-0000")
            _ = try s.addContact(number: "010-7777-7777")
            _ = try s.setCategoryAction(category: .representative, action: .silence)
            _ = try s.reportSpam(number: "010-2222-3333", category: .scam)
            _ = try s.screenAndRecord(callerId: "1588-1234")
            // A second screener on the same file (another process, say) sees changes at once.
            let other = try Screener.open(dbPath: path, homeRegion: "KR")
            _ = try s.addRule(list: .block, pattern: "+8260*", label: "premium")
            try checkEq(try other.screen(callerId: "060-123-4567").action, .block, "the other connection sees the new rule")
        } // both closed here (last references dropped)
        try check(FileManager.default.fileExists(atPath: path), "no database file at \(path)")
        let s = try Screener.open(dbPath: path, homeRegion: "KR")
        try checkEq(try s.rules(list: .block).map { "\($0.pattern) \($0.label ?? "")" }, ["+8260* premium", "+8270* VoIP spam"], "block rules")
        try checkEq(try s.rules(list: .allow).map(\.pattern), ["+821055550000"], "allow rules")
        try checkEq(try s.screen(callerId: "070-1234-5678").action, .block, "prefix still blocks")
        try checkEq(try s.screen(callerId: "010-7777-7777").reasons, [.contact], "contact kept")
        try checkEq(try s.screen(callerId: "1588-1234").action, .silence, "policy kept")
        try checkEq(try s.screen(callerId: "010-2222-3333").reasons, [.reported], "report kept")
        try checkEq(try s.pendingReportCount(), 1, "outbox kept")
        try checkEq(try s.history(limit: 10).count, 1, "history kept")
    }
}

/// The export scenario's database: a 10 000-number block range with an allowed number
/// and a contact inside it, three exact blocking entries (a rule, a report, a community
/// number), one community number to label, and a prefix too broad to expand.
func exportFixture() throws -> Screener {
    let s = try kr()
    _ = try s.addRule(list: .block, pattern: "+82701234*", label: "VoIP range")
    _ = try s.addRule(list: .block, pattern: "+821011112222")
    _ = try s.addRule(list: .allow, pattern: "070-1234-0000")
    _ = try s.addContact(number: "070-1234-0001")
    _ = try s.addRule(list: .block, pattern: "+1202*")
    _ = try s.reportSpam(number: "010-2222-3333", category: .telemarketing)
    _ = try s.importListData(format: .csv, data: Data("+821055550000,scam,50\n+821055550001,telemarketing,3\n".utf8))
    return s
}
