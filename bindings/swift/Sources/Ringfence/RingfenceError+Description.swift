// Hand-written additions compiled into the Ringfence Swift module next to the generated
// Ringfence.swift: by the Swift package (bindings/swift/Package.swift) and by the tests
// on Linux (scripts/test-bindings.sh).

// UniFFI 0.32 generates `description` (Rust's Display) for RingfenceError because the
// Rust enum has #[uniffi::export(Display)], but, unlike for records and enums, does not
// declare CustomStringConvertible for errors. Declaring it makes "\(error)" and
// error.localizedDescription (String(reflecting:)) show the readable Rust message.
extension RingfenceError: CustomStringConvertible {}
