// Issue 13 items 1, 2 and 4 through the generated Kotlin: the unknown-caller action and
// numbers called out (recordOutgoing), repeated callers counted from the history (also
// with history.limit 0), temporary rules (addRule's until) and the pause. The same
// scenarios as tests/swift/PolicyTests.swift and bindings/tests/policies.rs. Every call
// at an explicit time far in the future, so the wall clock never ends a rule or a pause.
package dev.ringfence.tests

import dev.ringfence.*

private const val T0 = 4_000_000_000L

fun policyTests() {
    Harness.scenario("unknown callers get the policy's action; numbers called out are known") {
        kr().use { s ->
            val p = s.policy()
            checkEq(p.unknownAction, Action.ALLOW, "unknownAction default")
            checkEq(listOf(p.knownOutgoingDays, p.repeatCalls, p.repeatMinutes, p.repeatMinGapSeconds),
                listOf(30u, 2u, 3u, 20u), "defaults")
            checkEq(s.screen("010-2222-3333", at = T0).reasons, emptyList<Reason>(), "allow by default")
            for (mode in listOf(Action.WARN, Action.SILENCE, Action.BLOCK)) {
                checkEq(s.setPolicy("unknown", mode.code()).unknownAction, mode, "setPolicy unknown")
                val d = s.screen("010-2222-3333", at = T0)
                checkEq(d.action, mode, "unknown caller, $mode")
                checkEq(d.reasons, listOf(Reason.UNKNOWN_CALLER), "reasons, $mode")
            }
            checkEq(s.screen("", at = T0).reasons, listOf(Reason.HIDDEN), "hidden callers keep their setting")
            s.recordOutgoing("010-2222-3333", at = T0)
            val known = s.screen("010-2222-3333", at = T0 + 29 * 86_400L)
            checkEq(known.action, Action.ALLOW, "called 29 days ago")
            checkEq(known.label, "You called this number recently", "label")
            checkEq(s.screen("010-2222-3333", at = T0 + 30 * 86_400L).action, Action.BLOCK, "30 days later")
            s.setPolicy("known.outgoing-days", "60")
            checkEq(s.screen("010-2222-3333", at = T0 + 30 * 86_400L).action, Action.ALLOW, "known.outgoing-days 60")
            checkEq(Reason.UNKNOWN_CALLER.code(), "unknown_caller", "code")
            expectThrows<RingfenceException.UnknownAction> { s.setPolicy("unknown", "sometimes") }
            expectThrows<RingfenceException.BadSettingValue> { s.setPolicy("repeat.calls", "1") }
        }
    }

    Harness.scenario("a repeated caller rings through the unknown-caller action, also with history.limit 0") {
        kr().use { s ->
            s.setPolicy("unknown", "silence")
            s.setPolicy("history.limit", "0")
            val n = "010-2222-3333"
            checkEq(s.screenAndRecord(n, at = T0).action, Action.SILENCE, "first call")
            checkEq(s.screenAndRecord(n, at = T0 + 10).action, Action.SILENCE, "a redial 10 s later")
            val again = s.screenAndRecord(n, at = T0 + 60)
            checkEq(again.action, Action.ALLOW, "a minute later")
            checkEq(again.reasons, listOf(Reason.UNKNOWN_CALLER, Reason.REPEATED_CALLER), "reasons")
            checkEq(s.history(10u).size, 0, "history.limit 0: no history")
            // screen, answer, then record: counts the same.
            val d = s.screen("010-4444-5555", at = T0)
            s.record("010-4444-5555", d, T0)
            checkEq(s.screen("010-4444-5555", at = T0 + 30).reasons,
                listOf(Reason.UNKNOWN_CALLER, Reason.REPEATED_CALLER), "screen + record")
            // Outside the window (3 minutes) it is a first call again; not for hidden callers.
            checkEq(s.screen(n, at = T0 + 60 + 181).action, Action.SILENCE, "outside the window")
            s.setHiddenAction(Action.SILENCE)
            s.screenAndRecord("", at = T0)
            checkEq(s.screen("", at = T0 + 60).reasons, listOf(Reason.HIDDEN), "hidden callers never repeat")
            // The user's own block list wins.
            s.addRule(RuleList.BLOCK, n)
            checkEq(s.screen(n, at = T0 + 90).reasons, listOf(Reason.BLOCK_LIST), "block list")
            checkEq(Reason.REPEATED_CALLER.code(), "repeated_caller", "code")
        }
    }

    Harness.scenario("temporary rules end by themselves; the pause lets every call ring until it ends") {
        kr().use { s ->
            s.addRule(RuleList.BLOCK, "+8210*", "all mobiles")
            val added = s.addRule(RuleList.ALLOW, "010-2222-3333", "plumber", until = T0)
            checkEq(added.rule.until, T0, "until")
            checkEq(s.rules(RuleList.ALLOW).map { it.until }, listOf<Long?>(T0), "rules(ALLOW)")
            checkEq(s.rules(RuleList.BLOCK).map { it.until }, listOf<Long?>(null), "rules(BLOCK)")
            checkEq(s.screen("010-2222-3333", at = T0 - 1).reasons, listOf(Reason.ALLOW_LIST), "before its end")
            checkEq(s.screen("010-2222-3333", at = T0).reasons, listOf(Reason.BLOCK_LIST), "at its end")
            expectThrows<RingfenceException.BadSettingValue> { s.addRule(RuleList.BLOCK, "070-1111-2222", until = 1L) }

            checkEq(s.pausedUntil(), null, "not paused")
            s.pause(T0 + 3600)
            checkEq(s.pausedUntil(), T0 + 3600, "pausedUntil")
            for (n in listOf("010-5555-6666", "")) {
                val d = s.screenAndRecord(n, at = T0)
                checkEq(d.action, Action.ALLOW, "paused: $n")
                checkEq(d.reasons, listOf(Reason.PAUSED), "paused reasons: $n")
            }
            checkEq(s.history(10u).size, 2, "still recorded")
            checkEq(s.screen("112", at = T0).reasons, listOf(Reason.EMERGENCY), "emergency keeps its reason")
            checkEq(s.screen("010-5555-6666", at = T0 + 3600).action, Action.BLOCK, "the pause ended by itself")
            checkEq(s.resume(), true, "resume")
            checkEq(s.pausedUntil(), null, "resumed")
            checkEq(s.screen("010-5555-6666", at = T0).action, Action.BLOCK, "after resume")
            expectThrows<RingfenceException.BadSettingValue> { s.pause(1L) }
            checkEq(Reason.PAUSED.code(), "paused", "code")
        }
    }
}
