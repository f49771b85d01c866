// Issue 13 items 1, 2 and 4 through the generated Swift: the unknown-caller action and
// numbers called out (recordOutgoing), repeated callers counted from the history (also
// with history.limit 0), temporary rules (addRule's until) and the pause. The same
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
}
