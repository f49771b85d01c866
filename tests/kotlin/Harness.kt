// A tiny test harness: no JUnit, so the tests need only kotlinc, a JVM and JNA.
// Each scenario prints PASS or FAIL; the run ends with "kotlin: N passed, N failed" and
// exits non-zero if anything failed.
package dev.ringfence.tests

object Harness {
    var passed = 0
    var failed = 0

    fun scenario(name: String, body: () -> Unit) {
        try {
            body()
            passed++
            println("PASS $name")
        } catch (e: Throwable) {
            failed++
            println("FAIL $name: $e")
        }
    }
}

class CheckFailed(message: String) : AssertionError(message)

fun check(condition: Boolean, what: () -> String) {
    if (!condition) throw CheckFailed(what())
}

fun <T> checkEq(actual: T, expected: T, what: String) {
    if (actual != expected) throw CheckFailed("$what: expected $expected, got $actual")
}

/** Runs body, which must throw an E; returns it. */
inline fun <reified E : Throwable> expectThrows(body: () -> Unit): E {
    try {
        body()
    } catch (e: Throwable) {
        if (e is E) return e
        throw CheckFailed("expected ${E::class.simpleName}, got $e")
    }
    throw CheckFailed("expected ${E::class.simpleName}, nothing was thrown")
}
