// The adversarial corpus (tests/fixtures/adversarial/inputs.txt, also run through the core
// by core/tests/adversarial.rs) through the generated Kotlin: every input through screen,
// addRule (block and allow), reportSpam (as the number and as the comment) and normalize.
// Each call gives a result or a typed RingfenceException it may raise for bad input
// (never Internal, never an untyped exception), and the screener still works afterwards.
// The same scenarios as tests/swift/AdversarialTests.swift. The directory holding
// inputs.txt comes in RINGFENCE_TEST_DATA (scripts/test-bindings.sh sets it).
package dev.ringfence.tests

import dev.ringfence.*
import java.io.File

/** One decoded input and its line in the file. */
class CorpusInput(val line: Int, val text: String)

/** The file's escapes: \\ \n \r \t \u{HEX}; every other character stands for itself. */
private fun unescape(s: String, line: Int): String {
    val out = StringBuilder(s.length)
    var i = 0
    while (i < s.length) {
        val c = s[i++]
        if (c != '\\') {
            out.append(c)
            continue
        }
        if (i >= s.length) throw CheckFailed("line $line: a lone backslash at the end")
        when (val e = s[i++]) {
            '\\' -> out.append('\\')
            'n' -> out.append('\n')
            'r' -> out.append('\r')
            't' -> out.append('\t')
            'u' -> {
                if (i >= s.length || s[i] != '{') throw CheckFailed("line $line: \\u without {")
                val close = s.indexOf('}', i)
                if (close < 0) throw CheckFailed("line $line: \\u{ without }")
                val cp = s.substring(i + 1, close).toIntOrNull(16) ?: throw CheckFailed("line $line: bad \\u{${s.substring(i + 1, close)}}")
                if (cp !in 0..0x10FFFF || cp in 0xD800..0xDFFF) throw CheckFailed("line $line: U+${cp.toString(16)} is no scalar value")
                out.appendCodePoint(cp)
                i = close + 1
            }
            else -> throw CheckFailed("line $line: unknown escape \\$e")
        }
    }
    return out.toString()
}

/** Reads the corpus as core/tests/adversarial.rs does: lines split at \n (a \r before it
 *  dropped), `=` / `= TEXT` / `* N TEXT`, comments and blank lines skipped. */
fun readCorpus(file: File): List<CorpusInput> {
    val out = mutableListOf<CorpusInput>()
    file.readText(Charsets.UTF_8).split('\n').forEachIndexed { index, rawLine ->
        val line = index + 1
        val raw = rawLine.removeSuffix("\r")
        when {
            raw == "=" -> out += CorpusInput(line, "")
            raw.startsWith("= ") -> out += CorpusInput(line, unescape(raw.substring(2), line))
            raw.startsWith("* ") -> {
                val rest = raw.substring(2)
                val space = rest.indexOf(' ')
                if (space < 0) throw CheckFailed("line $line: not `* N TEXT`")
                val n = rest.substring(0, space).toIntOrNull() ?: throw CheckFailed("line $line: bad count")
                out += CorpusInput(line, unescape(rest.substring(space + 1), line).repeat(n))
            }
            raw.isEmpty() || raw.startsWith("#") -> {}
            else -> throw CheckFailed("line $line: not `= TEXT`, `* N TEXT`, a comment or blank")
        }
    }
    return out
}

/** What one call did with every input: how many gave a result, how many each typed error,
 *  and what went wrong (an error it may not raise, an untyped exception, a broken check). */
private class Door(val name: String) {
    var inputs = 0
    var results = 0
    val errors = sortedMapOf<String, Int>()
    val failures = mutableListOf<String>()

    fun summary(): String =
        "$name: $inputs inputs, $results results" + errors.entries.joinToString("") { ", ${it.value} ${it.key}" } +
            (if (failures.isEmpty()) "" else ", ${failures.size} FAILED")

