package dev.ringfence.tests

import dev.ringfence.*
import java.util.concurrent.CountDownLatch
import java.util.concurrent.atomic.AtomicReference
import kotlin.concurrent.thread

fun numberTests() {
    Harness.scenario("KR 1588-1234 with home KR is a national-only KR number") {
        val n = normalize("1588-1234", "KR")
        checkEq(n.e164, "+8215881234", "e164")
        checkEq(n.region, "KR", "region")
        checkEq(n.countryCode, 82.toUShort(), "countryCode")
        check(n.nationalOnly) { "nationalOnly should be true: $n" }
        check(n.traits.representative) { "representative should be true: $n" }
        check(!n.hidden) { "hidden should be false" }
        checkEq(n.malformed, null, "malformed")
    }

    Harness.scenario("+82 10 1234 5678 with home US is +821012345678, mobile") {
        val n = normalize("+82 10 1234 5678", "US")
        checkEq(n.e164, "+821012345678", "e164")
        checkEq(n.numberType, NumberType.MOBILE, "numberType")
        checkEq(n.region, "KR", "region")
        check(n.valid) { "valid should be true: $n" }
        check(!n.nationalOnly) { "nationalOnly should be false: $n" }
        checkEq(n.formatted, "+82 10-1234-5678", "formatted")
    }

    Harness.scenario("112 is emergency") {
        val n = normalize("112", "KR")
        checkEq(n.numberType, NumberType.EMERGENCY, "numberType")
        check(n.traits.emergency) { "traits.emergency should be true: $n" }
        check(n.e164 != null) { "an emergency number still has a key" }
    }

    Harness.scenario("hidden and malformed caller IDs are values, not errors") {
        val hidden = normalize("anonymous", "KR")
        check(hidden.hidden) { "anonymous should be hidden: $hidden" }
        checkEq(hidden.e164, null, "hidden e164")
        val bad = normalize("call me maybe", "KR")
        checkEq(bad.malformed, MalformedReason.BAD_CHARACTERS, "malformed")
        checkEq(bad.e164, null, "malformed e164")
    }

    Harness.scenario("an unknown region raises RingfenceException.UnknownRegion") {
        val e = expectThrows<RingfenceException.UnknownRegion> { normalize("010-1234-5678", "ZZ") }
        checkEq(e.region, "ZZ", "region field")
        // Also catchable as the sealed base class, with Rust's Display text as toString().
        val base = expectThrows<RingfenceException> { normalize("010-1234-5678", "Mars") }
        check(base.toString().startsWith("unknown region \"Mars\"")) { "toString: $base" }
    }

    Harness.scenario("two threads normalising at once get the same answers as one") {
        val inputs = listOf(
            Triple("1588-1234", "KR", "+8215881234"),
            Triple("+82 10 1234 5678", "US", "+821012345678"),
            Triple("010-1234-5678", "KR", "+821012345678"),
            Triple("(202) 555-0143", "US", "+12025550143"),
            Triple("tel:+1-800-555-0199", "KR", "+18005550199"),
        )
        val start = CountDownLatch(1)
        val failure = AtomicReference<Throwable?>(null)
        val threads = (0 until 2).map { t ->
            thread {
                try {
                    start.await()
                    repeat(2000) { i ->
                        val (raw, home, want) = inputs[(i + t) % inputs.size]
                        val got = normalize(raw, home).e164
                        if (got != want) throw CheckFailed("thread $t: $raw/$home gave $got, want $want")
                    }
                } catch (e: Throwable) {
                    failure.compareAndSet(null, e)
                }
            }
        }
        start.countDown()
        threads.forEach { it.join() }
        failure.get()?.let { throw it }
    }

    Harness.scenario("ringfenceVersion is the crate version") {
        check(Regex("""\d+\.\d+\.\d+.*""").matches(ringfenceVersion())) { ringfenceVersion() }
    }
}
