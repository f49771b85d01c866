// The Android glue (bindings/android/src/main/kotlin), on the JVM: it has no android.*
// imports, so what it decides is tested here; the sample service only copies the fields.
package dev.ringfence.tests

import dev.ringfence.*
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference

private fun decision(action: Action, category: Category = Category.UNCATEGORIZED, label: String? = null,
                     reasons: List<Reason> = emptyList()) =
    Decision(action, category, label, reasons, null, "+821012345678", NumberType.MOBILE, "KR")

fun platformTests() {
    Harness.scenario("CallResponsePolicy maps allow, warn, silence and block to Android's switches") {
        val p = CallResponsePolicy(sdkInt = 34)
        checkEq(p.responseFor(decision(Action.ALLOW)), CallResponse.ALLOW, "allow")
        val warn = p.responseFor(decision(Action.WARN, Category.REPRESENTATIVE, "Representative number"))
        checkEq(warn, CallResponse.ALLOW.copy(warning = "Representative number"), "warn rings with a warning")
        val silence = p.responseFor(decision(Action.SILENCE, Category.TELEMARKETING))
        checkEq(silence.silenceCall, true, "silenceCall")
        checkEq(silence.disallowCall, false, "silence is not disallow")
        checkEq(silence.warning, "Telemarketing", "warning falls back to the category label")
        val block = p.responseFor(decision(Action.BLOCK, Category.SCAM, "Scam", listOf(Reason.COMMUNITY)))
        checkEq(block, CallResponse(disallowCall = true, rejectCall = true, silenceCall = false,
            skipCallLog = false, skipNotification = true, warning = null), "block")
        val quiet = CallResponsePolicy(sdkInt = 34, rejectBlockedCalls = false, skipCallLogForBlocked = true,
            skipNotificationForBlocked = false).responseFor(decision(Action.BLOCK))
        checkEq(quiet, CallResponse(true, false, false, true, false, null), "user's choices for blocked calls")
        val old = CallResponsePolicy(sdkInt = 28).responseFor(decision(Action.SILENCE, label = "Spam"))
        checkEq(old, CallResponse.ALLOW.copy(warning = "Spam"), "no silencing before API 29: ring with a warning")
    }

    Harness.scenario("CallResponsePolicy never blocks an emergency decision") {
        val p = CallResponsePolicy(sdkInt = 34)
        checkEq(p.responseFor(decision(Action.BLOCK, Category.EMERGENCY)), CallResponse.ALLOW, "category")
        checkEq(p.responseFor(decision(Action.BLOCK, reasons = listOf(Reason.EMERGENCY))), CallResponse.ALLOW, "reason")
    }

    Harness.scenario("real decisions from the engine map to the right responses") {
        Screener.openInMemory("KR").use { s ->
            s.addRule(RuleList.BLOCK, "+8270*")
            s.setCategoryAction(Category.REPRESENTATIVE, Action.SILENCE)
            val p = CallResponsePolicy(sdkInt = 30)
            check(p.responseFor(s.screen("070-1234-5678")).disallowCall) { "blocked prefix" }
            check(p.responseFor(s.screen("1588-1234")).silenceCall) { "silenced category" }
            checkEq(p.responseFor(s.screen("112")), CallResponse.ALLOW, "emergency")
            checkEq(p.responseFor(s.screen("010-1234-5678")), CallResponse.ALLOW, "ordinary mobile")
        }
    }

    Harness.scenario("Android's STIR/SHAKEN status and number presentation map to the engine's inputs") {
        checkEq(verificationFromAndroid(0), Verification.NOT_VERIFIED, "NOT_VERIFIED")
        checkEq(verificationFromAndroid(1), Verification.PASSED, "PASSED")
        checkEq(verificationFromAndroid(2), Verification.FAILED, "FAILED")
        checkEq(verificationFromAndroid(42), Verification.NOT_VERIFIED, "unknown value")
        checkEq(callerIdFromAndroid("+821012345678", 1), "+821012345678", "PRESENTATION_ALLOWED")
        checkEq(callerIdFromAndroid("+821012345678", 2), "", "PRESENTATION_RESTRICTED is hidden")
        checkEq(callerIdFromAndroid(null, 1), "", "no handle")
        Screener.openInMemory("KR").use { s ->
            checkEq(s.screen(callerIdFromAndroid("+821012345678", 3)).reasons, listOf(Reason.HIDDEN), "unknown presentation screens as hidden")
        }
    }

    Harness.scenario("ScreeningBudget answers once: the decision, ALLOW on timeout, ALLOW on error") {
        val worker = Executors.newSingleThreadExecutor()
        val timer = Executors.newSingleThreadScheduledExecutor()
        try {
            val policy = CallResponsePolicy(sdkInt = 34)
            // settle: how long to wait after the answer for a second one that must not come.
            fun run(budget: Long, settle: Long, screen: () -> Decision): Pair<ScreeningOutcome, Int> {
                val answers = AtomicInteger()
                val got = AtomicReference<ScreeningOutcome>()
                val done = CountDownLatch(1)
                ScreeningBudget(worker, timer, budget).screen(policy, screen) { o ->
                    answers.incrementAndGet(); got.set(o); done.countDown()
                }
                check(done.await(5, TimeUnit.SECONDS)) { "no answer" }
                Thread.sleep(settle)
                return got.get() to answers.get()
            }
            val (fast, n1) = run(1_000, 1_100) { decision(Action.BLOCK) }
            checkEq(n1, 1, "answers")
            check(fast.response.disallowCall && !fast.timedOut && fast.decision != null) { "fast: $fast" }
            // The late decision comes at 600 ms, after the timeout's answer at 100 ms: not a second answer.
            val (slow, n2) = run(100, 900) { Thread.sleep(600); decision(Action.BLOCK) }
            checkEq(n2, 1, "answers")
            checkEq(slow.response, CallResponse.ALLOW, "timeout allows")
            check(slow.timedOut && slow.decision == null) { "slow: $slow" }
            val (broken, n3) = run(1_000, 1_100) { throw IllegalStateException("database on fire") }
            checkEq(n3, 1, "answers")
            checkEq(broken.response, CallResponse.ALLOW, "error allows")
            check(broken.error is IllegalStateException) { "error: ${broken.error}" }
            checkEq(ScreeningBudget.DEFAULT_BUDGET_MILLIS, 4_500L, "default budget")
        } finally {
            worker.shutdownNow(); timer.shutdownNow()
        }
    }
}
