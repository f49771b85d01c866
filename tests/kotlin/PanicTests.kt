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
