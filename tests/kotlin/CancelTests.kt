// The suspend variants (syncAsync, lookupOnlineAsync, importListAsync,
// importListDataAsync, callDirectoryBatchAsync) and their cancellation: cancelling the
// coroutine stops the work at its next safe point and changes nothing. Each cancel
// happens at a known point: a transport or a list held open until the test lets it go
// (a latch, a named pipe), never a sleep.
package dev.ringfence.tests

import dev.ringfence.*
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import java.io.File
import java.io.FileOutputStream
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicReference

/** Rows of a CSV spam list: `count` numbers from 010-4000-0000 up. */
private fun rows(from: Int, count: Int): ByteArray =
    (from until from + count).joinToString("") { "010-4%03d-%04d,scam,5\n".format(it / 10_000, it % 10_000) }.toByteArray()

/** A named pipe: an import reading it waits for whatever the test writes next. */
private fun fifo(dir: File, name: String): File {
    val f = File(dir, name)
    val rc = ProcessBuilder("mkfifo", f.path).inheritIO().start().waitFor()
    check(rc == 0) { "mkfifo ${f.path} failed: $rc" }
    return f
}

/**
 * Waits for the background work (a cancelled sync or import) on `s` to end: a sync waits
 * for it before it starts (one job at a time per Screener). This one then fails at once,
 * changing nothing.
 */
private fun waitForBackgroundWork(s: Screener, url: String) {
    expectThrows<RingfenceException.ServerUnreachable> { s.sync(config(url), FailingTransport("only waiting")) }
}

private fun await(latch: CountDownLatch, what: String) =
    check(latch.await(60, TimeUnit.SECONDS)) { "$what did not happen within 60 s" }

/** The outcome of a launched call: its value, or what it threw (not a cancellation). */
private class Outcome<T> {
    val value = AtomicReference<T?>(null)
    val error = AtomicReference<Throwable?>(null)
}

