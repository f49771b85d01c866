// Emergency numbers through the generated Swift: the roaming network's emergency numbers
// (screen's networkRegion), the callback window after the user dials an emergency number
// (recordOutgoing, policy emergency.callback-minutes) and other regions' emergency
// numbers from libphonenumber's short-number data. The same scenarios as
// tests/kotlin/EmergencyTests.kt (and core/tests/screening.rs in Rust).
// Every call has an explicit time (Unix seconds): the window is decided by `at`.
import Foundation
import Ringfence

/// A fixed moment, far from the wall clock: 2027-01-15.
private let t0: Int64 = 1_800_000_000

/// body must throw a RingfenceError that `matches` accepts; returns it.
private func expectError(_ what: String, _ body: () throws -> Void, _ matches: (RingfenceError) -> Bool) throws -> RingfenceError {
    let e = try expectThrows(RingfenceError.self, body)
    try check(matches(e), "\(what): got \(e)")
    return e
}

func emergencyTests() {
    Harness.scenario("roaming: the network region's emergency numbers ring, even when blocked at home") {
        let s = try Screener.openInMemory(homeRegion: "US")
        _ = try s.addRule(list: .block, pattern: "144", label: "blocked at home")
        let home = try s.screen(callerId: "144", at: t0)
        try checkEq(home.action, .block, "144 at home (no networkRegion)")
        try checkEq(home.reasons, [.blockList], "reasons at home")
        try checkEq(try s.screen(callerId: "144", at: t0, networkRegion: nil).action, .block, "networkRegion: nil")
        let roaming = try s.screen(callerId: "144", at: t0, networkRegion: "CH")
        try checkEq(roaming.action, .allow, "144 on a Swiss network")
        try checkEq(roaming.category, .emergency, "category")
        try checkEq(roaming.reasons, [.emergency], "reasons")
        try checkEq(roaming.e164, "+41144", "e164")
        // As Android's TelephonyManager.getNetworkCountryIso() gives it: lower case, or
        // "" when the network is unknown (then it is as at home).
        try checkEq(try s.screen(callerId: "144", at: t0, networkRegion: "ch").reasons, [.emergency], "networkRegion: \"ch\"")
        try checkEq(try s.screen(callerId: "144", at: t0, networkRegion: "").action, .block, "networkRegion: \"\"")
        // The home region's own emergency numbers still ring while roaming.
        let nineOneOne = try s.screen(callerId: "911", verification: nil, isContact: false, at: t0, networkRegion: "CH")
        try checkEq(nineOneOne.reasons, [.emergency], "911 while roaming")
        // screenAndRecord takes it too, and the history keeps the decision.
        let recorded = try s.screenAndRecord(callerId: "144", at: t0 + 1, networkRegion: "CH")
        try checkEq(recorded.action, .allow, "screenAndRecord while roaming")
        try checkEq(try s.screenAndRecord(callerId: "144", at: t0 + 2).action, .block, "screenAndRecord at home")
        let h = try s.history(limit: 10)
        try checkEq(h.map { "\($0.at) \($0.action)" }, ["\(t0 + 2) \(Action.block)", "\(t0 + 1) \(Action.allow)"], "history")
        try checkEq(h[1].reasons, [.emergency], "history reasons")
        try checkEq(h[1].e164, "+41144", "history e164")
        // An unknown network region is a bad argument, not a decision.
        let bad = try expectError("screen, networkRegion Mars", { _ = try s.screen(callerId: "144", at: t0, networkRegion: "Mars") }) {
            if case .InvalidArgument = $0 { return true } else { return false }
        }
        guard case let .InvalidArgument(argument, _) = bad else { throw CheckFailed(description: "got \(bad)") }
        try checkEq(argument, "network_region", "argument")
        _ = try expectError("screenAndRecord, networkRegion ZZ", { _ = try s.screenAndRecord(callerId: "144", at: t0, networkRegion: "ZZ") }) {
            if case .InvalidArgument = $0 { return true } else { return false }
        }
        try checkEq(try s.history(limit: 10).count, 2, "nothing recorded for a bad argument")
    }

    Harness.scenario("after an emergency call out, every call rings for 60 minutes with EMERGENCY_CALLBACK") {
        let s = try kr()
        try checkEq(try s.policy().emergencyCallbackMinutes, 60, "default emergencyCallbackMinutes")
        try checkEq(try s.policySettings().first { $0.key == "emergency.callback-minutes" }?.value, "60", "setting")
        _ = try s.addRule(list: .block, pattern: "+8210*", label: "all mobiles")
        _ = try s.setHiddenAction(action: .block)
        try checkEq(try s.screen(callerId: "010-5555-0101", at: t0 + 10).action, .block, "blocked before any call out")

        // An ordinary call out opens nothing.
        let ordinary = try s.recordOutgoing(number: "010-9876-5432", at: t0)
        try checkEq(ordinary, OutgoingCall(number: "+821098765432", at: t0, emergency: false), "ordinary call")
        try checkEq(try s.screen(callerId: "010-5555-0101", at: t0 + 10).action, .block, "after an ordinary call out")

        let sos = try s.recordOutgoing(number: "119", at: t0)
        try checkEq(sos, OutgoingCall(number: "+82119", at: t0, emergency: true), "emergency call")
        for secs: Int64 in [0, 60, 59 * 60 + 59] {
            let d = try s.screen(callerId: "010-5555-0101", at: t0 + secs)
            try checkEq(d.action, .allow, "blocked number \(secs) s after")
            try checkEq(d.reasons, [.emergencyCallback], "reasons \(secs) s after")
            try checkEq(d.category, .emergency, "category \(secs) s after")
            try checkEq(d.e164, "+821055550101", "e164 \(secs) s after")
            let hidden = try s.screen(callerId: "anonymous", at: t0 + secs)
            try checkEq(hidden.action, .allow, "hidden caller \(secs) s after")
            try checkEq(hidden.reasons, [.emergencyCallback], "hidden reasons \(secs) s after")
            try checkEq(hidden.e164, nil, "hidden e164")
        }
        try checkEq(Reason.emergencyCallback.code(), "emergency_callback", "Reason.code()")
        // The window ends 60 minutes after the call; before the call there is none.
        let after = try s.screen(callerId: "010-5555-0101", at: t0 + 60 * 60)
        try checkEq(after.action, .block, "at the window's end")
        try checkEq(after.reasons, [.blockList], "reasons at the window's end")
        try checkEq(try s.screen(callerId: "anonymous", at: t0 + 60 * 60).reasons, [.hidden], "hidden at the window's end")
        try checkEq(try s.screen(callerId: "010-5555-0101", at: t0 - 1).action, .block, "before the call")

        // A decision in the window is recorded like any other.
        let d = try s.screenAndRecord(callerId: "010-5555-0101", at: t0 + 120)
        try checkEq(d.reasons, [.emergencyCallback], "screenAndRecord")
        try s.record(callerId: "anonymous", decision: try s.screen(callerId: "anonymous", at: t0 + 130), at: t0 + 130)
        try checkEq(try s.history(limit: 10).map(\.reasons), [[.emergencyCallback], [.emergencyCallback]], "history")

        // The window follows the policy; 0 turns it off.
        try checkEq(try s.setPolicy(key: "emergency.callback-minutes", value: "120").emergencyCallbackMinutes, 120, "120 minutes")
        try checkEq(try s.screen(callerId: "010-5555-0101", at: t0 + 90 * 60).action, .allow, "90 min after, window 120")
        try checkEq(try s.setPolicy(key: "emergency.callback-minutes", value: "0").emergencyCallbackMinutes, 0, "off")
        try checkEq(try s.screen(callerId: "010-5555-0101", at: t0 + 1).action, .block, "window off")
        try checkEq(try s.screen(callerId: "anonymous", at: t0 + 1).action, .block, "hidden, window off")
        _ = try expectError("negative minutes", { _ = try s.setPolicy(key: "emergency.callback-minutes", value: "-5") }) {
            if case .BadSettingValue = $0 { return true } else { return false }
        }
    }

    Harness.scenario("recordOutgoing while roaming: the network's emergency number opens the window") {
        let s = try Screener.openInMemory(homeRegion: "US")
        _ = try s.addRule(list: .block, pattern: "+1 202 555 0143")
        let t1 = t0 + 86_400
        // 144 is no emergency number in the US: dialled at home it opens nothing.
        let atHome = try s.recordOutgoing(number: "144", at: t1 - 600)
        try check(!atHome.emergency, "144 dialled at home: \(atHome)")
        try checkEq(try s.screen(callerId: "+1 202 555 0143", at: t1 - 590).action, .block, "after 144 at home")
        // On a Swiss network it is the ambulance.
        let ambulance = try s.recordOutgoing(number: "144", at: t1, networkRegion: "CH")
        try checkEq(ambulance, OutgoingCall(number: "+41144", at: t1, emergency: true), "144 on a Swiss network")
        let d = try s.screen(callerId: "+1 202 555 0143", at: t1 + 5)
        try checkEq(d.action, .allow, "action")
        try checkEq(d.reasons, [.emergencyCallback], "reasons")
        try checkEq(try s.screen(callerId: "+1 202 555 0143", at: t1 + 60 * 60).action, .block, "after the window")
        // Hidden and malformed numbers are refused; an unknown network region too.
        _ = try expectError("empty number", { _ = try s.recordOutgoing(number: "", at: t1) }) {
            if case .InvalidNumber = $0 { return true } else { return false }
        }
        _ = try expectError("malformed number", { _ = try s.recordOutgoing(number: "call me", at: t1) }) {
            if case .InvalidNumber = $0 { return true } else { return false }
        }
        _ = try expectError("unknown network region", { _ = try s.recordOutgoing(number: "144", at: t1, networkRegion: "Mars") }) {
            if case .InvalidArgument = $0 { return true } else { return false }
        }
    }

    Harness.scenario("a real file keeps the emergency call out: another screener and a reopened one see the window") {
        let path = try TempDirs.make().appendingPathComponent("ringfence.db").path
        do {
            let s = try Screener.open(dbPath: path, homeRegion: "KR")
            _ = try s.addRule(list: .block, pattern: "+8210*")
            // A second screener on the file (a screening service in another process, say)
            // sees the call out at once.
            let other = try Screener.open(dbPath: path, homeRegion: "KR")
            try checkEq(try other.screen(callerId: "010-5555-0101", at: t0 + 300).action, .block, "other, before the call out")
            try check(try s.recordOutgoing(number: "112", at: t0).emergency, "112 is an emergency number")
            try checkEq(try other.screen(callerId: "010-5555-0101", at: t0 + 300).reasons, [.emergencyCallback], "other, in the window")
        } // both closed here (last references dropped)
        let s = try Screener.open(dbPath: path, homeRegion: "KR")
        try checkEq(try s.screen(callerId: "010-5555-0101", at: t0 + 300).reasons, [.emergencyCallback], "reopened, in the window")
        try checkEq(try s.screen(callerId: "010-5555-0101", at: t0 + 3600).action, .block, "reopened, after the window")
    }

    Harness.scenario("other regions' emergency numbers (short-number data) ring and cannot be blocked") {
        let s = try Screener.openInMemory(homeRegion: "CH")
        let e = try expectError("block 117", { _ = try s.addRule(list: .block, pattern: "117") }) {
            if case .EmergencyNumber = $0 { return true } else { return false }
        }
        guard case let .EmergencyNumber(number) = e else { throw CheckFailed(description: "got \(e)") }
        try checkEq(number, "+41117", "number")
        _ = try expectError("report 117", { _ = try s.reportSpam(number: "117", category: .scam) }) {
            if case .EmergencyNumber = $0 { return true } else { return false }
        }
        _ = try s.addRule(list: .block, pattern: "+41*", label: "everything in Switzerland")
        let d = try s.screen(callerId: "117", at: t0)
        try checkEq(d.action, .allow, "action")
        try checkEq(d.category, .emergency, "category")
        try checkEq(d.reasons, [.emergency], "reasons")
        try checkEq(d.e164, "+41117", "e164")
        try checkEq(try s.rules(list: .block).map(\.pattern), ["+41*"], "rules")
        for (home, number, e164) in [("NO", "113", "+47113"), ("AT", "144", "+43144"), ("ZA", "10111", "+2710111")] {
            let other = try Screener.openInMemory(homeRegion: home)
            let e = try expectError("\(home): block \(number)", { _ = try other.addRule(list: .block, pattern: number) }) {
                if case .EmergencyNumber = $0 { return true } else { return false }
            }
            guard case let .EmergencyNumber(got) = e else { throw CheckFailed(description: "got \(e)") }
            try checkEq(got, e164, "\(home) \(number): error's number")
            let d = try other.screen(callerId: number, at: t0)
            try checkEq(d.action, .allow, "\(home) \(number): action")
            try checkEq(d.reasons, [.emergency], "\(home) \(number): reasons")
        }
    }
}