    /** Runs `body` for one input; `allowed` are the error variants this call may raise. */
    fun <T> run(what: String, vararg allowed: Class<out RingfenceException>, body: () -> T): T? {
        inputs++
        return try {
            body().also { results++ }
        } catch (e: RingfenceException) {
            if (e !is RingfenceException.Internal && allowed.any { it.isInstance(e) }) {
                errors.merge(e.javaClass.simpleName, 1, Int::plus)
            } else {
                failures += "$what: ${e.javaClass.simpleName}: $e"
            }
            null
        } catch (e: Throwable) {
            failures += "$what: untyped ${e.javaClass.name}: ${e.message?.take(200)}"
            null
        }
    }

    fun fail(what: String) {
        failures += what
    }
}

private fun short(s: String): String {
    val t = s.take(40)
    return if (t.length < s.length) "${escape(t)}... (${s.length} UTF-16 units)" else escape(t)
}

private fun escape(s: String): String = buildString {
    append('"')
    s.forEach { c -> if (c < ' ' || c in '\u007f'..'\u009f') append("\\u{%X}".format(c.code)) else append(c) }
    append('"')
}

private fun boundedLabel(l: String?, max: Int) =
    l == null || (l.codePointCount(0, l.length) <= max && l.none { it.isISOControl() })

