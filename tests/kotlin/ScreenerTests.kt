// The Screener through the generated Kotlin: the same scenarios as
// tests/swift/ScreenerTests.swift (and bindings/tests/screener.rs in Rust).
package dev.ringfence.tests

import dev.ringfence.*
import java.io.File
import java.util.concurrent.CountDownLatch
import java.util.concurrent.atomic.AtomicReference
import kotlin.concurrent.thread

/** A fresh temp directory for database and list files, removed at the end of the run. */
object TempDirs {
    private val made = mutableListOf<File>()
    fun make(): File = kotlin.io.path.createTempDirectory("ringfence-kt").toFile().also { made += it }
    fun cleanUp() = made.forEach { it.deleteRecursively() }
}

fun kr(): Screener = Screener.openInMemory("KR")

/** A CSV spam list in a temp file. */
fun csvFile(text: String): String {
    val f = File(TempDirs.make(), "list.csv")
    f.writeText(text)
    return f.path
}

fun screenerTests() {
    Harness.scenario("KR 1588-1234 (home KR) is warned with the representative-number label") {
        kr().use { s ->
            val d = s.screen("1588-1234")
            checkEq(d.action, Action.WARN, "action")
            checkEq(d.category, Category.REPRESENTATIVE, "category")
            checkEq(d.label, "Representative number", "label")
            checkEq(d.reasons, listOf(Reason.REPRESENTATIVE_NUMBER), "reasons")
            checkEq(d.e164, "+8215881234", "e164")
            checkEq(d.numberType, NumberType.UAN, "numberType")
            checkEq(d.region, "KR", "region")
            checkEq(d.score, null, "score")
            checkEq(d.reasons.map { it.code() }, listOf("representative_number"), "reason codes")
            checkEq(d.category.label(), "Representative number", "Category.label()")
        }
    }

    Harness.scenario("a blocked prefix blocks, and removing it lets the call ring") {
        kr().use { s ->
            val added = s.addRule(RuleList.BLOCK, "+8270*", "VoIP spam")
            check(added.isNew) { "isNew: $added" }
            checkEq(added.rule.pattern, "+8270*", "pattern")
            check(added.rule.isPrefix) { "isPrefix: $added" }
            checkEq(added.rule.label, "VoIP spam", "label")
            val d = s.screen("070-1234-5678")
            checkEq(d.action, Action.BLOCK, "action")
            checkEq(d.reasons, listOf(Reason.BLOCK_LIST), "reasons")
            checkEq(d.label, "VoIP spam", "decision label is the rule's")
            checkEq(s.screen("010-1234-5678").action, Action.ALLOW, "a mobile number outside the prefix")
            checkEq(s.rules(RuleList.BLOCK).map { it.pattern }, listOf("+8270*"), "rules")
            checkEq(s.addRule(RuleList.BLOCK, "070*", "relabelled").isNew, false, "same prefix in another form")
            check(s.removeRule(RuleList.BLOCK, "070*")) { "removeRule should say it was there" }
            checkEq(s.screen("070-1234-5678").action, Action.ALLOW, "after removal")
            checkEq(s.rules(RuleList.BLOCK), emptyList(), "rules after removal")
        }
    }

    Harness.scenario("an allowed number wins over a community report from an imported CSV") {
        kr().use { s ->
            val path = csvFile("number,category,votes\n+821055550000,scam,50\n+821055550001,telemarketing,3\nnot a number,scam,1\n")
            val sum = s.importList(ListFormat.CSV, path)
            checkEq(sum.rows, 3UL, "rows")
            checkEq(sum.imported, 2UL, "imported")
            checkEq(sum.skipped, mapOf(SkipReason.INVALID_NUMBER to 1UL), "skipped")
            checkEq(sum.skippedTotal, 1UL, "skippedTotal")
            val blocked = s.screen("010-5555-0000")
            checkEq(blocked.action, Action.BLOCK, "community block")
            checkEq(blocked.category, Category.SCAM, "category")
            checkEq(blocked.reasons, listOf(Reason.COMMUNITY), "reasons")
            // Evidence decays with time (125-day half-life): 50 votes imported a moment ago.
            check(blocked.score!! in 49.9..50.0) { "score: ${blocked.score}" }
            checkEq(s.screen("010-5555-0001").action, Action.WARN, "between the thresholds")
            checkEq(s.communityEvidence("010-5555-0000")?.category, Category.SCAM, "evidence")
            s.addRule(RuleList.ALLOW, "010-5555-0000", "my plumber")
            val allowed = s.screen("010-5555-0000")
            checkEq(allowed.action, Action.ALLOW, "allow list wins")
            checkEq(allowed.reasons, listOf(Reason.ALLOW_LIST), "reasons")
            val again = expectThrows<RingfenceException.AlreadyImported> { s.importList(ListFormat.CSV, path) }
            checkEq(again.format, "csv", "format")
        }
    }

    Harness.scenario("an emergency number is never blocked; blocking or reporting it raises EmergencyNumber") {
        kr().use { s ->
            val e = expectThrows<RingfenceException.EmergencyNumber> { s.addRule(RuleList.BLOCK, "112") }
            checkEq(e.number, "+82112", "number")
            check(e.toString().contains("emergency number and cannot be blocked")) { "message: $e" }
            expectThrows<RingfenceException.EmergencyNumber> { s.reportSpam("119", Category.SCAM) }
            s.addRule(RuleList.BLOCK, "+82*", "everything in Korea")
            s.setPolicy("category.unknown", "block")
            val d = s.screen("112")
            checkEq(d.action, Action.ALLOW, "action")
            checkEq(d.category, Category.EMERGENCY, "category")
            checkEq(d.reasons, listOf(Reason.EMERGENCY), "reasons")
            checkEq(d.numberType, NumberType.EMERGENCY, "numberType")
            val sum = s.importListData(ListFormat.CSV, "112,scam,99\n".toByteArray())
            checkEq(sum.skipped, mapOf(SkipReason.EMERGENCY_NUMBER to 1UL), "import skips it")
        }
    }

    Harness.scenario("bad input raises typed errors with readable messages") {
        kr().use { s ->
            val p = expectThrows<RingfenceException.InvalidPattern> { s.addRule(RuleList.BLOCK, "hello*") }
            checkEq(p.pattern, "hello*", "pattern")
            check(p.toString().startsWith("\"hello*\" is not a number, prefix or group")) { "message: $p" }
            val r = expectThrows<RingfenceException.UnknownRegion> { Screener.open(File(TempDirs.make(), "x.db").path, "ZZ") }
            checkEq(r.region, "ZZ", "region")
            expectThrows<RingfenceException.UnknownRegion> { s.setHomeRegion("Mars") }
            val v = expectThrows<RingfenceException.BadSettingValue> { s.setPolicy("threshold.block", "-1") }
            checkEq(v.key, "threshold.block", "key")
            checkEq(v.expected, "a number >= 0", "expected")
            expectThrows<RingfenceException.BadSettingValue> { s.setPolicy("threshold.warn", "99") }
            expectThrows<RingfenceException.UnknownSetting> { s.setPolicy("colour", "red") }
            expectThrows<RingfenceException.UnknownAction> { s.setPolicy("hidden", "explode") }
            expectThrows<RingfenceException.UnknownSetting> { s.setCategoryAction(Category.EMERGENCY, Action.BLOCK) }
            val io = expectThrows<RingfenceException.Io> { s.importList(ListFormat.FTC, "/nonexistent/ftc.csv") }
            check(io.toString().startsWith("could not read /nonexistent/ftc.csv")) { "message: $io" }
            expectThrows<RingfenceException.InvalidNumber> { s.reportSpam("call me maybe", Category.SCAM) }
            expectThrows<RingfenceException.InvalidNumber> { s.addContact("anonymous") }
            expectThrows<RingfenceException.UnknownCategory> { s.reportSpam("010-1234-5678", Category.PERSONAL) }
            expectThrows<RingfenceException.InvalidArgument> { s.callDirectoryBatch(DirectoryKind.BLOCKING, -5L, 10u) }
            expectThrows<RingfenceException.InvalidArgument> { s.callDirectoryBatch(DirectoryKind.BLOCKING, null, 0u) }
            val notADb = File(TempDirs.make(), "junk.db").apply { writeText("this is not a database, it is a text file of some length") }
            expectThrows<RingfenceException> { Screener.open(notADb.path, "KR") }
            // Nothing above changed anything.
            checkEq(s.rules(RuleList.BLOCK), emptyList(), "rules")
            checkEq(s.policy().blockThreshold, 5.0, "blockThreshold")
            checkEq(s.homeRegion(), "KR", "homeRegion")
        }
    }

    Harness.scenario("two threads screening at once on one Screener agree with one thread") {
        kr().use { s ->
            s.addRule(RuleList.BLOCK, "+8270*", "VoIP")
            s.addRule(RuleList.ALLOW, "070-1234-0000")
            s.importListData(ListFormat.CSV, "+821055550000,scam,50\n".toByteArray())
            val inputs = listOf("1588-1234", "070-1234-5678", "070-1234-0000", "010-5555-0000", "112",
                "anonymous", "+1 202 555 0143", "010-1234-5678", "060-700-1234", "call me maybe")
            // One fixed call time: community scores decay by the second.
            val at = System.currentTimeMillis() / 1000
            val expected = inputs.associateWith { s.screen(it, at = at) }
            val start = CountDownLatch(1)
            val failure = AtomicReference<Throwable?>(null)
            val screeners = (0 until 2).map { t ->
                thread {
                    try {
                        start.await()
                        repeat(1500) { i ->
                            val raw = inputs[(i * 3 + t) % inputs.size]
                            val got = s.screen(raw, at = at)
                            if (got != expected[raw]) throw CheckFailed("thread $t: $raw gave $got, want ${expected[raw]}")
                        }
                    } catch (e: Throwable) {
                        failure.compareAndSet(null, e)
                    }
                }
            }
            // A writer at the same time, on numbers the screened ones do not match.
            val writer = thread {
                try {
                    start.await()
                    repeat(50) { i -> s.addRule(RuleList.BLOCK, "+1 202 555 ${1000 + i}") }
                } catch (e: Throwable) {
                    failure.compareAndSet(null, e)
                }
            }
            start.countDown()
            (screeners + writer).forEach { it.join() }
            failure.get()?.let { throw it }
            checkEq(s.rules(RuleList.BLOCK).size, 51, "rules after the writer")
        }
    }

    Harness.scenario("the Call Directory export arrives ascending in batches and resumes from the cursor") {
        kr().use { s ->
            s.addRule(RuleList.BLOCK, "+82701234*", "VoIP range")
            s.addRule(RuleList.BLOCK, "+821011112222")
            s.addRule(RuleList.ALLOW, "070-1234-0000")
            s.addContact("070-1234-0001")
            s.addRule(RuleList.BLOCK, "+1202*") // too broad to expand: reported, not exported
            s.reportSpam("010-2222-3333", Category.TELEMARKETING)
            s.importListData(ListFormat.CSV, "+821055550000,scam,50\n+821055550001,telemarketing,3\n".toByteArray())
            val whole = s.callDirectoryBatch(DirectoryKind.BLOCKING, null, 1_000_000u)
            checkEq(whole.nextAfter, null, "one big batch is complete")
            checkEq(whole.entries.size, 10_000 - 2 + 3, "entries: the range minus allowed and contact, plus 3 exact")
            checkEq(whole.skippedPrefixes.map { it.prefix }, listOf("+1202*"), "skippedPrefixes")
            val numbers = whole.entries.map { it.number }
            check(!numbers.contains(827012340000L) && !numbers.contains(827012340001L)) { "allowed number or contact exported" }
            check(numbers.containsAll(listOf(821011112222L, 821022223333L, 821055550000L))) { "exact entries missing" }
            val batched = mutableListOf<DirectoryEntry>()
            var after: Long? = null
            var batches = 0
            do {
                val b = s.callDirectoryBatch(DirectoryKind.BLOCKING, after, 999u)
                batches++
                check(b.entries.size <= 999) { "batch of ${b.entries.size}" }
                val cursor = after
                if (cursor != null) check(b.entries.all { it.number > cursor }) { "entry not after the cursor $cursor" }
                batched += b.entries
                after = b.nextAfter
            } while (after != null)
            checkEq(batches, 11, "batches")
            checkEq(batched, whole.entries, "batches joined = one export")
            check(batched.zipWithNext().all { (a, b) -> a.number < b.number }) { "not strictly ascending" }
            val middle = whole.entries[5000].number
            val tail = s.callDirectoryBatch(DirectoryKind.BLOCKING, middle, 1_000_000u)
            checkEq(tail.entries, whole.entries.drop(5001), "resume from a cursor")
            val ident = s.callDirectoryBatch(DirectoryKind.IDENTIFICATION, null, 100u)
            checkEq(ident.entries.map { it.number }, listOf(821055550001L), "identification entries")
            check(ident.entries[0].label!!.startsWith("Telemarketing")) { "label: ${ident.entries[0]}" }
        }
    }

    Harness.scenario("policy: a record and a list of settings; set by key and by typed setters") {
        kr().use { s ->
            val p = s.policy()
            checkEq(p.warnThreshold, 2.0, "warnThreshold")
            checkEq(p.blockThreshold, 5.0, "blockThreshold")
            checkEq(p.hiddenAction, Action.ALLOW, "hiddenAction")
            checkEq(p.ownNumber, null, "ownNumber")
            checkEq(p.historyLimit, 1000u, "historyLimit")
            checkEq(p.categoryActions, emptyMap(), "categoryActions")
            val settings = s.policySettings().associate { it.key to it.value }
            checkEq(settings["threshold.block"], "5", "threshold.block setting")
            checkEq(settings["category.representative"], "default", "category setting")
            checkEq(s.setPolicy("threshold.block", "4").blockThreshold, 4.0, "setPolicy")
            val blocked = s.setCategoryAction(Category.REPRESENTATIVE, Action.BLOCK)
            checkEq(blocked.categoryActions, mapOf(Category.REPRESENTATIVE to Action.BLOCK), "categoryActions")
            checkEq(s.screen("1588-1234").action, Action.BLOCK, "representative numbers now blocked")
            checkEq(s.setCategoryAction(Category.REPRESENTATIVE, null).categoryActions, emptyMap(), "back to default")
            checkEq(s.setHiddenAction(Action.SILENCE).hiddenAction, Action.SILENCE, "hiddenAction")
            val hidden = s.screen("anonymous")
            checkEq(hidden.action, Action.SILENCE, "hidden caller action")
            checkEq(hidden.reasons, listOf(Reason.HIDDEN), "hidden reasons")
            checkEq(hidden.e164, null, "hidden e164")
            checkEq(s.setOwnNumber("010-9999-0000").ownNumber, "+821099990000", "ownNumber")
            checkEq(s.setOwnNumber(null).ownNumber, null, "ownNumber off")
            checkEq(reportableCategories().first(), Category.UNKNOWN, "reportableCategories")
            check(Category.SCAM.isReportable() && !Category.EMERGENCY.isReportable()) { "isReportable" }
        }
    }

    Harness.scenario("reports: spam blocks at once, not-spam allows, both wait in the outbox") {
        kr().use { s ->
            val r = s.reportSpam("010-2222-3333", Category.TELEMARKETING, "sells insurance")
            checkEq(r.e164, "+821022223333", "e164")
            check(r.spam && !r.uploaded) { "report: $r" }
            checkEq(r.category, Category.TELEMARKETING, "category")
            checkEq(r.comment, "sells insurance", "comment")
            check(r.idempotencyKey.length >= 16) { "idempotencyKey: ${r.idempotencyKey}" }
            val d = s.screen("+82 10 2222 3333")
            checkEq(d.action, Action.BLOCK, "reported number blocked")
            checkEq(d.reasons, listOf(Reason.REPORTED), "reasons")
            s.importListData(ListFormat.CSV, "+821055550000,scam,50\n".toByteArray())
            val n = s.markNotSpam("010-5555-0000")
            check(!n.spam) { "not-spam report: $n" }
            val ok = s.screen("010-5555-0000")
            checkEq(ok.action, Action.ALLOW, "not spam wins over the community")
            checkEq(ok.reasons, listOf(Reason.NOT_SPAM), "reasons")
            checkEq(s.pendingReportCount(), 2UL, "pendingReportCount")
            checkEq(s.pendingReports(10u).map { it.id }, listOf(r.id, n.id), "pendingReports oldest first")
        }
    }

    Harness.scenario("contacts ring even on the block list; setContacts replaces them") {
        kr().use { s ->
            s.addRule(RuleList.BLOCK, "+8210*")
            checkEq(s.addContact("010-1234-5678"), "+821012345678", "addContact")
            val d = s.screen("010-1234-5678")
            checkEq(d.action, Action.ALLOW, "contact allowed")
            checkEq(d.reasons, listOf(Reason.CONTACT), "reasons")
            checkEq(s.screen("010-1234-9999", isContact = true).reasons, listOf(Reason.CONTACT), "isContact flag")
            checkEq(s.setContacts(listOf("010-1111-1111", "+82 10 1111 1111", "010-2222-2222", "nonsense!")), 2UL, "setContacts")
            checkEq(s.screen("010-1234-5678").action, Action.BLOCK, "old contact replaced")
            check(s.removeContact("010-1111-1111")) { "removeContact" }
            check(!s.removeContact("010-1111-1111")) { "removeContact twice" }
            checkEq(s.stats().contacts, 1UL, "contacts")
        }
    }

    Harness.scenario("history and stats keep screened calls, newest first") {
        kr().use { s ->
            s.addRule(RuleList.BLOCK, "+8270*")
            s.screenAndRecord("1588-1234", at = 1_700_000_000L)
            val d = s.screen("070-1234-5678", Verification.PASSED, false, 1_700_000_100L)
            s.record("070-1234-5678", d, 1_700_000_100L)
            s.screenAndRecord("anonymous")
            val h = s.history(10u)
            checkEq(h.size, 3, "entries")
            checkEq(h.map { it.callerId }, listOf("anonymous", "070-1234-5678", "1588-1234"), "newest first")
            checkEq(h[1].action, Action.BLOCK, "action")
            checkEq(h[1].e164, "+827012345678", "e164")
            checkEq(h[1].at, 1_700_000_100L, "at")
            checkEq(h[1].reasons, listOf(Reason.BLOCK_LIST), "reasons")
            checkEq(h[0].e164, null, "hidden caller e164")
            val st = s.stats()
            checkEq(st.calls, 3UL, "calls")
            checkEq(st.byAction, mapOf(Action.ALLOW to 1UL, Action.WARN to 1UL, Action.BLOCK to 1UL), "byAction")
            checkEq(st.byCategory[Category.REPRESENTATIVE], 1UL, "byCategory")
            checkEq(st.blockRules, 1UL, "blockRules")
            s.clearHistory()
            checkEq(s.history(10u), emptyList(), "cleared")
        }
    }

    Harness.scenario("a STIR/SHAKEN failure is a reason of its own") {
        kr().use { s ->
            val d = s.screen("010-1234-5678", Verification.FAILED)
            check(Reason.STIR_FAILED in d.reasons) { "reasons: ${d.reasons}" }
            check(d.action != Action.ALLOW) { "action: ${d.action}" }
            checkEq(s.screen("010-1234-5678", Verification.PASSED).action, Action.ALLOW, "passed")
            checkEq(s.screen("010-1234-5678").action, Action.ALLOW, "not verified")
        }
    }

    Harness.scenario("a real SQLite file reopened keeps rules, policy, contacts and reports") {
        val path = File(TempDirs.make(), "nested/dir/ringfence.db").path
        Screener.open(path, "KR").use { s ->
            checkEq(s.dbPath(), path, "dbPath")
            s.addRule(RuleList.BLOCK, "+8270*", "VoIP spam")
            s.addRule(RuleList.ALLOW, "010-5555-0000")
            s.addContact("010-7777-7777")
            s.setCategoryAction(Category.REPRESENTATIVE, Action.SILENCE)
            s.reportSpam("010-2222-3333", Category.SCAM)
            s.screenAndRecord("1588-1234")
            // A second screener on the same file (another process, say) sees changes at once.
            Screener.open(path, "KR").use { other ->
                s.addRule(RuleList.BLOCK, "+8260*", "premium")
                checkEq(other.screen("060-123-4567").action, Action.BLOCK, "the other connection sees the new rule")
            }
        }
        check(File(path).length() > 0) { "no database file at $path" }
        Screener.open(path, "KR").use { s ->
            checkEq(s.rules(RuleList.BLOCK).map { it.pattern to it.label }, listOf("+8260*" to "premium", "+8270*" to "VoIP spam"), "block rules")
            checkEq(s.rules(RuleList.ALLOW).map { it.pattern }, listOf("+821055550000"), "allow rules")
            checkEq(s.screen("070-1234-5678").action, Action.BLOCK, "prefix still blocks")
            checkEq(s.screen("010-7777-7777").reasons, listOf(Reason.CONTACT), "contact kept")
            checkEq(s.screen("1588-1234").action, Action.SILENCE, "policy kept")
            checkEq(s.screen("010-2222-3333").reasons, listOf(Reason.REPORTED), "report kept")
            checkEq(s.pendingReportCount(), 1UL, "outbox kept")
            checkEq(s.history(10u).size, 1, "history kept")
        }
    }
}
