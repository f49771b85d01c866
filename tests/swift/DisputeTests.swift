// Disputes against the real ringfence-server (scripts/test-bindings.sh starts it and names
// it in RINGFENCE_TEST_SERVER_URL): five devices list a number, a phone blocks it; the
// phone's user disputes it (Screener.dispute), then the owner on the API (URLSession): the
// same dispute; after its next sync the phone only warns, and the Decision says why:
// reasons community and disputed, a label that says "disputed". The same scenario as
// tests/kotlin/DisputeTests.kt, on a number of its own.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking  // URLSession on Linux
#endif
import Ringfence

private let disputed = "010-5555-0231"

/// POSTs JSON, waiting on this thread; returns (status, body).
private func postJson(_ url: String, _ json: String) throws -> (Int, String) {
    final class Answer: @unchecked Sendable { var data: Data?; var status = 0; var error: Error? }
    guard let u = URL(string: url) else { throw CheckFailed(description: "bad URL \(url)") }
    var request = URLRequest(url: u)
    request.httpMethod = "POST"
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    request.httpBody = Data(json.utf8)
    let answer = Answer()
    let done = DispatchSemaphore(value: 0)
    URLSession.shared.dataTask(with: request) { data, response, error in
        answer.data = data
        answer.status = (response as? HTTPURLResponse)?.statusCode ?? 0
        answer.error = error
        done.signal()
    }.resume()
    done.wait()
    if let e = answer.error { throw e }
    return (answer.status, String(decoding: answer.data ?? Data(), as: UTF8.self))
}

/// Syncs until screening the number gives `want`.
private func syncUntil(_ d: Screener, _ url: String, _ want: Action) throws -> Decision {
    let deadline = DispatchTime.now().uptimeNanoseconds + 20_000_000_000
    while true {
        _ = try d.sync(config: config(url), transport: http)
        let decision = try d.screen(callerId: disputed)
        if decision.action == want { return decision }
        guard DispatchTime.now().uptimeNanoseconds < deadline else {
            throw CheckFailed(description: "never \(want) within 20 s: \(decision)")
        }
        usleep(200_000)
    }
}

func disputeTests() {
    let url = ProcessInfo.processInfo.environment["RINGFENCE_TEST_SERVER_URL"]
    Harness.scenario("a disputed number: the phone warns instead of blocking, and the Decision says it is disputed") {
        guard let url = url else {
            throw CheckFailed(description: "RINGFENCE_TEST_SERVER_URL is not set: run scripts/test-bindings.sh")
        }
        let dir = try TempDirs.make()
        for i in 0..<5 {
            let d = try Screener.open(dbPath: dir.appendingPathComponent("reporter\(i).db").path, homeRegion: "KR")
            _ = try d.reportSpam(number: disputed, category: .scam)
            try checkEq(try d.sync(config: config(url), transport: http).uploaded, 1, "reporter \(i) uploaded")
        }
        let phone = try Screener.open(dbPath: dir.appendingPathComponent("phone.db").path, homeRegion: "KR")
        let blocked = try syncUntil(phone, url, .block)
        try checkEq(blocked.reasons, [.community], "reasons before the dispute")
        // The user disputes it from the phone (Screener.dispute, over the app's transport).
        let filed = try phone.dispute(
            number: disputed, reason: "our clinic's call-back line", contact: nil, config: config(url), transport: http)
        try checkEq(filed.state, "open", "state")
        try check(filed.held && filed.number == "+821055550231" && filed.id.count == 10, "filed: \(filed)")
        // The owner disputes it on the server's API (the app's own HTTP): the same dispute.
        let (status, body) = try postJson(
            "\(url)/v1/disputes",
            #"{"number": "+821055550231", "role": "owner", "contact": "swift@example.org", "reason": "our line"}"#)
        try checkEq(status, 200, "the open dispute: \(body)")
        try check(body.contains("\"id\":\"\(filed.id)\""), "the same id: \(body)")
        let held = try syncUntil(phone, url, .warn)
        try checkEq(held.reasons, [.community, .disputed], "reasons")
        try checkEq(held.category, .scam, "category")
        try check(held.label?.contains("disputed") == true, "label: \(String(describing: held.label))")
        try checkEq(Reason.disputed.code(), "disputed", "the reason's code")
    }
}
