import Ringfence

// Needs a library built with the `test-hooks` feature (scripts/test-bindings.sh does).
func panicTests() {
    Harness.scenario("a panic inside guard() arrives as RingfenceError.Internal") {
        do {
            try testHooksPanic(message: "boom")
            throw CheckFailed(description: "nothing was thrown")
        } catch let RingfenceError.Internal(details) {
            try checkEq(details, "boom", "details")
        }
    }

    Harness.scenario("an unguarded panic arrives as an untyped (non-RingfenceError) error") {
        do {
            try testHooksPanicUnguarded(message: "raw boom")
            throw CheckFailed(description: "nothing was thrown")
        } catch is RingfenceError {
            throw CheckFailed(description: "unexpectedly typed")
        } catch is CheckFailed {
            throw CheckFailed(description: "nothing was thrown")
        } catch {
            // UniffiInternalError.rustPanic is internal to the generated module; its
            // description is the panic message.
            try check("\(error)".contains("raw boom"), "error: \(error)")
        }
    }

    Harness.scenario("the library still works after a panic") {
        try checkEq(try normalize(raw: "112", homeRegion: "KR").numberType, .emergency, "numberType")
    }
}

// The callback shape that sync and lookupOnline will use (a UniFFI callback interface).
final class RecordingProgress: TestHooksProgress, @unchecked Sendable {
    var seen: [String] = []
    func onProgress(done: UInt32, total: UInt32) { seen.append("\(done)/\(total)") }
}

func callbackTests() {
    Harness.scenario("a Swift progress listener is called back from Rust, in order") {
        let listener = RecordingProgress()
        let n = try testHooksProgress(steps: 3, listener: listener)
        try checkEq(n, 3, "calls")
        try checkEq(listener.seen, ["1/3", "2/3", "3/3"], "progress")
    }
}
