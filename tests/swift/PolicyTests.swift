// Issue 13 items 1, 2, 3 and 4 through the generated Swift: the unknown-caller action and
// numbers called out (recordOutgoing), repeated callers counted from the history (also
// with history.limit 0), temporary rules (addRule's until) and the pause, quiet hours
// and rules limited to windows and SIMs (item 3; offsets from Foundation's TimeZone, the
// iOS way, across a daylight-saving change). The same
// scenarios as tests/kotlin/PolicyTests.kt and bindings/tests/policies.rs. Every call at
// an explicit time far in the future, so the wall clock never ends a rule or a pause.
import Foundation
import Ringfence

private let t0: Int64 = 4_000_000_000

private func expectBadSetting(_ what: String, _ body: () throws -> Void) throws {
    let e = try expectThrows(RingfenceError.self, body)
    guard case .BadSettingValue = e else { throw CheckFailed(description: "\(what): got \(e)") }
}

func policyTests() {
    Harness.scenario("unknown callers get the policy's action; numbers called out are known") {
        let s = try kr()
        let p = try s.policy()
        try checkEq(p.unknownAction, .allow, "unknownAction default")
        try checkEq([p.knownOutgoingDays, p.repeatCalls, p.repeatMinutes, p.repeatMinGapSeconds], [30, 2, 3, 20], "defaults")
        try checkEq(try s.screen(callerId: "010-2222-3333", at: t0).reasons, [], "allow by default")
        for mode in [Action.warn, .silence, .block] {
            try checkEq(try s.setPolicy(key: "unknown", value: mode.code()).unknownAction, mode, "setPolicy unknown")
            let d = try s.screen(callerId: "010-2222-3333", at: t0)
            try checkEq(d.action, mode, "unknown caller, \(mode)")
            try checkEq(d.reasons, [.unknownCaller], "reasons, \(mode)")
        }
        try checkEq(try s.screen(callerId: "", at: t0).reasons, [.hidden], "hidden callers keep their setting")
        _ = try s.recordOutgoing(number: "010-2222-3333", at: t0)
        let known = try s.screen(callerId: "010-2222-3333", at: t0 + 29 * 86_400)
        try checkEq(known.action, .allow, "called 29 days ago")
        try checkEq(known.label, "You called this number recently", "label")
        try checkEq(try s.screen(callerId: "010-2222-3333", at: t0 + 30 * 86_400).action, .block, "30 days later")
        _ = try s.setPolicy(key: "known.outgoing-days", value: "60")
        try checkEq(try s.screen(callerId: "010-2222-3333", at: t0 + 30 * 86_400).action, .allow, "known.outgoing-days 60")
        try checkEq(Reason.unknownCaller.code(), "unknown_caller", "code")
        let e = try expectThrows(RingfenceError.self) { _ = try s.setPolicy(key: "unknown", value: "sometimes") }
        guard case .UnknownAction = e else { throw CheckFailed(description: "unknown sometimes: got \(e)") }
        try expectBadSetting("repeat.calls 1") { _ = try s.setPolicy(key: "repeat.calls", value: "1") }
    }

    Harness.scenario("a repeated caller rings through the unknown-caller action, also with history.limit 0") {
        let s = try kr()
        _ = try s.setPolicy(key: "unknown", value: "silence")
        _ = try s.setPolicy(key: "history.limit", value: "0")
        let n = "010-2222-3333"
        try checkEq(try s.screenAndRecord(callerId: n, at: t0).action, .silence, "first call")
        try checkEq(try s.screenAndRecord(callerId: n, at: t0 + 10).action, .silence, "a redial 10 s later")
        let again = try s.screenAndRecord(callerId: n, at: t0 + 60)
        try checkEq(again.action, .allow, "a minute later")
        try checkEq(again.reasons, [.unknownCaller, .repeatedCaller], "reasons")
        try checkEq(try s.history(limit: 10).count, 0, "history.limit 0: no history")
        // screen, answer, then record: counts the same.
        let d = try s.screen(callerId: "010-4444-5555", at: t0)
        try s.record(callerId: "010-4444-5555", decision: d, at: t0)
        try checkEq(try s.screen(callerId: "010-4444-5555", at: t0 + 30).reasons, [.unknownCaller, .repeatedCaller], "screen + record")
        // Outside the window (3 minutes) it is a first call again; not for hidden callers.
        try checkEq(try s.screen(callerId: n, at: t0 + 60 + 181).action, .silence, "outside the window")
        _ = try s.setHiddenAction(action: .silence)
        _ = try s.screenAndRecord(callerId: "", at: t0)
        try checkEq(try s.screen(callerId: "", at: t0 + 60).reasons, [.hidden], "hidden callers never repeat")
        // The user's own block list wins.
        _ = try s.addRule(list: .block, pattern: n)
        try checkEq(try s.screen(callerId: n, at: t0 + 90).reasons, [.blockList], "block list")
        try checkEq(Reason.repeatedCaller.code(), "repeated_caller", "code")
    }

    Harness.scenario("temporary rules end by themselves; the pause lets every call ring until it ends") {
        let s = try kr()
        _ = try s.addRule(list: .block, pattern: "+8210*", label: "all mobiles")
        let added = try s.addRule(list: .allow, pattern: "010-2222-3333", label: "plumber", until: t0)
        try checkEq(added.rule.until, t0, "until")
        try checkEq(try s.rules(list: .allow).map { $0.until }, [t0], "rules(.allow)")
        try checkEq(try s.rules(list: .block).map { $0.until }, [nil], "rules(.block)")
        try checkEq(try s.screen(callerId: "010-2222-3333", at: t0 - 1).reasons, [.allowList], "before its end")
        try checkEq(try s.screen(callerId: "010-2222-3333", at: t0).reasons, [.blockList], "at its end")
        try expectBadSetting("until in the past") { _ = try s.addRule(list: .block, pattern: "070-1111-2222", until: 1) }

        try checkEq(try s.pausedUntil(), nil, "not paused")
        try s.pause(until: t0 + 3600)
        try checkEq(try s.pausedUntil(), t0 + 3600, "pausedUntil")
        for n in ["010-5555-6666", ""] {
            let d = try s.screenAndRecord(callerId: n, at: t0)
            try checkEq(d.action, .allow, "paused: \(n)")
            try checkEq(d.reasons, [.paused], "paused reasons: \(n)")
        }
        try checkEq(try s.history(limit: 10).count, 2, "still recorded")
        try checkEq(try s.screen(callerId: "112", at: t0).reasons, [.emergency], "emergency keeps its reason")
        try checkEq(try s.screen(callerId: "010-5555-6666", at: t0 + 3600).action, .block, "the pause ended by itself")
        try checkEq(try s.resume(), true, "resume")
        try checkEq(try s.pausedUntil(), nil, "resumed")
        try checkEq(try s.screen(callerId: "010-5555-6666", at: t0).action, .block, "after resume")
        try expectBadSetting("pause in the past") { try s.pause(until: 1) }
        try checkEq(Reason.paused.code(), "paused", "code")
    }

    Harness.scenario("quiet hours follow the phone's local time across a daylight-saving change") {
        let s = try kr()
        _ = try s.setPolicy(key: "quiet.hours", value: "22:00-07:00")
        let p = try s.policy()
        try checkEq([p.quietHours, p.quietDays], ["22:00-07:00", "daily"], "quiet hours")
        try checkEq(p.quietAction, .silence, "quietAction")
        // The app passes the offset in force at each call, as iOS computes it.
        guard let berlin = TimeZone(identifier: "Europe/Berlin") else {
            throw CheckFailed(description: "no Europe/Berlin time zone")
        }
        let iso = ISO8601DateFormatter()
        func at(_ text: String) throws -> Int64 {
            guard let d = iso.date(from: text) else { throw CheckFailed(description: "bad date \(text)") }
            return Int64(d.timeIntervalSince1970)
        }
        func inBerlin(_ t: Int64) throws -> Decision {
            let offset = Int32(berlin.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t))))
            return try s.screen(callerId: "+49 30 1234567", at: t, utcOffsetSeconds: offset)
        }
        // 29 March 2026, 02:00 CET -> 03:00 CEST: 04:59Z is 06:59 (quiet), 05:00Z is 07:00.
        try checkEq(try inBerlin(try at("2026-03-28T21:00:00Z")).reasons, [.quietHours], "22:00 CET")
        try checkEq(try inBerlin(try at("2026-03-28T20:59:00Z")).action, .allow, "21:59 CET")
        try checkEq(try inBerlin(try at("2026-03-29T04:59:00Z")).action, .silence, "06:59 CEST")
        try checkEq(try inBerlin(try at("2026-03-29T05:00:00Z")).action, .allow, "07:00 CEST")
        // 25 October 2026, 03:00 CEST -> 02:00 CET: 05:59Z is 06:59 (quiet), 06:00Z is 07:00.
        try checkEq(try inBerlin(try at("2026-10-25T05:59:00Z")).action, .silence, "06:59 CET")
        try checkEq(try inBerlin(try at("2026-10-25T06:00:00Z")).action, .allow, "07:00 CET")
        // 21:30Z is 22:30 CET (quiet); without the offset it is read as 21:30 UTC (not).
        try checkEq(try inBerlin(try at("2026-10-25T21:30:00Z")).action, .silence, "22:30 CET")
        try checkEq(try s.screen(callerId: "+49 30 1234567", at: try at("2026-10-25T21:30:00Z")).action, .allow,
                    "no offset: UTC, 21:30 is not quiet")

        let r = try s.addRule(list: .block, pattern: "070-1234-5678", between: "09:00-18:00", days: "mon-fri", sim: "work").rule
        try checkEq([r.between, r.days, r.sim], ["09:00-18:00", "mon-fri", "work"], "rule window")
        let noon = try at("2026-12-02T03:00:00Z") // Wednesday 12:00 in Seoul
        let seoul: Int32 = 9 * 3600
        try checkEq(try s.screen(callerId: "070-1234-5678", at: noon, utcOffsetSeconds: seoul, sim: "work").action, .block, "work SIM")
        try checkEq(try s.screen(callerId: "070-1234-5678", at: noon, utcOffsetSeconds: seoul, sim: "home").action, .allow, "home SIM")
        try checkEq(try s.screen(callerId: "070-1234-5678", at: noon, utcOffsetSeconds: seoul).action, .allow, "no SIM")
        try checkEq(try s.screen(callerId: "070-1234-5678", at: noon + 6 * 3600, utcOffsetSeconds: seoul, sim: "work").action,
                    .allow, "18:00")
        _ = try s.addRules(list: .block, rules: [RuleInput(pattern: "070-9999-0000", until: t0, days: "sat,sun")])
        guard let bulk = try s.rules(list: .block).first(where: { $0.pattern == "+827099990000" }) else {
            throw CheckFailed(description: "addRules: rule missing")
        }
        try checkEq(bulk.until, t0, "addRules until")
        try checkEq(bulk.days, "sat,sun", "addRules days")
        let e = try expectThrows(RingfenceError.self) {
            _ = try s.addRule(list: .block, pattern: "070-1111-2222", between: "9-5")
        }
        guard case .InvalidArgument = e else { throw CheckFailed(description: "between 9-5: got \(e)") }
        try expectBadSetting("quiet.hours 22:00") { _ = try s.setPolicy(key: "quiet.hours", value: "22:00") }
        try checkEq(Reason.quietHours.code(), "quiet_hours", "code")
    }

    Harness.scenario("explain says which step decided, with the rule and the number as read") {
        let s = try kr()
        _ = try s.addRule(list: .block, pattern: "070*", label: "voip", between: "09:00-18:00", sim: "work")
        let noon: Int64 = 1_796_180_400 // 2026-12-02T12:00:00+09:00, a Wednesday
        let e = try s.explain(callerId: "070 1234 5678", at: noon, utcOffsetSeconds: 9 * 3600, sim: "work")
        try checkEq(e.decision, try s.screen(callerId: "070 1234 5678", at: noon, utcOffsetSeconds: 9 * 3600, sim: "work"), "same decision")
        try checkEq(e.decision.action, .block, "blocked")
        try checkEq(e.steps.filter { $0.decided }.map { $0.step }, ["block"], "deciding step")
        try checkEq([e.rule?.pattern, e.rule?.between, e.rule?.sim], ["+8270*", "09:00-18:00", "work"], "rule")
        try checkEq([e.reading.e164, e.reading.international, e.reading.numberType], ["+827012345678", "+82 70-1234-5678", "voip"], "reading")
        try checkEq(e.localTime, "wed 12:00", "local time")
        let other = try s.explain(callerId: "070 1234 5678", at: noon, utcOffsetSeconds: 9 * 3600)
        try checkEq(other.rule == nil, true, "no SIM: no rule")
        try checkEq(other.steps.first { $0.step == "block" }?.saw.hasPrefix("no block rule"), true, "block step saw")
        try checkEq(try s.explain(callerId: "call me").reading.kind, "malformed", "malformed")
    }

    Harness.scenario("number groups: block all foreign numbers except Japan, toll-free; a number beats a group") {
        let s = try Screener.openInMemory(homeRegion: "US")
        let foreign = try s.addRule(list: .block, pattern: "region:foreign").rule
        try checkEq(foreign.pattern, "region:foreign", "group pattern")
        try checkEq(foreign.isGroup, true, "isGroup")
        _ = try s.addRule(list: .allow, pattern: "region:JP")
        _ = try s.addRule(list: .block, pattern: "type:toll_free")
        try checkEq(try s.screen(callerId: "+44 20 7031 3000", at: t0).action, .block, "the UK is foreign")
        try checkEq(try s.screen(callerId: "+1 876 555 0199", at: t0).action, .block, "Jamaica shares +1 but is foreign")
        try checkEq(try s.screen(callerId: "+81 3-1234-5678", at: t0).reasons, [.allowList], "Japan is allowed")
        try checkEq(try s.screen(callerId: "(800) 555-0199", at: t0).reasons, [.blockList], "toll-free")
        try checkEq(try s.screen(callerId: "(212) 555-0199", at: t0).action, .allow, "home")
        _ = try s.addRule(list: .block, pattern: "+81 3-1234-5678")
        try checkEq(try s.screen(callerId: "+81 3-1234-5678", at: t0).action, .block, "a number beats a group")
        let e = try expectThrows(RingfenceError.self) { _ = try s.addRule(list: .block, pattern: "type:cheap") }
        guard case .InvalidPattern = e else { throw CheckFailed(description: "type:cheap: got \(e)") }
    }

    Harness.scenario("a backup restores every setting on another phone; a bad one changes nothing") {
        let a = try kr()
        _ = try a.addRule(list: .block, pattern: "070*", label: "voip", until: t0, between: "09:00-18:00", sim: "work")
        _ = try a.addRule(list: .allow, pattern: "region:JP")
        _ = try a.addContact(number: "010-5555-6666")
        _ = try a.setPolicy(key: "quiet.hours", value: "22:00-07:00")
        let doc = try a.exportBackup()
        let b = try kr()
        _ = try b.addRule(list: .block, pattern: "02-123-4567")
        let r = try b.importBackup(document: doc, replace: true)
        try checkEq([r.rules, r.contacts], [2, 1], "restored")
        try checkEq(try b.rules(list: .block).map { [$0.pattern, $0.label, $0.between, $0.sim] },
                    [["+8270*", "voip", "09:00-18:00", "work"]], "rules replaced")
        try checkEq(try b.policy().quietHours, "22:00-07:00", "quiet hours")
        let e = try expectThrows(RingfenceError.self) {
            _ = try b.importBackup(document: doc.replacingOccurrences(of: "\"version\": 1", with: "\"version\": 2"))
        }
        guard case let .BadBackup(reason) = e, reason.contains("newer ringfence") else {
            throw CheckFailed(description: "newer backup: got \(e)")
        }
        _ = try expectThrows(RingfenceError.self) { _ = try b.importBackup(document: "{\"format\": \"ringfence-backup\"") }
        try checkEq(try b.rules(list: .block).count, 1, "nothing changed")
    }

    Harness.scenario("a mode limited to one SIM: calls on another SIM, or that do not say, ring") {
        let s = try kr()
        _ = try s.setPolicy(key: "unknown", value: "silence")
        try checkEq(try s.setPolicy(key: "unknown.sim", value: "work").unknownSim, "work", "unknownSim")
        try checkEq(try s.screen(callerId: "010-2222-3333", at: t0, sim: "work").action, .silence, "work SIM")
        try checkEq(try s.screen(callerId: "010-2222-3333", at: t0, sim: "home").action, .allow, "home SIM")
        try checkEq(try s.screen(callerId: "010-2222-3333", at: t0).action, .allow, "no SIM")
    }
}
