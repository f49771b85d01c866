import Foundation

numberTests()
panicTests()
screenerTests()
emergencyTests()
recoveryTests()
adversarialTests()
platformTests()
callbackTests()
syncTests()
TempDirs.cleanUp()
print("swift: \(Harness.passed) passed, \(Harness.failed) failed")
exit(Harness.failed == 0 && Harness.passed > 0 ? 0 : 1)
