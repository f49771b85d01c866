// Emergency numbers through the generated Kotlin: the roaming network's emergency numbers
// (screen's networkRegion), the callback window after the user dials an emergency number
// (recordOutgoing, policy emergency.callback-minutes) and other regions' emergency
// numbers from libphonenumber's short-number data. The same scenarios as
// tests/swift/EmergencyTests.swift (and core/tests/screening.rs in Rust).
// Every call has an explicit time (Unix seconds): the window is decided by `at`.
package dev.ringfence.tests

import dev.ringfence.*

/** A fixed moment, far from the wall clock: 2027-01-15. */
private const val T0 = 1_800_000_000L

fun emergencyTests() {
    Harness.scenario("roaming: the network region's emergency numbers ring, even when blocked at home") {
        Screener.openInMemory("US").use { s ->
            s.addRule(RuleList.BLOCK, "144", "blocked at home")
            val home = s.screen("144", at = T0)
            checkEq(home.action, Action.BLOCK, "144 at home (no networkRegion)")
            checkEq(home.reasons, listOf(Reason.BLOCK_LIST), "reasons at home")
            checkEq(s.screen("144", at = T0, networkRegion = null).action, Action.BLOCK, "networkRegion = null")
            val roaming = s.screen("144", at = T0, networkRegion = "CH")
            checkEq(roaming.action, Action.ALLOW, "144 on a Swiss network")
            checkEq(roaming.category, Category.EMERGENCY, "category")
            checkEq(roaming.reasons, listOf(Reason.EMERGENCY), "reasons")
            checkEq(roaming.e164, "+41144", "e164")
            // As Android's TelephonyManager.getNetworkCountryIso() gives it: lower case, or
            // "" when the network is unknown (then it is as at home).
            checkEq(s.screen("144", at = T0, networkRegion = "ch").reasons, listOf(Reason.EMERGENCY), "networkRegion = \"ch\"")
            checkEq(s.screen("144", at = T0, networkRegion = "").action, Action.BLOCK, "networkRegion = \"\"")
            // The home region's own emergency numbers still ring while roaming.
            val nineOneOne = s.screen("911", null, false, T0, "CH")
            checkEq(nineOneOne.reasons, listOf(Reason.EMERGENCY), "911 while roaming")
            // screenAndRecord takes it too, and the history keeps the decision.
            val recorded = s.screenAndRecord("144", at = T0 + 1, networkRegion = "CH")
            checkEq(recorded.action, Action.ALLOW, "screenAndRecord while roaming")
            checkEq(s.screenAndRecord("144", at = T0 + 2).action, Action.BLOCK, "screenAndRecord at home")
            val h = s.history(10u)
            checkEq(h.map { it.at to it.action }, listOf(T0 + 2 to Action.BLOCK, T0 + 1 to Action.ALLOW), "history")
            checkEq(h[1].reasons, listOf(Reason.EMERGENCY), "history reasons")
            checkEq(h[1].e164, "+41144", "history e164")
            // An unknown network region is a bad argument, not a decision.
            val bad = expectThrows<RingfenceException.InvalidArgument> { s.screen("144", at = T0, networkRegion = "Mars") }
            checkEq(bad.argument, "network_region", "argument")
            expectThrows<RingfenceException.InvalidArgument> { s.screenAndRecord("144", at = T0, networkRegion = "ZZ") }
            checkEq(s.history(10u).size, 2, "nothing recorded for a bad argument")
        }
    }

    Harness.scenario("after an emergency call out, every call rings for 60 minutes with EMERGENCY_CALLBACK") {
        kr().use { s ->
            checkEq(s.policy().emergencyCallbackMinutes, 60u, "default emergencyCallbackMinutes")
            checkEq(s.policySettings().first { it.key == "emergency.callback-minutes" }.value, "60", "setting")
            s.addRule(RuleList.BLOCK, "+8210*", "all mobiles")
            s.setHiddenAction(Action.BLOCK)
            checkEq(s.screen("010-5555-0101", at = T0 + 10).action, Action.BLOCK, "blocked before any call out")

            // An ordinary call out opens nothing.
            val ordinary = s.recordOutgoing("010-9876-5432", T0)
            checkEq(ordinary, OutgoingCall(number = "+821098765432", at = T0, emergency = false), "ordinary call")
            checkEq(s.screen("010-5555-0101", at = T0 + 10).action, Action.BLOCK, "after an ordinary call out")

            val sos = s.recordOutgoing("119", at = T0)
            checkEq(sos, OutgoingCall(number = "+82119", at = T0, emergency = true), "emergency call")
            for (secs in listOf(0L, 60L, 59 * 60L + 59)) {
                val d = s.screen("010-5555-0101", at = T0 + secs)
                checkEq(d.action, Action.ALLOW, "blocked number $secs s after")
                checkEq(d.reasons, listOf(Reason.EMERGENCY_CALLBACK), "reasons $secs s after")
                checkEq(d.category, Category.EMERGENCY, "category $secs s after")
                checkEq(d.e164, "+821055550101", "e164 $secs s after")
                val hidden = s.screen("anonymous", at = T0 + secs)
                checkEq(hidden.action, Action.ALLOW, "hidden caller $secs s after")
                checkEq(hidden.reasons, listOf(Reason.EMERGENCY_CALLBACK), "hidden reasons $secs s after")
                checkEq(hidden.e164, null, "hidden e164")
            }
            checkEq(Reason.EMERGENCY_CALLBACK.code(), "emergency_callback", "Reason.code()")
            // The window ends 60 minutes after the call; before the call there is none.
            val after = s.screen("010-5555-0101", at = T0 + 60 * 60)
            checkEq(after.action, Action.BLOCK, "at the window's end")
            checkEq(after.reasons, listOf(Reason.BLOCK_LIST), "reasons at the window's end")
            checkEq(s.screen("anonymous", at = T0 + 60 * 60).reasons, listOf(Reason.HIDDEN), "hidden at the window's end")
            checkEq(s.screen("010-5555-0101", at = T0 - 1).action, Action.BLOCK, "before the call")

            // A decision in the window is recorded like any other.
            val d = s.screenAndRecord("010-5555-0101", at = T0 + 120)
            checkEq(d.reasons, listOf(Reason.EMERGENCY_CALLBACK), "screenAndRecord")
            s.record("anonymous", s.screen("anonymous", at = T0 + 130), T0 + 130)
            checkEq(s.history(10u).map { it.reasons }, listOf(listOf(Reason.EMERGENCY_CALLBACK), listOf(Reason.EMERGENCY_CALLBACK)), "history")

            // The window follows the policy; 0 turns it off.
            checkEq(s.setPolicy("emergency.callback-minutes", "120").emergencyCallbackMinutes, 120u, "120 minutes")
            checkEq(s.screen("010-5555-0101", at = T0 + 90 * 60).action, Action.ALLOW, "90 min after, window 120")
            checkEq(s.setPolicy("emergency.callback-minutes", "0").emergencyCallbackMinutes, 0u, "off")
            checkEq(s.screen("010-5555-0101", at = T0 + 1).action, Action.BLOCK, "window off")
            checkEq(s.screen("anonymous", at = T0 + 1).action, Action.BLOCK, "hidden, window off")
            expectThrows<RingfenceException.BadSettingValue> { s.setPolicy("emergency.callback-minutes", "-5") }
        }
    }

    Harness.scenario("recordOutgoing while roaming: the network's emergency number opens the window") {
        Screener.openInMemory("US").use { s ->
            s.addRule(RuleList.BLOCK, "+1 202 555 0143")
            val t1 = T0 + 86_400
            // 144 is no emergency number in the US: dialled at home it opens nothing.
            val atHome = s.recordOutgoing("144", t1 - 600)
            check(!atHome.emergency) { "144 dialled at home: $atHome" }
            checkEq(s.screen("+1 202 555 0143", at = t1 - 590).action, Action.BLOCK, "after 144 at home")
            // On a Swiss network it is the ambulance.
            val ambulance = s.recordOutgoing("144", t1, "CH")
            checkEq(ambulance, OutgoingCall(number = "+41144", at = t1, emergency = true), "144 on a Swiss network")
            val d = s.screen("+1 202 555 0143", at = t1 + 5)
            checkEq(d.action, Action.ALLOW, "action")
            checkEq(d.reasons, listOf(Reason.EMERGENCY_CALLBACK), "reasons")
            checkEq(s.screen("+1 202 555 0143", at = t1 + 60 * 60).action, Action.BLOCK, "after the window")
            // Hidden and malformed numbers are refused; an unknown network region too.
            expectThrows<RingfenceException.InvalidNumber> { s.recordOutgoing("", t1) }
            expectThrows<RingfenceException.InvalidNumber> { s.recordOutgoing("call me", t1) }
            expectThrows<RingfenceException.InvalidArgument> { s.recordOutgoing("144", t1, "Mars") }
        }
    }

    Harness.scenario("a real file keeps the emergency call out: another screener and a reopened one see the window") {
        val path = java.io.File(TempDirs.make(), "ringfence.db").path
        Screener.open(path, "KR").use { s ->
            s.addRule(RuleList.BLOCK, "+8210*")
            // A second screener on the file (a screening service in another process, say)
            // sees the call out at once.
            Screener.open(path, "KR").use { other ->
                checkEq(other.screen("010-5555-0101", at = T0 + 300).action, Action.BLOCK, "other, before the call out")
                check(s.recordOutgoing("112", T0).emergency) { "112 is an emergency number" }
                checkEq(other.screen("010-5555-0101", at = T0 + 300).reasons, listOf(Reason.EMERGENCY_CALLBACK), "other, in the window")
            }
        }
        Screener.open(path, "KR").use { s ->
            checkEq(s.screen("010-5555-0101", at = T0 + 300).reasons, listOf(Reason.EMERGENCY_CALLBACK), "reopened, in the window")
            checkEq(s.screen("010-5555-0101", at = T0 + 3600).action, Action.BLOCK, "reopened, after the window")
        }
    }

    Harness.scenario("other regions' emergency numbers (short-number data) ring and cannot be blocked") {
        Screener.openInMemory("CH").use { s ->
            val e = expectThrows<RingfenceException.EmergencyNumber> { s.addRule(RuleList.BLOCK, "117") }
            checkEq(e.number, "+41117", "number")
            expectThrows<RingfenceException.EmergencyNumber> { s.reportSpam("117", Category.SCAM) }
            s.addRule(RuleList.BLOCK, "+41*", "everything in Switzerland")
            val d = s.screen("117", at = T0)
            checkEq(d.action, Action.ALLOW, "action")
            checkEq(d.category, Category.EMERGENCY, "category")
            checkEq(d.reasons, listOf(Reason.EMERGENCY), "reasons")
            checkEq(d.e164, "+41117", "e164")
            checkEq(s.rules(RuleList.BLOCK).map { it.pattern }, listOf("+41*"), "rules")
        }
        for ((home, number, e164) in listOf(Triple("NO", "113", "+47113"), Triple("AT", "144", "+43144"), Triple("ZA", "10111", "+2710111"))) {
            Screener.openInMemory(home).use { s ->
                val e = expectThrows<RingfenceException.EmergencyNumber> { s.addRule(RuleList.BLOCK, number) }
                checkEq(e.number, e164, "$home $number: error's number")
                val d = s.screen(number, at = T0)
                checkEq(d.action to d.reasons, Action.ALLOW to listOf(Reason.EMERGENCY), "$home $number")
            }
        }
    }
}
