import Foundation
import Ringfence

func numberTests() {
    Harness.scenario("KR 1588-1234 with home KR is a national-only KR number") {
        let n = try normalize(raw: "1588-1234", homeRegion: "KR")
        try checkEq(n.e164, "+8215881234", "e164")
        try checkEq(n.region, "KR", "region")
        try checkEq(n.countryCode, 82, "countryCode")
        try check(n.nationalOnly, "nationalOnly should be true: \(n)")
        try check(n.traits.representative, "representative should be true: \(n)")
        try check(!n.hidden, "hidden should be false")
        try checkEq(n.malformed, nil, "malformed")
    }

    Harness.scenario("+82 10 1234 5678 with home US is +821012345678, mobile") {
        let n = try normalize(raw: "+82 10 1234 5678", homeRegion: "US")
        try checkEq(n.e164, "+821012345678", "e164")
        try checkEq(n.numberType, .mobile, "numberType")
        try checkEq(n.region, "KR", "region")
        try check(n.valid, "valid should be true: \(n)")
        try check(!n.nationalOnly, "nationalOnly should be false: \(n)")
        try checkEq(n.formatted, "+82 10-1234-5678", "formatted")
    }

    Harness.scenario("112 is emergency") {
        let n = try normalize(raw: "112", homeRegion: "KR")
        try checkEq(n.numberType, .emergency, "numberType")
        try check(n.traits.emergency, "traits.emergency should be true: \(n)")
        try check(n.e164 != nil, "an emergency number still has a key")
    }

    Harness.scenario("hidden and malformed caller IDs are values, not errors") {
        let hidden = try normalize(raw: "anonymous", homeRegion: "KR")
        try check(hidden.hidden, "anonymous should be hidden: \(hidden)")
        try checkEq(hidden.e164, nil, "hidden e164")
        let bad = try normalize(raw: "call me maybe", homeRegion: "KR")
        try checkEq(bad.malformed, .badCharacters, "malformed")
        try checkEq(bad.e164, nil, "malformed e164")
    }

    Harness.scenario("an unknown region throws RingfenceError.UnknownRegion") {
        do {
            _ = try normalize(raw: "010-1234-5678", homeRegion: "ZZ")
            throw CheckFailed(description: "nothing was thrown")
        } catch let RingfenceError.UnknownRegion(region) {
            try checkEq(region, "ZZ", "region")
        }
        // Rust's Display text is the error's description.
        do {
            _ = try normalize(raw: "010-1234-5678", homeRegion: "Mars")
            throw CheckFailed(description: "nothing was thrown")
        } catch let e as RingfenceError {
            try check("\(e)".hasPrefix("unknown region \"Mars\""), "description: \(e)")
            try check(e.localizedDescription.hasPrefix("unknown region"), "localizedDescription: \(e.localizedDescription)")
        }
    }

    Harness.scenario("two threads normalising at once get the same answers as one") {
        let inputs: [(String, String, String)] = [
            ("1588-1234", "KR", "+8215881234"),
            ("+82 10 1234 5678", "US", "+821012345678"),
            ("010-1234-5678", "KR", "+821012345678"),
            ("(202) 555-0143", "US", "+12025550143"),
            ("tel:+1-800-555-0199", "KR", "+18005550199"),
        ]
        let lock = NSLock()
        var failures: [String] = []
        DispatchQueue.concurrentPerform(iterations: 2) { t in
            for i in 0..<2000 {
                let (raw, home, want) = inputs[(i + t) % inputs.count]
                let got: String?
                do { got = try normalize(raw: raw, homeRegion: home).e164 } catch { got = "error \(error)" }
                if got != want {
                    lock.lock(); failures.append("thread \(t): \(raw)/\(home) gave \(String(describing: got)), want \(want)"); lock.unlock()
                    return
                }
            }
        }
        try check(failures.isEmpty, failures.joined(separator: "; "))
    }

    Harness.scenario("ringfenceVersion is the crate version") {
        let v = ringfenceVersion()
        try check(v.split(separator: ".").count >= 3, v)
    }
}
