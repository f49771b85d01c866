// The adversarial corpus (tests/fixtures/adversarial/inputs.txt, also run through the core
// by core/tests/adversarial.rs) through the generated Swift: every input through screen,
// addRule (block and allow), reportSpam (as the number and as the comment) and normalize.
// Each call gives a result or a RingfenceError it may throw for bad input (never
// Internal, never an untyped error), and the screener still works afterwards. The same
// scenarios as tests/kotlin/AdversarialTests.kt. The directory holding inputs.txt comes in
// RINGFENCE_TEST_DATA (scripts/test-bindings.sh copies it in with swift-run.sh --data).
//
// Decoding works on Unicode scalars, not Characters: Swift's String compares and splits
// by grapheme cluster ("\r\n" is one Character, a combining mark joins the space before
// it), and the file's format is defined on code points.
import Foundation
import Ringfence

struct CorpusInput {
    let line: Int
    let text: String
}

private func scalars(_ s: String) -> [Unicode.Scalar] { Array(s.unicodeScalars) }

/// The file's escapes: \\ \n \r \t \u{HEX}; every other scalar stands for itself.
private func unescape(_ s: ArraySlice<Unicode.Scalar>, line: Int) throws -> String {
    var out = String.UnicodeScalarView()
    var i = s.startIndex
    while i < s.endIndex {
        let c = s[i]
        i += 1
        if c != "\\" {
            out.append(c)
            continue
        }
        guard i < s.endIndex else { throw CheckFailed(description: "line \(line): a lone backslash at the end") }
        let e = s[i]
        i += 1
        switch e {
        case "\\": out.append("\\")
        case "n": out.append("\n")
        case "r": out.append("\r")
        case "t": out.append("\t")
        case "u":
            guard i < s.endIndex, s[i] == "{", let close = s[i...].firstIndex(of: "}") else {
                throw CheckFailed(description: "line \(line): \\u without {...}")
            }
            let hex = String(String.UnicodeScalarView(s[(i + 1)..<close]))
            guard let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) else {
                throw CheckFailed(description: "line \(line): bad \\u{\(hex)}")
            }
            out.append(scalar)
            i = close + 1
        default:
            throw CheckFailed(description: "line \(line): unknown escape \\\(e)")
        }
    }
    return String(out)
}

/// Reads the corpus as core/tests/adversarial.rs does: lines split at \n (a \r before it
/// dropped), `=` / `= TEXT` / `* N TEXT`, comments and blank lines skipped.
func readCorpus(_ path: String) throws -> [CorpusInput] {
    guard let data = FileManager.default.contents(atPath: path) else { throw CheckFailed(description: "cannot read \(path)") }
    var out: [CorpusInput] = []
    let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    for (index, bytes) in lines.enumerated() {
        let line = index + 1
        guard let decoded = String(bytes: bytes, encoding: .utf8) else { throw CheckFailed(description: "line \(line): not UTF-8") }
        var raw = scalars(decoded)
        if raw.last == "\r" { raw.removeLast() }
        if raw.isEmpty || raw[0] == "#" { continue }
        if raw == ["="] {
            out.append(CorpusInput(line: line, text: ""))
        } else if raw.count >= 2 && raw[0] == "=" && raw[1] == " " {
            out.append(CorpusInput(line: line, text: try unescape(raw[2...], line: line)))
        } else if raw.count >= 2 && raw[0] == "*" && raw[1] == " " {
            guard let space = raw[2...].firstIndex(of: " "),
                  let n = Int(String(String.UnicodeScalarView(raw[2..<space]))) else {
                throw CheckFailed(description: "line \(line): not `* N TEXT`")
            }
            out.append(CorpusInput(line: line, text: String(repeating: try unescape(raw[(space + 1)...], line: line), count: n)))
        } else {
            throw CheckFailed(description: "line \(line): not `= TEXT`, `* N TEXT`, a comment or blank")
        }
    }
    return out
}

/// The name of a RingfenceError's case ("InvalidPattern"): the label of its payload (every
/// case has one). Not from "\(e)", which is the engine's message.
private func caseName(_ e: RingfenceError) -> String {
    Mirror(reflecting: e).children.first?.label ?? "?"
}

/// What one call did with every input: how many gave a result, how many each error case,
/// and what went wrong (an error it may not throw, an untyped error, a broken check).
private final class Door {
    let name: String
    var inputs = 0
    var results = 0
    var errors: [String: Int] = [:]
    var failures: [String] = []

