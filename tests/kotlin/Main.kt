package dev.ringfence.tests

import kotlin.system.exitProcess

fun main() {
    try {
        numberTests()
        panicTests()
        screenerTests()
        emergencyTests()
        policyTests()
        recoveryTests()
        adversarialTests()
        platformTests()
        callbackTests()
        syncTests()
        disputeTests()
    } finally {
        TempDirs.cleanUp()
    }
    println("kotlin: ${Harness.passed} passed, ${Harness.failed} failed")
    exitProcess(if (Harness.failed == 0 && Harness.passed > 0) 0 else 1)
}
