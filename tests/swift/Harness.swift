// A tiny test harness: no XCTest, so the tests need only swiftc (Linux or macOS).
// Each scenario prints PASS or FAIL; the run ends with "swift: N passed, N failed" and
// exits non-zero if anything failed.
import Foundation

struct CheckFailed: Error, CustomStringConvertible {
    let description: String
}

enum Harness {
    static var passed = 0
    static var failed = 0

    static func scenario(_ name: String, _ body: () throws -> Void) {
        do {
            try body()
            passed += 1
            print("PASS \(name)")
        } catch {
            failed += 1
            print("FAIL \(name): \(error)")
        }
    }
}

func check(_ condition: Bool, _ what: @autoclosure () -> String) throws {
    if !condition { throw CheckFailed(description: what()) }
}

func checkEq<T: Equatable>(_ actual: T, _ expected: T, _ what: String) throws {
    if actual != expected {
        throw CheckFailed(description: "\(what): expected \(expected), got \(actual)")
    }
}
