// Issue 13 items 1, 2, 3 and 4 through the generated Kotlin: the unknown-caller action and
// numbers called out (recordOutgoing), repeated callers counted from the history (also
// with history.limit 0), temporary rules (addRule's until) and the pause, quiet hours
// and rules limited to windows and SIMs (item 3; offsets from java.util.TimeZone, the
// Android way, across a daylight-saving change). The same
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

    Harness.scenario("quiet hours follow the phone's local time across a daylight-saving change") {
        kr().use { s ->
            s.setPolicy("quiet.hours", "22:00-07:00")
            val p = s.policy()
            checkEq(listOf(p.quietHours, p.quietDays), listOf<String?>("22:00-07:00", "daily"), "quiet hours")
            checkEq(p.quietAction, Action.SILENCE, "quietAction")
            // The app passes the offset in force at each call, as Android computes it.
            val berlin = java.util.TimeZone.getTimeZone("Europe/Berlin")
            fun at(iso: String): Long = java.time.Instant.parse(iso).epochSecond
            fun inBerlin(t: Long) = s.screen("+49 30 1234567", at = t, utcOffsetSeconds = berlin.getOffset(t * 1000) / 1000)
            // 29 March 2026, 02:00 CET -> 03:00 CEST: 04:59Z is 06:59 (quiet), 05:00Z is 07:00.
            checkEq(inBerlin(at("2026-03-28T21:00:00Z")).reasons, listOf(Reason.QUIET_HOURS), "22:00 CET")
            checkEq(inBerlin(at("2026-03-28T20:59:00Z")).action, Action.ALLOW, "21:59 CET")
            checkEq(inBerlin(at("2026-03-29T04:59:00Z")).action, Action.SILENCE, "06:59 CEST")
            checkEq(inBerlin(at("2026-03-29T05:00:00Z")).action, Action.ALLOW, "07:00 CEST")
            // 25 October 2026, 03:00 CEST -> 02:00 CET: 05:59Z is 06:59 (quiet), 06:00Z is 07:00.
            checkEq(inBerlin(at("2026-10-25T05:59:00Z")).action, Action.SILENCE, "06:59 CET")
            checkEq(inBerlin(at("2026-10-25T06:00:00Z")).action, Action.ALLOW, "07:00 CET")
            // 21:30Z is 22:30 CET (quiet); without the offset it is read as 21:30 UTC (not).
            checkEq(inBerlin(at("2026-10-25T21:30:00Z")).action, Action.SILENCE, "22:30 CET")
            checkEq(s.screen("+49 30 1234567", at = at("2026-10-25T21:30:00Z")).action, Action.ALLOW,
                "no offset: UTC, 21:30 is not quiet")

            val r = s.addRule(RuleList.BLOCK, "070-1234-5678", between = "09:00-18:00", days = "mon-fri", sim = "work").rule
            checkEq(listOf(r.between, r.days, r.sim), listOf<String?>("09:00-18:00", "mon-fri", "work"), "rule window")
            val noon = at("2026-12-02T03:00:00Z") // Wednesday 12:00 in Seoul
            val seoul = 9 * 3600
            checkEq(s.screen("070-1234-5678", at = noon, utcOffsetSeconds = seoul, sim = "work").action, Action.BLOCK, "work SIM")
            checkEq(s.screen("070-1234-5678", at = noon, utcOffsetSeconds = seoul, sim = "home").action, Action.ALLOW, "home SIM")
            checkEq(s.screen("070-1234-5678", at = noon, utcOffsetSeconds = seoul).action, Action.ALLOW, "no SIM")
            checkEq(s.screen("070-1234-5678", at = noon + 6 * 3600, utcOffsetSeconds = seoul, sim = "work").action,
                Action.ALLOW, "18:00")
            s.addRules(RuleList.BLOCK, listOf(RuleInput("070-9999-0000", until = T0, days = "sat,sun")))
            val bulk = s.rules(RuleList.BLOCK).first { it.pattern == "+827099990000" }
            checkEq(listOf<Any?>(bulk.until, bulk.days), listOf<Any?>(T0, "sat,sun"), "addRules until and days")
            expectThrows<RingfenceException.InvalidArgument> { s.addRule(RuleList.BLOCK, "070-1111-2222", between = "9-5") }
            expectThrows<RingfenceException.BadSettingValue> { s.setPolicy("quiet.hours", "22:00") }
            checkEq(Reason.QUIET_HOURS.code(), "quiet_hours", "code")
        }
    }

    Harness.scenario("explain says which step decided, with the rule and the number as read") {
        kr().use { s ->
            s.addRule(RuleList.BLOCK, "070*", "voip", between = "09:00-18:00", sim = "work")
            val noon = 1_796_180_400L // 2026-12-02T12:00:00+09:00, a Wednesday
            val e = s.explain("070 1234 5678", at = noon, utcOffsetSeconds = 9 * 3600, sim = "work")
            checkEq(e.decision, s.screen("070 1234 5678", at = noon, utcOffsetSeconds = 9 * 3600, sim = "work"), "same decision")
            checkEq(e.decision.action, Action.BLOCK, "blocked")
            checkEq(e.steps.filter { it.decided }.map { it.step }, listOf("block"), "deciding step")
            checkEq(listOf(e.rule?.pattern, e.rule?.between, e.rule?.sim), listOf<String?>("+8270*", "09:00-18:00", "work"), "rule")
            checkEq(listOf(e.reading.e164, e.reading.international, e.reading.numberType),
                listOf<String?>("+827012345678", "+82 70-1234-5678", "voip"), "reading")
            checkEq(e.localTime, "wed 12:00", "local time")
            val other = s.explain("070 1234 5678", at = noon, utcOffsetSeconds = 9 * 3600)
            checkEq(other.rule, null, "no SIM: no rule")
            checkEq(other.steps.first { it.step == "block" }.saw.startsWith("no block rule"), true, "block step saw")
            checkEq(s.explain("call me").reading.kind, "malformed", "malformed")
        }
    }

    Harness.scenario("number groups: block all foreign numbers except Japan, toll-free; a number beats a group") {
        Screener.openInMemory("US").use { s ->
            val foreign = s.addRule(RuleList.BLOCK, "region:foreign").rule
            checkEq(listOf(foreign.pattern, foreign.isGroup.toString()), listOf("region:foreign", "true"), "group rule")
            s.addRule(RuleList.ALLOW, "region:JP")
            s.addRule(RuleList.BLOCK, "type:toll_free")
            checkEq(s.screen("+44 20 7031 3000", at = T0).action, Action.BLOCK, "the UK is foreign")
            checkEq(s.screen("+1 876 555 0199", at = T0).action, Action.BLOCK, "Jamaica shares +1 but is foreign")
            checkEq(s.screen("+81 3-1234-5678", at = T0).reasons, listOf(Reason.ALLOW_LIST), "Japan is allowed")
            checkEq(s.screen("(800) 555-0199", at = T0).reasons, listOf(Reason.BLOCK_LIST), "toll-free")
            checkEq(s.screen("(212) 555-0199", at = T0).action, Action.ALLOW, "home")
            s.addRule(RuleList.BLOCK, "+81 3-1234-5678")
            checkEq(s.screen("+81 3-1234-5678", at = T0).action, Action.BLOCK, "a number beats a group")
            expectThrows<RingfenceException.InvalidPattern> { s.addRule(RuleList.BLOCK, "type:cheap") }
        }
    }

    Harness.scenario("a backup restores every setting on another phone; a bad one changes nothing") {
        kr().use { a ->
            a.addRule(RuleList.BLOCK, "070*", "voip", until = T0, between = "09:00-18:00", sim = "work")
            a.addRule(RuleList.ALLOW, "region:JP")
            a.addContact("010-5555-6666")
            a.setPolicy("quiet.hours", "22:00-07:00")
            val doc = a.exportBackup()
            kr().use { b ->
                b.addRule(RuleList.BLOCK, "02-123-4567")
                val r = b.importBackup(doc, replace = true)
                checkEq(listOf(r.rules, r.contacts), listOf(2uL, 1uL), "restored")
                checkEq(b.rules(RuleList.BLOCK).map { listOf(it.pattern, it.label, it.between, it.sim) },
                    listOf(listOf<String?>("+8270*", "voip", "09:00-18:00", "work")), "rules replaced")
                checkEq(b.policy().quietHours, "22:00-07:00", "quiet hours")
                val e = expectThrows<RingfenceException.BadBackup> { b.importBackup(doc.replace("\"version\": 1", "\"version\": 2")) }
                checkEq(e.reason.contains("newer ringfence"), true, "reason: ${e.reason}")
                expectThrows<RingfenceException.BadBackup> { b.importBackup("{\"format\": \"ringfence-backup\"") }
                checkEq(b.rules(RuleList.BLOCK).size, 1, "nothing changed")
            }
        }
    }

    Harness.scenario("a mode limited to one SIM: calls on another SIM, or that do not say, ring") {
        kr().use { s ->
            s.setPolicy("unknown", "silence")
            checkEq(s.setPolicy("unknown.sim", "work").unknownSim, "work", "unknownSim")
            checkEq(s.screen("010-2222-3333", at = T0, sim = "work").action, Action.SILENCE, "work SIM")
            checkEq(s.screen("010-2222-3333", at = T0, sim = "home").action, Action.ALLOW, "home SIM")
            checkEq(s.screen("010-2222-3333", at = T0).action, Action.ALLOW, "no SIM")
        }
    }
}
