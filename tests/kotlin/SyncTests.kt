// Screener.sync and Screener.lookupOnline against the real ringfence-server, through the
// app's own HTTP stack (JavaHttpTransport, tests/kotlin/Transports.kt), which
// scripts/test-bindings.sh starts on 127.0.0.1 and names in RINGFENCE_TEST_SERVER_URL and
// RINGFENCE_TEST_SERVER_KEY (plus RINGFENCE_TEST_OTHER_KEY, a valid key of another server,
// and RINGFENCE_TEST_CLOSED_URL, a port nothing listens on). The same scenarios as
// tests/swift/SyncTests.swift, on numbers of their own (both languages share the server).
package dev.ringfence.tests

import dev.ringfence.*
import java.io.File
import java.util.Collections
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.atomic.AtomicReference
import kotlin.concurrent.thread

internal const val LISTED_BY_SYNC_TESTS = "010-5555-0111"
private const val LISTED = LISTED_BY_SYNC_TESTS
private const val UNLISTED = "010-5555-0112"

internal class TestServer(val url: String, val key: String, val otherKey: String, val closedUrl: String)

private fun testServer(): TestServer? {
    val env = System.getenv()
    return TestServer(
        env["RINGFENCE_TEST_SERVER_URL"] ?: return null,
        env["RINGFENCE_TEST_SERVER_KEY"] ?: return null,
        env["RINGFENCE_TEST_OTHER_KEY"] ?: return null,
        env["RINGFENCE_TEST_CLOSED_URL"] ?: return null,
    )
}

/** Quick retries, so a failure shows quickly. */
internal fun config(url: String, key: String? = null) =
    SyncConfig(serverUrl = url, key = key, timeoutMs = 60_000u, requestTimeoutMs = 10_000u, attempts = 2u, backoffMs = 100u)

/** The app's HTTP stack, shared by the scenarios (as an app shares its client). */
internal val http = JavaHttpTransport()

/** Every progress event, and the threads it arrived on. */
private class Recorder : SyncListener {
    val events: MutableList<SyncProgress> = Collections.synchronizedList(mutableListOf())
    val threads: MutableSet<Thread> = Collections.synchronizedSet(mutableSetOf())
    override fun onProgress(progress: SyncProgress) {
        events += progress
        threads += Thread.currentThread()
    }
}

fun syncTests() {
    val server = testServer()
    if (server == null) {
        Harness.scenario("sync and lookupOnline against ringfence-server") {
            throw CheckFailed("RINGFENCE_TEST_SERVER_URL/_KEY/_OTHER_KEY/_CLOSED_URL are not set: run scripts/test-bindings.sh, which starts the server")
        }
        return
    }
    val dir = TempDirs.make()
    fun device(name: String) = Screener.open(File(dir, "$name.db").path, "KR")
    // The fourth device: synced in the first scenario, refused a wrong key in the third.
    val fourth = device("fourth")
    try {
        syncScenarios(server, ::device, fourth)
        transportScenarios(server, ::device)
        cancelScenarios(server, ::device)
    } finally {
        fourth.close()
    }
}

