// swift-tools-version: 5.9
// The Ringfence Swift package: the Swift module `Ringfence` (generated bindings plus the
// hand-written glue in Sources/Ringfence) over the Rust library, shipped as the binary
// target `RingfenceFFI` (RingfenceFFI.xcframework: static libraries for iOS devices and
// simulators, with the C header and module map of the FFI).
//
// Both the xcframework and Sources/Ringfence/Generated/Ringfence.swift are built by
// bindings/ios/build-xcframework.sh (on a Mac with Xcode) and are not committed:
// run it before opening this package or an app that depends on it.
//
// The binary target is named after the C module it holds (RingfenceFFI): it cannot share
// the name `Ringfence` with the Swift target, and an app only ever imports `Ringfence`.
import PackageDescription

let package = Package(
    name: "Ringfence",
    platforms: [.iOS(.v13)],
    products: [
        .library(name: "Ringfence", targets: ["Ringfence"]),
    ],
    targets: [
        .target(
            name: "Ringfence",
            dependencies: ["RingfenceFFI"],
            path: "Sources/Ringfence"
        ),
        .binaryTarget(name: "RingfenceFFI", path: "RingfenceFFI.xcframework"),
    ]
)