fun adversarialTests() {
    val data = System.getenv("RINGFENCE_TEST_DATA")
    var corpus: List<CorpusInput> = emptyList()
    Harness.scenario("the adversarial corpus decodes (empty, NUL, 1 MB, RTL, SQL and CSV injection, 1-40 digits)") {
        if (data == null) throw CheckFailed("RINGFENCE_TEST_DATA is not set (run scripts/test-bindings.sh)")
        corpus = readCorpus(File(data, "inputs.txt"))
        check(corpus.size >= 400) { "${corpus.size} inputs" }
        val texts = corpus.map { it.text }
        check("" in texts) { "no empty input" }
        check(texts.any { it.length >= 1 shl 20 }) { "no 1 MB input" }
        check(texts.any { '\u0000' in it }) { "no NUL" }
        check(texts.any { '\u202E' in it }) { "no RTL override" }
        check("'; DROP TABLE rules; --" in texts) { "no SQL injection" }
        check("=cmd|' /C calc'!A0" in texts) { "no CSV injection" }
        check(texts.any { it.codePoints().anyMatch { cp -> cp > 0xFFFF } }) { "no astral-plane character" }
        for (n in 1..40) check(texts.any { it.length == n && it.all(Char::isDigit) && it.all { c -> c < '\u0080' } }) { "no $n-digit input" }
        println("    adversarial (kotlin): ${corpus.size} inputs from ${File(data, "inputs.txt")}")
    }

    val screen = Door("screen")
    val block = Door("addRule(BLOCK)")
    val allow = Door("addRule(ALLOW)")
    val report = Door("reportSpam(number)")
    val comment = Door("reportSpam(comment)")
    val normalizeDoor = Door("normalize")
    var reports = 1
    val dbPath = File(TempDirs.make(), "adversarial.db").path
    var screener: Screener? = null

    Harness.scenario("every adversarial input through screen, addRule, reportSpam and normalize") {
        if (corpus.isEmpty()) throw CheckFailed("no corpus")
        val s = Screener.open(dbPath, "KR").also { screener = it }
        // The user's own data, which nothing below may disturb.
        s.addRule(RuleList.BLOCK, "+8270*", "VoIP spam")
        s.addRule(RuleList.BLOCK, "1588*")
        s.addRule(RuleList.ALLOW, "010-1234-5678", "Mum")
        s.reportSpam("02-3456-7890", Category.SCAM)
        val own = mapOf("+8270*" to "VoIP spam", "+821588*" to null, "+821012345678" to "Mum")
        val started = System.nanoTime()
        for (input in corpus) {
            val text = input.text
            val what = "line ${input.line}: ${short(text)}"
            val n = normalizeDoor.run("$what: normalize") {
                val mine = s.normalize(text)
                val top = normalize(text, "KR")
                if (mine != top) normalizeDoor.fail("$what: Screener.normalize $mine != normalize $top")
                mine
            }
            screen.run("$what: screen") {
                val d = s.screen(text)
                if (n?.numberType == NumberType.EMERGENCY && d.action != Action.ALLOW) screen.fail("$what: emergency not allowed: $d")
                // Garbage and hidden callers are labelled at most, never blocked.
                if (d.e164 == null && d.action != Action.ALLOW && d.action != Action.WARN) screen.fail("$what: no number, yet $d")
                d
            }
            for ((door, list) in listOf(block to RuleList.BLOCK, allow to RuleList.ALLOW)) {
                val errors = if (list == RuleList.BLOCK) arrayOf(RingfenceException.InvalidPattern::class.java, RingfenceException.EmergencyNumber::class.java)
                    else arrayOf(RingfenceException.InvalidPattern::class.java)
                val added = door.run("$what: addRule", *errors) { s.addRule(list, text, text) } ?: continue
                if (!boundedLabel(added.rule.label, 100)) door.fail("$what: label ${added.rule.label?.let(::short)}")
                try {
                    if (added.isNew) {
                        if (!s.removeRule(list, text)) door.fail("$what: not removed again")
                    } else {
                        // One of the user's own rules in another form: put its label back.
                        s.addRule(list, added.rule.pattern, own[added.rule.pattern])
                    }
                } catch (e: Throwable) {
                    door.fail("$what: removing it again: $e")
                }
            }
            report.run("$what: reportSpam", RingfenceException.InvalidNumber::class.java, RingfenceException.EmergencyNumber::class.java) {
                s.reportSpam(text, Category.SCAM, text).also {
                    reports++
                    if (!boundedLabel(it.comment, 500)) report.fail("$what: comment ${it.comment?.let(::short)}")
                }
            }
            comment.run("$what: comment") {
                s.reportSpam("+1 212 555 0142", Category.ROBOCALL, text).also { reports++ }
            }
        }
        val seconds = (System.nanoTime() - started) / 1e9
        for (door in listOf(screen, block, allow, report, comment, normalizeDoor)) println("    adversarial (kotlin) ${door.summary()}")
        println("    adversarial (kotlin): %d inputs x 6 calls in %.1f s".format(corpus.size, seconds))
        for (door in listOf(screen, block, allow, report, comment, normalizeDoor)) {
            checkEq(door.inputs, corpus.size, "${door.name}: inputs")
        }
        val failures = listOf(screen, block, allow, report, comment, normalizeDoor).flatMap { it.failures }
        check(failures.isEmpty()) { "${failures.size} failures, first: ${failures.take(5).joinToString("; ")}" }
    }

    fun checkLists(s: Screener, where: String) {
        val d = s.screen("+82 70 9876 5432")
        checkEq(d.action to d.label, Action.BLOCK to "VoIP spam", "$where: the known rule blocks")
        checkEq(d.reasons, listOf(Reason.BLOCK_LIST), "$where: reasons")
        checkEq(s.screen("1588-0000").action, Action.BLOCK, "$where: the 1588 rule")
        checkEq(s.screen("112").action, Action.ALLOW, "$where: emergency")
        checkEq(s.screen("010-1234-5678").reasons, listOf(Reason.ALLOW_LIST), "$where: the allow rule")
        checkEq(s.rules(RuleList.BLOCK).map { it.pattern to it.label }, listOf("+8270*" to "VoIP spam", "+821588*" to null), "$where: block list")
        checkEq(s.rules(RuleList.ALLOW).map { it.pattern to it.label }, listOf("+821012345678" to "Mum"), "$where: allow list")
        checkEq(s.pendingReportCount(), reports.toULong(), "$where: reports in the outbox")
    }

    Harness.scenario("after the corpus the screener still works and the user's lists are as they were") {
        checkLists(screener ?: throw CheckFailed("no screener"), "same screener")
    }
    screener?.close()
    screener = null
    Harness.scenario("the corpus's database reopens with the user's lists as they were") {
        Screener.open(dbPath, "KR").use { checkLists(it, "reopened") }
    }
}
