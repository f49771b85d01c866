// Disputes against the real ringfence-server (scripts/test-bindings.sh starts it and names
// it in RINGFENCE_TEST_SERVER_URL): five devices list a number, a phone blocks it; the
// phone's user disputes it (Screener.dispute), then the owner on the API (java.net): the
// same dispute; after its next sync the phone only warns, and the Decision says why:
// reasons COMMUNITY and DISPUTED, a label that says "disputed". The same scenario as
// tests/swift/DisputeTests.swift, on a number of its own.
package dev.ringfence.tests

import dev.ringfence.*
import java.io.File
import java.net.HttpURLConnection
import java.net.URI

private const val DISPUTED = "010-5555-0131"

/** POSTs JSON; returns (status, body). */
private fun postJson(url: String, json: String): Pair<Int, String> {
    val c = URI(url).toURL().openConnection() as HttpURLConnection
    c.requestMethod = "POST"
    c.doOutput = true
    c.setRequestProperty("Content-Type", "application/json")
    c.outputStream.use { it.write(json.toByteArray()) }
    val status = c.responseCode
    val body = (if (status < 400) c.inputStream else c.errorStream)?.use { String(it.readBytes()) } ?: ""
    return status to body
}

/** Syncs until screening the number gives `want`. */
private fun syncUntil(d: Screener, url: String, want: Action): Decision {
    val deadline = System.nanoTime() + 20_000_000_000
    while (true) {
        d.sync(config(url), http)
        val decision = d.screen(DISPUTED)
        if (decision.action == want) return decision
        check(System.nanoTime() < deadline) { "never $want within 20 s: $decision" }
        Thread.sleep(200)
    }
}

fun disputeTests() {
    val url = System.getenv("RINGFENCE_TEST_SERVER_URL")
    Harness.scenario("a disputed number: the phone warns instead of blocking, and the Decision says it is disputed") {
        if (url == null) throw CheckFailed("RINGFENCE_TEST_SERVER_URL is not set: run scripts/test-bindings.sh")
        val dir = TempDirs.make()
        for (i in 0 until 5) {
            Screener.open(File(dir, "reporter$i.db").path, "KR").use { d ->
                d.reportSpam(DISPUTED, Category.SCAM)
                checkEq(d.sync(config(url), http).uploaded, 1UL, "reporter $i uploaded")
            }
        }
        Screener.open(File(dir, "phone.db").path, "KR").use { phone ->
            val blocked = syncUntil(phone, url, Action.BLOCK)
            checkEq(blocked.reasons, listOf(Reason.COMMUNITY), "reasons before the dispute")
            // The user disputes it from the phone (Screener.dispute, over the app's transport).
            val filed = phone.dispute(DISPUTED, "our clinic's call-back line", null, config(url), http)
            checkEq(filed.state, "open", "state")
            check(filed.held && filed.number == "+821055550131" && filed.id.length == 10) { "filed: $filed" }
            // The owner disputes it on the server's API (the app's own HTTP): the same dispute.
            val (status, body) = postJson(
                "$url/v1/disputes",
                """{"number": "+821055550131", "role": "owner", "contact": "kotlin@example.org", "reason": "our line"}""",
            )
            checkEq(status, 200, "the open dispute: $body")
            check(body.contains("\"id\":\"${filed.id}\"")) { "the same id: $body" }
            val held = syncUntil(phone, url, Action.WARN)
            checkEq(held.reasons, listOf(Reason.COMMUNITY, Reason.DISPUTED), "reasons")
            checkEq(held.category, Category.SCAM, "category")
            check(held.label?.contains("disputed") == true) { "label: ${held.label}" }
            checkEq(Reason.DISPUTED.code(), "disputed", "the reason's code")
        }
    }
}