internal fun cancelScenarios(server: TestServer, device: (String) -> Screener) {
    val dir = TempDirs.make()

    Harness.scenario("the suspend variants give what the blocking calls give") {
        device("a-same").use { d ->
            runBlocking {
                val s = d.syncAsync(config(server.url), http)
                check(s.toVersion >= 1UL) { "summary: $s" }
                checkEq(d.lookupOnlineAsync(LISTED_BY_SYNC_TESTS, config(server.url), http)?.category, Category.TELEMARKETING, "lookupOnlineAsync")
                val imported = d.importListDataAsync(ListFormat.CSV, rows(0, 100))
                checkEq(imported.imported, 100UL, "importListDataAsync")
                val file = File(dir, "list.csv").also { it.writeBytes(rows(100, 50)) }
                checkEq(d.importListAsync(ListFormat.CSV, file.path).imported, 50UL, "importListAsync")
                val batch = d.callDirectoryBatchAsync(DirectoryKind.BLOCKING, null, 1000u)
                checkEq(batch, d.callDirectoryBatch(DirectoryKind.BLOCKING, null, 1000u), "callDirectoryBatchAsync")
                checkEq(batch.entries.size, 150, "blocked entries")
                expectThrows<RingfenceException.InvalidArgument> { runBlocking { d.callDirectoryBatchAsync(DirectoryKind.BLOCKING, null, 0u) } }
            }
        }
    }

    Harness.scenario("a CancelToken cancels a suspend call from outside: Cancelled, nothing imported") {
        device("a-token").use { d ->
            val token = CancelToken()
            token.cancel()
            expectThrows<RingfenceException.Cancelled> { runBlocking { d.importListDataAsync(ListFormat.CSV, rows(0, 10), token) } }
            checkEq(d.stats().communityNumbers, 0UL, "nothing imported")
            checkEq(runBlocking { d.importListDataAsync(ListFormat.CSV, rows(0, 10)) }.imported, 10UL, "the same list afterwards")
        }
    }

    Harness.scenario("cancelling importListAsync mid-import (from a pipe held open) rolls it back; the same list imports afterwards") {
        device("a-import").use { d ->
            d.importListData(ListFormat.CSV, rows(90_000, 10))
            val before = d.stats()
            val pipe = fifo(dir, "import.fifo")
            val outcome = Outcome<ImportSummary>()
            val first = rows(0, 20_000)
            runBlocking {
                val job = launch(Dispatchers.IO) {
                    try { outcome.value.set(d.importListAsync(ListFormat.CSV, pipe.path)) } catch (e: RingfenceException) { outcome.error.set(e) }
                }
                FileOutputStream(pipe).use { out ->
                    // 400 KB through a 64 KB pipe: written means the import has read most of it.
                    out.write(first)
                    job.cancelAndJoin()
                    check(job.isCancelled) { "the job was not cancelled" }
                }
                // Closed: the import reads on to the end of the pipe, where (or at an
                // earlier record) it finds the cancel.
            }
            waitForBackgroundWork(d, server.closedUrl)
            checkEq(outcome.value.get(), null, "no summary for a cancelled import")
            checkEq(outcome.error.get(), null, "no error but the cancellation")
            checkEq(d.stats(), before, "the database is as before")
            checkEq(d.importListData(ListFormat.CSV, first).imported, 20_000UL, "the same rows import afterwards")
        }
    }

    Harness.scenario("cancelling syncAsync mid-download (the transport held mid-body) applies nothing and stops the transport") {
        device("a-download").use { d ->
            val gate = GatedTransport("/v1/data/", afterBytes = 64, skip = "manifest")
            val outcome = Outcome<SyncSummary>()
            runBlocking {
                val job = launch(Dispatchers.IO) {
                    try { outcome.value.set(d.syncAsync(config(server.url), gate)) } catch (e: RingfenceException) { outcome.error.set(e) }
                }
                await(gate.arrived, "the download")
                job.cancelAndJoin()
                check(job.isCancelled) { "the job was not cancelled" }
            }
            gate.release.countDown()
            waitForBackgroundWork(d, server.closedUrl)
            checkEq(outcome.value.get(), null, "no summary for a cancelled sync")
            checkEq(outcome.error.get(), null, "no error but the cancellation")
            checkEq(d.syncState(), SyncState(0UL, null, null), "nothing applied, no key pinned")
            checkEq(d.screen(LISTED_BY_SYNC_TESTS).action, Action.ALLOW, "the listing was not applied")
            check(gate.awaitStopped()) { "the transport was never told to stop" }
            check(d.sync(config(server.url), http).toVersion >= 1UL) { "a sync afterwards" }
        }
    }

    Harness.scenario("cancelling syncAsync mid-apply (its write waits for another import's) rolls it back") {
        // Two Screeners on one file: `importer` holds the write lock with an import read
        // from a pipe, so the sync's apply waits inside its transaction; the sync is
        // cancelled there, then the import is cancelled and lets go.
        val path = File(dir, "a-apply.db").path
        Screener.open(path, "KR").use { importer ->
            Screener.open(path, "KR").use { syncer ->
                val pipe = fifo(dir, "apply.fifo")
                val applying = CountDownLatch(1)
                val listener = object : SyncListener {
                    override fun onProgress(progress: SyncProgress) {
                        if (progress is SyncProgress.Applying) applying.countDown()
                    }
                }
                val imported = Outcome<ImportSummary>()
                val synced = Outcome<SyncSummary>()
                runBlocking {
                    val importJob = launch(Dispatchers.IO) {
                        try { imported.value.set(importer.importListAsync(ListFormat.CSV, pipe.path)) } catch (e: RingfenceException) { imported.error.set(e) }
                    }
                    FileOutputStream(pipe).use { out ->
                        out.write(rows(0, 20_000)) // the import is inside its write transaction
                        val syncJob = launch(Dispatchers.IO) {
                            try { synced.value.set(syncer.syncAsync(config(server.url), http, listener)) } catch (e: RingfenceException) { synced.error.set(e) }
                        }
                        await(applying, "the apply")
                        syncJob.cancelAndJoin()
                        importJob.cancelAndJoin()
                    }
                }
                waitForBackgroundWork(importer, server.closedUrl)
                waitForBackgroundWork(syncer, server.closedUrl)
                checkEq(synced.value.get(), null, "no summary for a cancelled sync")
                checkEq(synced.error.get(), null, "no error from the sync but the cancellation")
                checkEq(imported.value.get(), null, "no summary for a cancelled import")
                checkEq(syncer.syncState(), SyncState(0UL, null, null), "nothing applied")
                checkEq(syncer.stats().communityNumbers, 0UL, "no community numbers")
                check(syncer.sync(config(server.url), http).toVersion >= 1UL) { "a sync afterwards" }
                checkEq(syncer.screen(LISTED_BY_SYNC_TESTS).action, Action.WARN, "listed after the real sync")
            }
        }
    }
}
