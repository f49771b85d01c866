// Damaged database files through the generated Kotlin: `open` raises Corrupt naming the
// file, `openOrFallback` still screens and refuses writes with Degraded, `recover` moves
// the file aside and keeps what it can. The same scenarios as
// tests/swift/RecoveryTests.swift (and bindings/tests/recovery.rs in Rust), with the file
// damaged the same way: deterministic garbage over the page that holds a known label, or
// over the header.
package dev.ringfence.tests

import dev.ringfence.*
import java.io.File

/** Block rules besides the known prefix; their labels are victim-0000 .. victim-1999. */
private const val VICTIMS = 2000

/** A real database file: a known prefix rule, 2000 block rules, an allow rule, a contact,
 *  a report, a setting and a screened call. Closed, so it is all in the main file. */
private fun makeDatabase(path: String) {
    Screener.open(path, "KR").use { s ->
        s.addRule(RuleList.BLOCK, "+8270*", "VoIP spam")
        val victims = (0 until VICTIMS).map { RuleInput("+1 202 555 %04d".format(it), "victim-%04d".format(it)) }
        checkEq(s.addRules(RuleList.BLOCK, victims), VICTIMS.toULong(), "victims added")
        s.addRule(RuleList.ALLOW, "010-5555-0000", "plumber")
        s.addContact("010-7777-7777")
        s.reportSpam("010-2222-3333", Category.SCAM)
        s.setPolicy("threshold.block", "4")
        s.screenAndRecord("1588-1234")
    }
    check(!File("$path-wal").exists()) { "the WAL outlived the last connection" }
}

/** Garbage (xorshift32 from a fixed seed, as in the Rust and Swift tests) over [from, to). */
private fun garbage(bytes: ByteArray, from: Int, to: Int) {
    var x = 0x2545F491
    for (i in from until to) {
        x = x xor (x shl 13)
        x = x xor (x ushr 17)
        x = x xor (x shl 5)
        bytes[i] = x.toByte()
    }
}

/** Overwrites every page of the file that holds `needle` with garbage; returns how many. */
private fun damagePagesHolding(path: String, needle: String): Int {
    val file = File(path)
    val bytes = file.readBytes()
    val pageSize = ((bytes[16].toInt() and 0xFF) shl 8 or (bytes[17].toInt() and 0xFF)).let { if (it == 1) 65536 else it }
    val n = needle.toByteArray()
    var damaged = 0
    for (start in bytes.indices step pageSize) {
        val end = minOf(start + pageSize, bytes.size)
        val holds = (start..end - n.size).any { i -> n.indices.all { bytes[i + it] == n[it] } }
        if (holds) {
            garbage(bytes, start, end)
            damaged++
        }
    }
    file.writeBytes(bytes)
    return damaged
}

private fun damageHeader(path: String) {
    val file = File(path)
    val bytes = file.readBytes()
    garbage(bytes, 0, 100)
    file.writeBytes(bytes)
}

/** What every screener does, whatever state its file is in. */
private fun screensSafely(s: Screener) {
    val e = s.screen("112")
    checkEq(e.action to e.category, Action.ALLOW to Category.EMERGENCY, "emergency call")
    checkEq(s.screen("010-1234-5678").action, Action.ALLOW, "ordinary call")
}

private fun expectDegraded(path: String, what: String, body: () -> Unit) {
    val e = try {
        expectThrows<RingfenceException.Degraded>(body)
    } catch (f: CheckFailed) {
        throw CheckFailed("$what: ${f.message}")
    }
    checkEq(e.path, path, "$what: path")
    check(e.why.isNotEmpty()) { "$what: no reason" }
}