private fun syncScenarios(server: TestServer, device: (String) -> Screener, fourth: Screener) {
    Harness.scenario("three devices report a number and sync; a fourth device's sync warns of it with the voted category, with progress") {
        listOf(Category.TELEMARKETING, Category.TELEMARKETING, Category.SCAM).forEachIndexed { i, category ->
            device("reporter$i").use { d ->
                d.reportSpam(LISTED, category)
                checkEq(d.pendingReportCount(), 1UL, "reporter $i outbox before")
                val s = d.sync(config(server.url), http)
                checkEq(s.uploaded, 1UL, "reporter $i uploaded")
                checkEq(s.rejected, 0UL, "reporter $i rejected")
                checkEq(s.pinnedKey, server.key, "reporter $i pinned the server's key on first use")
                checkEq(d.pendingReportCount(), 0UL, "reporter $i outbox after")
            }
        }
        checkEq(fourth.screen(LISTED).action, Action.ALLOW, "before the fourth device syncs")
        val recorder = Recorder()
        // The server publishes every 0.2 s: sync until the listing has arrived.
        val deadline = System.nanoTime() + 20_000_000_000
        var summary: SyncSummary
        while (true) {
            summary = fourth.sync(config(server.url), http, recorder)
            if (fourth.screen(LISTED).action != Action.ALLOW) break
            check(System.nanoTime() < deadline) { "not listed within 20 s: $summary" }
            Thread.sleep(200)
        }
        val d = fourth.screen(LISTED)
        checkEq(d.action, Action.WARN, "action (3 votes: over the warn threshold, under block)")
        checkEq(d.category, Category.TELEMARKETING, "the voted category (2 of 3)")
        checkEq(d.reasons, listOf(Reason.COMMUNITY), "reasons")
        checkEq(Math.round(d.score!!), 3L, "score")
        check(summary.toVersion >= 1UL && summary.upserted >= 1UL && summary.bytesDownloaded > 0UL) { "summary: $summary" }
        val state = fourth.syncState()
        checkEq(state.version, summary.toVersion, "syncState().version")
        checkEq(state.pinnedKey, server.key, "syncState().pinnedKey")
        check(state.lastSyncAt != null) { "syncState().lastSyncAt" }
        check(recorder.events.any { it is SyncProgress.Downloading && it.what == "the manifest" }) { "no manifest progress: ${recorder.events}" }
        check(recorder.events.any { it is SyncProgress.Downloading && (it.what.startsWith("delta ") || it.what.startsWith("snapshot ")) }) {
            "no file downloaded: ${recorder.events}"
        }
        check(recorder.events.any { it is SyncProgress.Applying }) { "no Applying: ${recorder.events}" }
        checkEq(recorder.threads.toSet(), setOf(Thread.currentThread()), "threads the listener was called on")
        check(http.requests.get() >= 8) { "the syncs went through the app's transport: ${http.requests.get()} requests" }
    }

    Harness.scenario("lookupOnline finds the listed number and returns null for an unlisted one, storing nothing") {
        val quick = config(server.url).copy(timeoutMs = 2_000u, requestTimeoutMs = 2_000u)
        device("looker").use { d ->
            val e = d.lookupOnline(LISTED, quick, http) ?: throw CheckFailed("the listed number was not found")
            checkEq(e.category, Category.TELEMARKETING, "category")
            checkEq(Math.round(e.votes), 3L, "votes")
            checkEq(d.lookupOnline(UNLISTED, quick, http), null, "an unlisted number")
            checkEq(d.screen(LISTED).action, Action.ALLOW, "a lookup stores no evidence")
            checkEq(d.syncState().version, 0UL, "a lookup is not a sync")
            expectThrows<RingfenceException.InvalidNumber> { d.lookupOnline("call me maybe", quick, http) }
        }
        checkEq(fourth.lookupOnline(LISTED, quick, http)?.category, Category.TELEMARKETING, "after a sync too")
    }

    Harness.scenario("applyCommunityFiles applies files the app downloaded itself; tampered, foreign or out-of-order files change nothing") {
        val files = downloadCommunityFiles(server.url)
        check(files.size >= 1) { "no files published" }
        device("own-http").use { d ->
            val at = System.currentTimeMillis() / 1000
            val tampered = files.map { it.copyOf() }.also { it[0][it[0].size / 2] = (it[0][it[0].size / 2].toInt() xor 1).toByte() }
            val e = expectThrows<RingfenceException.BadPayload> { d.applyCommunityFiles(server.key, tampered) }
            check(e.toString().contains("file 1")) { "names the file: $e" }
            expectThrows<RingfenceException.BadPayload> { d.applyCommunityFiles(server.otherKey, files) }
            expectThrows<RingfenceException.BadKey> { d.applyCommunityFiles("not a key", files) }
            if (files.size > 1) expectThrows<RingfenceException.BadResponse> { d.applyCommunityFiles(server.key, files.drop(1)) }
            checkEq(d.syncState().version, 0UL, "nothing applied")
            checkEq(d.screen(LISTED, at = at).action, Action.ALLOW, "nothing applied")
            val s = d.applyCommunityFiles(server.key, files)
            check(s.snapshot && s.toVersion >= 1UL && s.upserted >= 1UL) { "summary: $s" }
            checkEq(s.deltas, (files.size - 1).toULong(), "deltas")
            checkEq(s.bytesDownloaded, files.sumOf { it.size }.toULong(), "bytes")
            checkEq(s.pinnedKey, server.key, "pinned on first use")
            checkEq(d.syncState().version, s.toVersion, "syncState().version")
            val decision = d.screen(LISTED, at = at)
            checkEq(decision.action, Action.WARN, "the listed number")
            checkEq(decision.category, Category.TELEMARKETING, "category")
            // The app's files and the library's own sync take turns.
            checkEq(d.sync(config(server.url), http).fromVersion, s.toVersion, "a later sync goes on from there")
        }
    }

    Harness.scenario("a wrong pinned key raises KeyChanged and a malformed one BadKey; the device's data is unchanged") {
        val at = System.currentTimeMillis() / 1000
        val before = fourth.syncState()
        val decision = fourth.screen(LISTED, at = at)
        checkEq(decision.action, Action.WARN, "listed before")
        val wrong = config(server.url, key = server.otherKey)
        val e = expectThrows<RingfenceException.KeyChanged> { fourth.sync(wrong, http) }
        checkEq(e.pinned, server.otherKey, "pinned")
        checkEq(e.offered, server.key, "offered")
        check(e.toString().contains("nothing was applied")) { "message: $e" }
        expectThrows<RingfenceException.KeyChanged> { fourth.lookupOnline(LISTED, wrong, http) }
        val bad = expectThrows<RingfenceException.BadKey> { fourth.sync(config(server.url, key = "0123abc"), http) }
        checkEq(bad.key, "0123abc", "key")
        checkEq(fourth.syncState(), before, "sync state")
        checkEq(fourth.screen(LISTED, at = at), decision, "decision")
        checkEq(fourth.sync(config(server.url, key = server.key), http).pinnedKey, null, "the right key, given explicitly, syncs (no new pin)")
    }

    Harness.scenario("an unreachable server raises ServerUnreachable; bad configs raise typed errors") {
        device("offline").use { d ->
            d.reportSpam(UNLISTED, Category.SCAM)
            val closed = SyncConfig(serverUrl = server.closedUrl, timeoutMs = 2_000u, attempts = 1u)
            val e = expectThrows<RingfenceException.ServerUnreachable> { d.sync(closed, http) }
            check(e.url.startsWith(server.closedUrl)) { "url: ${e.url}" }
            expectThrows<RingfenceException.ServerUnreachable> { d.lookupOnline(LISTED, closed, http) }
            checkEq(d.pendingReportCount(), 1UL, "the report stays in the outbox")
            checkEq(d.syncState().version, 0UL, "version")
            expectThrows<RingfenceException.BadServerUrl> { d.sync(SyncConfig(serverUrl = "ftp://example.org"), http) }
            expectThrows<RingfenceException.InvalidArgument> { d.sync(closed.copy(attempts = 0u), http) }
        }
    }

    Harness.scenario("screening on the same Screener from another thread goes on while a sync runs") {
        device("busy").use { s ->
            s.addRule(RuleList.BLOCK, "+8270*", "VoIP")
            // 300 reports to upload: three requests.
            repeat(300) { i -> s.reportSpam("+82 10 7000 %04d".format(i), Category.TELEMARKETING) }
            val screened = AtomicInteger(0)
            val done = AtomicBoolean(false)
            val failure = AtomicReference<Throwable?>(null)
            val worstNs = AtomicLong(0)
            val other = thread {
                try {
                    while (!done.get()) {
                        val t = System.nanoTime()
                        val d = s.screen("070-1234-5678")
                        worstNs.accumulateAndGet(System.nanoTime() - t, ::maxOf)
                        if (d.action != Action.BLOCK) throw CheckFailed("decision during the sync: $d")
                        screened.incrementAndGet()
                    }
                } catch (e: Throwable) {
                    failure.compareAndSet(null, e)
                }
            }
            // The first progress call (on this thread, inside sync) waits for the other
            // thread to screen 20 calls: it never could if the sync held the screener's lock.
            var waitedFor = -1
            val listener = object : SyncListener {
                override fun onProgress(progress: SyncProgress) {
                    if (waitedFor >= 0) return
                    val start = screened.get()
                    val deadline = System.nanoTime() + 5_000_000_000
                    while (screened.get() < start + 20 && System.nanoTime() < deadline) Thread.sleep(1)
                    waitedFor = screened.get() - start
                }
            }
            val t = System.nanoTime()
            val startCount = screened.get()
            val summary = try {
                s.sync(config(server.url), http, listener)
            } finally {
                done.set(true)
                other.join()
            }
            val syncMs = (System.nanoTime() - t) / 1_000_000
            failure.get()?.let { throw it }
            checkEq(summary.uploaded, 300UL, "uploaded")
            checkEq(s.pendingReportCount(), 0UL, "outbox")
            check(waitedFor >= 20) { "only $waitedFor calls screened while the listener waited" }
            val during = screened.get() - startCount
            println("  ($during calls screened during a $syncMs ms sync, slowest ${worstNs.get() / 1000} us)")
        }
    }

    Harness.scenario("a progress listener that throws makes sync raise Internal once the sync has completed") {
        device("throwing").use { d ->
            val e = expectThrows<RingfenceException.Internal> {
                d.sync(config(server.url), http, object : SyncListener {
                    override fun onProgress(progress: SyncProgress) = throw IllegalStateException("listener bug")
                })
            }
            check(e.details.contains("progress listener failed")) { "details: ${e.details}" }
            check(d.syncState().version >= 1UL) { "the sync itself did not complete" }
            checkEq(d.screen(LISTED).category, Category.TELEMARKETING, "the listing was applied")
        }
    }
}

/** What an app with its own HTTP stack does: the manifest, then the snapshot and every delta after it. */
private fun downloadCommunityFiles(url: String): List<ByteArray> {
    fun get(path: String) = java.net.URI("$url/v1/data/$path").toURL().readBytes()
    // The signed envelope carries the manifest as a JSON string: unescape it to read it.
    val manifest = String(get("manifest.json")).replace("\\\"", "\"")
    fun field(re: String) = Regex(re).find(manifest)?.groupValues?.get(1) ?: throw CheckFailed("no $re in $manifest")
    val latest = field("\"latest\":\\s*(\\d+)").toInt()
    val snapshot = field("\"snapshot\":\\s*\\{[^}]*\"version\":\\s*(\\d+)").toInt()
    val snapshotPath = field("\"snapshot\":\\s*\\{[^}]*\"path\":\\s*\"([^\"]+)\"")
    val deltaPath = field("\"delta_path\":\\s*\"([^\"]+)\"")
    return listOf(get(snapshotPath)) + (snapshot + 1..latest).map { get(deltaPath.replace("{version}", it.toString())) }
}
