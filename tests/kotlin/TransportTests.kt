// The sync through transports that misbehave: one that fails, one that never answers,
// one that returns garbage, one that streams without end; and the built-in transport.
// Against the real ringfence-server (SyncTests.kt starts these scenarios).
package dev.ringfence.tests

import dev.ringfence.*

private const val REPORTED = "010-5555-0113"

internal fun transportScenarios(server: TestServer, device: (String) -> Screener) {
    Harness.scenario("a transport that fails, or throws, raises ServerUnreachable with its reason; the outbox and data stay") {
        device("t-fail").use { d ->
            d.reportSpam(REPORTED, Category.SCAM)
            val e = expectThrows<RingfenceException.ServerUnreachable> { d.sync(config(server.url), FailingTransport("no route to host (test)")) }
            check(e.reason.contains("no route to host (test)")) { "reason: ${e.reason}" }
            val thrown = expectThrows<RingfenceException.ServerUnreachable> { d.sync(config(server.url), ThrowingTransport()) }
            check(thrown.reason.contains("socket closed (test)")) { "reason: ${thrown.reason}" }
            expectThrows<RingfenceException.ServerUnreachable> { d.lookupOnline(REPORTED, config(server.url), FailingTransport("offline")) }
            checkEq(d.pendingReportCount(), 1UL, "the report stays in the outbox")
            checkEq(d.syncState().version, 0UL, "version")
        }
    }

    Harness.scenario("a transport that never answers: sync and lookupOnline still end by their deadline with TimedOut") {
        val silent = SilentTransport()
        try {
            device("t-silent").use { d ->
                val short = config(server.url).copy(timeoutMs = 1_500u, requestTimeoutMs = 1_500u, attempts = 1u)
                val e = expectThrows<RingfenceException.TimedOut> { d.sync(short, silent) }
                check(e.url.startsWith(server.url)) { "url: ${e.url}" }
                expectThrows<RingfenceException.TimedOut> { d.lookupOnline(REPORTED, short, silent) }
                check(silent.arrived.get() >= 2) { "the transport was asked ${silent.arrived.get()} times" }
                checkEq(d.syncState().version, 0UL, "version")
            }
        } finally {
            silent.release.countDown()
        }
    }

    Harness.scenario("a transport that returns garbage: BadResponse, nothing applied; an endless body is stopped by the sink") {
        device("t-garbage").use { d ->
            val e = expectThrows<RingfenceException.BadResponse> { d.sync(config(server.url), GarbageTransport(12)) }
            check(e.what.contains("manifest")) { "what: ${e.what}" }
            val endless = EndlessTransport()
            val big = expectThrows<RingfenceException.PayloadTooLarge> { d.sync(config(server.url).copy(attempts = 1u), endless) }
            check(big.what.contains("manifest")) { "what: ${big.what}" }
            checkEq(endless.stopped.get(), 1, "the sink told the transport to stop")
            checkEq(d.syncState(), SyncState(0UL, null, null), "sync state")
            // The same device syncs through a working transport afterwards.
            check(d.sync(config(server.url), http).toVersion >= 1UL) { "no sync after the garbage" }
        }
    }

    Harness.scenario("the built-in transport (builtinTransport(), feature builtin-http) syncs too") {
        device("t-builtin").use { d ->
            val s = d.sync(config(server.url), builtinTransport())
            check(s.toVersion >= 1UL && s.upserted >= 1UL) { "summary: $s" }
            checkEq(d.screen(LISTED_BY_SYNC_TESTS).action, Action.WARN, "the listed number")
        }
    }
}