    init(_ name: String) { self.name = name }

    func summary() -> String {
        "\(name): \(inputs) inputs, \(results) results"
            + errors.keys.sorted().map { ", \(errors[$0]!) \($0)" }.joined()
            + (failures.isEmpty ? "" : ", \(failures.count) FAILED")
    }

    /// Runs `body` for one input; `allowed` are the error cases this call may throw.
    func run<T>(_ what: String, _ allowed: [String] = [], _ body: () throws -> T) -> T? {
        inputs += 1
        do {
            let r = try body()
            results += 1
            return r
        } catch let e as RingfenceError {
            let name = caseName(e)
            if name != "Internal" && allowed.contains(name) {
                errors[name, default: 0] += 1
            } else {
                failures.append("\(what): \(name): \(e)")
            }
        } catch {
            failures.append("\(what): untyped \(type(of: error)): \(String(describing: error).prefix(200))")
        }
        return nil
    }

    func fail(_ what: String) { failures.append(what) }
}

private func short(_ s: String) -> String {
    let u = Array(s.unicodeScalars)
    var out = "\""
    for c in u.prefix(40) {
        if c.value < 0x20 || (0x7F...0x9F).contains(c.value) {
            out += "\\u{\(String(c.value, radix: 16, uppercase: true))}"
        } else {
            out.unicodeScalars.append(c)
        }
    }
    out += "\""
    return u.count > 40 ? "\(out)... (\(u.count) scalars)" : out
}

private func boundedLabel(_ l: String?, _ max: Int) -> Bool {
    guard let l else { return true }
    return l.unicodeScalars.count <= max && !l.unicodeScalars.contains { $0.properties.generalCategory == .control }
}

