// Hand-written glue compiled into the Ringfence Swift module next to the generated
// Ringfence.swift: by the Swift package here (bindings/swift/Package.swift) and by the
// tests on Linux (scripts/test-bindings.sh). No CallKit import, so those tests cover it;
// the Call Directory extension passes CallKit's add functions as the sink:
//
//     let loader = CallDirectoryLoader(screener: screener)
//     try loader.loadBlockingEntries { context.addBlockingEntry(withNextSequentialPhoneNumber: $0) }
//     try loader.loadIdentificationEntries { context.addIdentificationEntry(withNextSequentialPhoneNumber: $0, label: $1) }

import Foundation

/// Streams the Call Directory export from a `Screener` into CallKit, batch by batch in
/// ascending order, so an extension can load millions of numbers without holding them.
///
/// CallKit refuses numbers that are not strictly ascending and fails the whole reload;
/// the loader checks the order and throws `CallDirectoryLoaderError.notAscending` before
/// handing a bad number to the sink. Loading is blocking: the extension's
/// `beginRequest(with:)` already runs off the main thread.
public struct CallDirectoryLoader: Sendable {
    /// Fetches one batch: (kind, after, limit) as `Screener.callDirectoryBatch`.
    public typealias BatchSource = @Sendable (DirectoryKind, Int64?, UInt32) throws -> DirectoryBatch

    /// Entries per batch: each batch is one call into Rust and one array in memory.
    public let batchSize: UInt32
    /// Stop after this many entries (a Call Directory extension holds a few million in
    /// all, across its lists); `nil` for no ceiling.
    public let maxEntries: Int?
    private let fetch: BatchSource

    /// Loads from `screener`.
    public init(screener: Screener, batchSize: UInt32 = 10_000, maxEntries: Int? = nil) {
        self.init(batchSize: batchSize, maxEntries: maxEntries) { kind, after, limit in
            try screener.callDirectoryBatch(kind: kind, after: after, limit: limit)
        }
    }

    /// Loads from any source of batches (tests, a cached export).
    public init(batchSize: UInt32 = 10_000, maxEntries: Int? = nil, fetch: @escaping BatchSource) {
        precondition(batchSize > 0, "batchSize must be at least 1")
        self.batchSize = batchSize
        self.maxEntries = maxEntries
        self.fetch = fetch
    }

    /// What a load did.
    public struct Summary: Sendable, Equatable {
        /// Entries handed to the sink.
        public var entries: Int = 0
        /// Batches fetched.
        public var batches: Int = 0
        /// The last number handed to the sink: pass it as `after` to resume.
        public var lastNumber: Int64? = nil
        /// `maxEntries` stopped the load before the export's end.
        public var truncated: Bool = false
        /// Block-list prefixes too broad to expand (tell the user).
        public var skippedPrefixes: [SkippedPrefix] = []
    }

    /// Feeds every entry of `kind` after `after` (nil: from the start) to `sink`, in
    /// strictly ascending order.
    @discardableResult
    public func load(_ kind: DirectoryKind, after: Int64? = nil, into sink: (DirectoryEntry) throws -> Void) throws -> Summary {
        var summary = Summary()
        var cursor = after
        var previous = after
        while true {
            let limit: UInt32
            if let max = maxEntries {
                let left = max - summary.entries
                if left <= 0 {
                    summary.truncated = true
                    break
                }
                limit = UInt32(min(Int(batchSize), left))
            } else {
                limit = batchSize
            }
            // One batch's temporary objects are freed before the next (extensions have
            // little memory).
            let next: Int64? = try withAutoreleasePool {
                let batch = try fetch(kind, cursor, limit)
                summary.batches += 1
                if summary.batches == 1 { summary.skippedPrefixes = batch.skippedPrefixes }
                for entry in batch.entries {
                    if let p = previous, entry.number <= p {
                        throw CallDirectoryLoaderError.notAscending(previous: p, next: entry.number)
                    }
                    try sink(entry)
                    previous = entry.number
                    summary.entries += 1
                    summary.lastNumber = entry.number
                }
                if let n = batch.nextAfter {
                    if let c = cursor, n <= c { throw CallDirectoryLoaderError.cursorDidNotAdvance(after: c) }
                    if batch.entries.isEmpty { throw CallDirectoryLoaderError.cursorDidNotAdvance(after: cursor ?? 0) }
                }
                return batch.nextAfter
            }
            guard let n = next else { break }
            cursor = n
        }
        return summary
    }

    /// Feeds every number CallKit should block to `add`
    /// (`context.addBlockingEntry(withNextSequentialPhoneNumber:)`).
    @discardableResult
    public func loadBlockingEntries(after: Int64? = nil, into add: (Int64) throws -> Void) throws -> Summary {
        try load(.blocking, after: after) { try add($0.number) }
    }

    /// Feeds every number CallKit should label to `add`
    /// (`context.addIdentificationEntry(withNextSequentialPhoneNumber:label:)`), with
    /// `defaultLabel` where the engine has none (CallKit needs a label).
    @discardableResult
    public func loadIdentificationEntries(
        after: Int64? = nil,
        defaultLabel: String = "Suspected spam",
        into add: (Int64, String) throws -> Void
    ) throws -> Summary {
        try load(.identification, after: after) { entry in
            let label = entry.label.flatMap { $0.isEmpty ? nil : $0 } ?? defaultLabel
            try add(entry.number, label)
        }
    }
}

/// Why a load stopped.
public enum CallDirectoryLoaderError: Error, Equatable, CustomStringConvertible {
    /// A number was not greater than the one before it: CallKit would fail the reload.
    case notAscending(previous: Int64, next: Int64)
    /// A batch's cursor did not move forward (the load would never end).
    case cursorDidNotAdvance(after: Int64)

    public var description: String {
        switch self {
        case let .notAscending(previous, next):
            return "Call Directory entries out of order: \(next) came after \(previous)"
        case let .cursorDidNotAdvance(after):
            return "Call Directory export did not advance past \(after)"
        }
    }
}

/// `autoreleasepool` where Objective-C exists (iOS, macOS); just the body elsewhere.
@inline(__always)
private func withAutoreleasePool<T>(_ body: () throws -> T) rethrows -> T {
    #if canImport(ObjectiveC)
    return try autoreleasepool(invoking: body)
    #else
    return try body()
    #endif
}
