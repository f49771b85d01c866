package dev.ringfence.tests

import dev.ringfence.*

// Needs a library built with the `test-hooks` feature (scripts/test-bindings.sh does).
fun panicTests() {
    Harness.scenario("a panic inside guard() arrives as RingfenceException.Internal") {
        val e = expectThrows<RingfenceException.Internal> { testHooksPanic("boom") }
        checkEq(e.details, "boom", "details")
    }

    Harness.scenario("an unguarded panic arrives as UniFFI's InternalException (not typed)") {
        val e = expectThrows<InternalException> { testHooksPanicUnguarded("raw boom") }
        checkEq(e.message, "raw boom", "message")
    }

    Harness.scenario("the library still works after a panic") {
        checkEq(normalize("112", "KR").numberType, NumberType.EMERGENCY, "numberType")
    }
}

// The callback shape that sync and lookupOnline will use (a UniFFI callback interface).
fun callbackTests() {
    Harness.scenario("a Kotlin progress listener is called back from Rust, in order") {
        val seen = mutableListOf<Pair<UInt, UInt>>()
        val n = testHooksProgress(3u, object : TestHooksProgress {
            override fun onProgress(done: UInt, total: UInt) { seen += done to total }
        })
        checkEq(n, 3u, "calls")
        checkEq(seen, listOf(1u to 3u, 2u to 3u, 3u to 3u), "progress")
    }
}