func adversarialTests() {
    let data = ProcessInfo.processInfo.environment["RINGFENCE_TEST_DATA"]
    var corpus: [CorpusInput] = []
    Harness.scenario("the adversarial corpus decodes (empty, NUL, 1 MB, RTL, SQL and CSV injection, 1-40 digits)") {
        guard let data else { throw CheckFailed(description: "RINGFENCE_TEST_DATA is not set (run scripts/test-bindings.sh)") }
        let file = data + "/inputs.txt"
        corpus = try readCorpus(file)
        try check(corpus.count >= 400, "\(corpus.count) inputs")
        // Compared as scalars: String's == would equate canonically equivalent inputs.
        let texts = corpus.map { scalars($0.text) }
        try check(texts.contains([]), "no empty input")
        try check(texts.contains { $0.count >= 1 << 20 }, "no 1 MB input")
        try check(texts.contains { $0.contains("\u{0}") }, "no NUL")
        try check(texts.contains { $0.contains("\u{202E}") }, "no RTL override")
        try check(texts.contains(scalars("'; DROP TABLE rules; --")), "no SQL injection")
        try check(texts.contains(scalars("=cmd|' /C calc'!A0")), "no CSV injection")
        try check(texts.contains { $0.contains { $0.value > 0xFFFF } }, "no astral-plane character")
        for n in 1...40 {
            try check(texts.contains { $0.count == n && $0.allSatisfy { ("0"..."9").contains($0) } }, "no \(n)-digit input")
        }
        print("    adversarial (swift): \(corpus.count) inputs from \(file)")
    }

    let screen = Door("screen")
    let block = Door("addRule(BLOCK)")
    let allow = Door("addRule(ALLOW)")
    let report = Door("reportSpam(number)")
    let comment = Door("reportSpam(comment)")
    let normalizeDoor = Door("normalize")
    let doors = [screen, block, allow, report, comment, normalizeDoor]
    var reports = 1
    guard let dir = try? TempDirs.make() else {
        Harness.scenario("a temp directory for the adversarial scenarios") { throw CheckFailed(description: "none") }
        return
    }
    let dbPath = dir.appendingPathComponent("adversarial.db").path
    var screener: Screener? = nil

    Harness.scenario("every adversarial input through screen, addRule, reportSpam and normalize") {
        guard !corpus.isEmpty else { throw CheckFailed(description: "no corpus") }
        let s = try Screener.open(dbPath: dbPath, homeRegion: "KR")
        screener = s
        // The user's own data, which nothing below may disturb.
        _ = try s.addRule(list: .block, pattern: "+8270*", label: "VoIP spam")
        _ = try s.addRule(list: .block, pattern: "1588*")
        _ = try s.addRule(list: .allow, pattern: "010-1234-5678", label: "Mum")
        _ = try s.reportSpam(number: "02-3456-7890", category: .scam)
        let own: [String: String?] = ["+8270*": "VoIP spam", "+821588*": nil, "+821012345678": "Mum"]
        let started = Date()
        for input in corpus {
            let text = input.text
            let what = "line \(input.line): \(short(text))"
            let n = normalizeDoor.run("\(what): normalize") { () throws -> NormalizedNumber in
                let mine = try s.normalize(raw: text)
                let top = try normalize(raw: text, homeRegion: "KR")
                if mine != top { normalizeDoor.fail("\(what): Screener.normalize \(mine) != normalize \(top)") }
                return mine
            }
            _ = screen.run("\(what): screen") { () throws -> Decision in
                let d = try s.screen(callerId: text)
                if n?.numberType == .emergency && d.action != .allow { screen.fail("\(what): emergency not allowed: \(d)") }
                // Garbage and hidden callers are labelled at most, never blocked.
                if d.e164 == nil && d.action != .allow && d.action != .warn { screen.fail("\(what): no number, yet \(d)") }
                return d
            }
            for (door, list) in [(block, RuleList.block), (allow, RuleList.allow)] {
                let errors = list == .block ? ["InvalidPattern", "EmergencyNumber"] : ["InvalidPattern"]
                guard let added = door.run("\(what): addRule", errors, { try s.addRule(list: list, pattern: text, label: text) }) else { continue }
                if !boundedLabel(added.rule.label, 100) { door.fail("\(what): label \(added.rule.label.map(short) ?? "nil")") }
                do {
                    if added.isNew {
                        if !(try s.removeRule(list: list, pattern: text)) { door.fail("\(what): not removed again") }
                    } else {
                        // One of the user's own rules in another form: put its label back.
                        _ = try s.addRule(list: list, pattern: added.rule.pattern, label: own[added.rule.pattern] ?? nil)
                    }
                } catch {
                    door.fail("\(what): removing it again: \(error)")
                }
            }
            _ = report.run("\(what): reportSpam", ["InvalidNumber", "EmergencyNumber"]) { () throws -> Report in
                let r = try s.reportSpam(number: text, category: .scam, comment: text)
                reports += 1
                if !boundedLabel(r.comment, 500) { report.fail("\(what): comment \(r.comment.map(short) ?? "nil")") }
                return r
            }
            _ = comment.run("\(what): comment") { () throws -> Report in
                let r = try s.reportSpam(number: "+1 212 555 0142", category: .robocall, comment: text)
                reports += 1
                return r
            }
        }
        let seconds = Date().timeIntervalSince(started)
        for door in doors { print("    adversarial (swift) \(door.summary())") }
        print("    adversarial (swift): \(corpus.count) inputs x 6 calls in \(String(format: "%.1f", seconds)) s")
        for door in doors { try checkEq(door.inputs, corpus.count, "\(door.name): inputs") }
        let failures = doors.flatMap(\.failures)
        try check(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(5).joined(separator: "; "))")
    }

    func checkLists(_ s: Screener, _ at: String) throws {
        let d = try s.screen(callerId: "+82 70 9876 5432")
        try checkEq(d.action, .block, "\(at): the known rule blocks")
        try checkEq(d.label, "VoIP spam", "\(at): its label")
        try checkEq(d.reasons, [.blockList], "\(at): reasons")
        try checkEq(try s.screen(callerId: "1588-0000").action, .block, "\(at): the 1588 rule")
        try checkEq(try s.screen(callerId: "112").action, .allow, "\(at): emergency")
        try checkEq(try s.screen(callerId: "010-1234-5678").reasons, [.allowList], "\(at): the allow rule")
        try checkEq(try s.rules(list: .block).map { "\($0.pattern) \($0.label ?? "-")" }, ["+8270* VoIP spam", "+821588* -"], "\(at): block list")
        try checkEq(try s.rules(list: .allow).map { "\($0.pattern) \($0.label ?? "-")" }, ["+821012345678 Mum"], "\(at): allow list")
        try checkEq(try s.pendingReportCount(), UInt64(reports), "\(at): reports in the outbox")
    }

    Harness.scenario("after the corpus the screener still works and the user's lists are as they were") {
        guard let s = screener else { throw CheckFailed(description: "no screener") }
        try checkLists(s, "same screener")
    }
    screener = nil
    Harness.scenario("the corpus's database reopens with the user's lists as they were") {
        try checkLists(try Screener.open(dbPath: dbPath, homeRegion: "KR"), "reopened")
    }
}