fun recoveryTests() {
    val dir = TempDirs.make()
    val path = File(dir, "ringfence.db").path
    var standIn: Screener? = null
    var salvaged = 0

    Harness.scenario("a damaged page of the block list: open raises Corrupt naming the file") {
        makeDatabase(path)
        checkEq(damagePagesHolding(path, "victim-1000"), 1, "pages damaged")
        val e = expectThrows<RingfenceException.Corrupt> { Screener.open(path, "KR").close() }
        checkEq(e.path, path, "path")
        check(e.toString().contains(path) && e.toString().contains("damaged")) { "message: $e" }
    }

    Harness.scenario("openOrFallback on the damaged file screens: emergency and ordinary calls ring, salvaged rules block") {
        val s = Screener.openOrFallback(path, "KR").also { standIn = it }
        val why = s.degraded() ?: throw CheckFailed("degraded() is null for a stand-in")
        check(why.contains("damaged")) { "degraded: $why" }
        screensSafely(s)
        val d = s.screen("070-1234-5678")
        checkEq(d.action to d.label, Action.BLOCK to "VoIP spam", "the known prefix rule")
        checkEq(s.screen("+1 202 555 0000").action, Action.BLOCK, "a rule on an undamaged page")
        checkEq(s.screen("+1 202 555 1000").action, Action.ALLOW, "the rule on the damaged page is lost")
        salvaged = s.rules(RuleList.BLOCK).size
        check(salvaged > VICTIMS / 2 && salvaged <= VICTIMS) { "$salvaged block rules salvaged" }
    }

    Harness.scenario("the stand-in refuses writes with Degraded naming the file") {
        val s = standIn ?: throw CheckFailed("no stand-in")
        expectDegraded(path, "addRule") { s.addRule(RuleList.BLOCK, "+8260*") }
        expectDegraded(path, "reportSpam") { s.reportSpam("010-3333-4444", Category.SCAM) }
        expectDegraded(path, "setPolicy") { s.setPolicy("hidden", "block") }
        expectDegraded(path, "screenAndRecord") { s.screenAndRecord("010-1234-5678") }
        checkEq(s.screen("070-1234-5678").action, Action.BLOCK, "still screens")
    }

    Harness.scenario("recover moves the file aside, keeps the salvaged rules, and the same Screener writes again") {
        val s = standIn ?: throw CheckFailed("no stand-in")
        val r = s.recover()
        val moved = r.movedTo ?: throw CheckFailed("not moved aside: $r")
        check(moved.startsWith("$path.corrupt-") && File(moved).isFile) { "movedTo: $moved" }
        checkEq(r.rules, (salvaged + 1).toULong(), "rules carried over (and the allow rule)")
        checkEq(r.incomplete, listOf("rules"), "incomplete")
        checkEq(listOf(r.contacts, r.reports, r.history, r.settings), listOf(1UL, 1UL, 1UL, 1UL), "other tables")
        checkEq(s.degraded(), null, "degraded after recover")
        checkEq(s.screen("070-1234-5678").action, Action.BLOCK, "the prefix rule kept")
        check(s.addRule(RuleList.BLOCK, "+8260*", "premium").isNew) { "addRule after recover" }
        checkEq(s.screen("060-123-4567").action, Action.BLOCK, "the new rule blocks")
        checkEq(s.pendingReportCount(), 1UL, "the outbox kept")
        checkEq(s.policy().blockThreshold, 4.0, "the setting kept")
    }
    standIn?.close()
    standIn = null

    Harness.scenario("the repaired file reopens with its rules") {
        Screener.open(path, "KR").use { again ->
            checkEq(again.rules(RuleList.BLOCK).size, salvaged + 1, "block rules")
        }
    }

    Harness.scenario("a destroyed header: Corrupt, a stand-in without lists that refuses writes, recover starts afresh") {
        val p = File(TempDirs.make(), "ringfence.db").path
        makeDatabase(p)
        damageHeader(p)
        checkEq(expectThrows<RingfenceException.Corrupt> { Screener.open(p, "KR").close() }.path, p, "Corrupt path")
        Screener.openOrFallback(p, "KR").use { s ->
            check(s.degraded() != null) { "not degraded" }
            screensSafely(s)
            checkEq(s.screen("070-1234-5678").action, Action.ALLOW, "nothing could be read")
            expectDegraded(p, "addRule") { s.addRule(RuleList.BLOCK, "+8270*") }
            val r = s.recover()
            check(r.movedTo != null) { "not moved: $r" }
            checkEq(r.rules, 0UL, "rules")
            checkEq(r.incomplete, listOf("rules", "contacts", "reports", "history", "settings"), "incomplete")
            check(s.addRule(RuleList.BLOCK, "+8270*").isNew) { "addRule after recover" }
            checkEq(s.screen("070-1234-5678").action, Action.BLOCK, "blocks again")
        }
    }

    Harness.scenario("recover leaves a sound file and an in-memory screener alone") {
        val p = File(TempDirs.make(), "ringfence.db").path
        makeDatabase(p)
        Screener.openOrFallback(p, "KR").use { s ->
            checkEq(s.degraded(), null, "a sound file is no stand-in")
            checkEq(s.recover(), Recovery(null, 0UL, 0UL, 0UL, 0UL, 0UL, emptyList()), "nothing done")
            checkEq(s.rules(RuleList.BLOCK).size, VICTIMS + 1, "rules")
        }
        checkEq(File(p).parentFile.list()!!.filter { it.contains(".corrupt-") }, emptyList(), "nothing moved aside")
        Screener.openInMemory("KR").use { checkEq(it.recover().movedTo, null, "in memory") }
        expectThrows<RingfenceException.UnknownRegion> { Screener.openOrFallback(p, "ZZ") }
    }
}
