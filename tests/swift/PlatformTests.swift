// The iOS glue (bindings/swift/CallDirectoryLoader.swift, compiled into the Ringfence
// module) on Linux: it has no CallKit import, so the loading loop is tested here with a
// sink standing in for CXCallDirectoryExtensionContext.
import Foundation
import Ringfence

func platformTests() {
    Harness.scenario("CallDirectoryLoader feeds blocking entries ascending, batch by batch, as one export") {
        let s = try exportFixture()
        let whole = try s.callDirectoryBatch(kind: .blocking, after: nil, limit: 1_000_000).entries.map(\.number)
        var added: [Int64] = []
        let summary = try CallDirectoryLoader(screener: s, batchSize: 700).loadBlockingEntries { added.append($0) }
        try checkEq(added, whole, "entries")
        try checkEq(summary.entries, whole.count, "summary.entries")
        try checkEq(summary.batches, (whole.count + 699) / 700, "batches")
        try checkEq(summary.lastNumber, whole.last, "lastNumber")
        try checkEq(summary.truncated, false, "truncated")
        try checkEq(summary.skippedPrefixes.map(\.prefix), ["+1202*"], "skippedPrefixes")
    }

    Harness.scenario("CallDirectoryLoader labels identification entries, with a default label") {
        let s = try exportFixture()
        var added: [(Int64, String)] = []
        try CallDirectoryLoader(screener: s).loadIdentificationEntries { added.append(($0, $1)) }
        try checkEq(added.map(\.0), [821055550001], "numbers")
        try check(added[0].1.hasPrefix("Telemarketing"), "label: \(added[0].1)")
        let fake = CallDirectoryLoader(batchSize: 10) { _, _, _ in
            DirectoryBatch(entries: [DirectoryEntry(number: 15, label: nil), DirectoryEntry(number: 16, label: "")],
                           nextAfter: nil, skippedPrefixes: [])
        }
        var labels: [String] = []
        try fake.loadIdentificationEntries(defaultLabel: "Spam?") { labels.append($1) }
        try checkEq(labels, ["Spam?", "Spam?"], "default label for missing and empty labels")
    }

    Harness.scenario("CallDirectoryLoader refuses entries out of order, before CallKit sees them") {
        let batches: [DirectoryBatch] = [
            DirectoryBatch(entries: [DirectoryEntry(number: 10, label: nil), DirectoryEntry(number: 20, label: nil)], nextAfter: 20, skippedPrefixes: []),
            DirectoryBatch(entries: [DirectoryEntry(number: 20, label: nil), DirectoryEntry(number: 30, label: nil)], nextAfter: nil, skippedPrefixes: []),
        ]
        let loader = CallDirectoryLoader(batchSize: 2) { _, after, _ in after == nil ? batches[0] : batches[1] }
        var added: [Int64] = []
        do {
            try loader.loadBlockingEntries { added.append($0) }
            throw CheckFailed(description: "out-of-order entries were accepted")
        } catch let e as CallDirectoryLoaderError {
            try checkEq(e, .notAscending(previous: 20, next: 20), "error")
            try check("\(e)".contains("out of order"), "message: \(e)")
        }
        try checkEq(added, [10, 20], "entries before the bad one")
    }

    Harness.scenario("CallDirectoryLoader stops at maxEntries and resumes after lastNumber") {
        let s = try exportFixture()
        let whole = try s.callDirectoryBatch(kind: .blocking, after: nil, limit: 1_000_000).entries.map(\.number)
        var first: [Int64] = []
        let part = try CallDirectoryLoader(screener: s, batchSize: 1000, maxEntries: 2500).loadBlockingEntries { first.append($0) }
        try checkEq(part.entries, 2500, "entries")
        try checkEq(part.batches, 3, "batches")
        try check(part.truncated, "truncated")
        var rest: [Int64] = []
        let tail = try CallDirectoryLoader(screener: s, batchSize: 1000).loadBlockingEntries(after: part.lastNumber) { rest.append($0) }
        try checkEq(first + rest, whole, "both parts = the whole export")
        try check(!tail.truncated, "tail truncated")
    }

    Harness.scenario("CallDirectoryLoader reports the screener's errors as RingfenceError") {
        let s = try kr()
        let e = try expectThrows(RingfenceError.self) {
            try CallDirectoryLoader(screener: s).loadBlockingEntries(after: -1) { _ in }
        }
        guard case .InvalidArgument = e else { throw CheckFailed(description: "got \(e)") }
    }
}
