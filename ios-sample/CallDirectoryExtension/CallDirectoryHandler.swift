import CallKit
import Foundation
import Ringfence

/// Loads ringfence's blocking and identification lists into CallKit.
///
/// iOS runs this when the app calls `CXCallDirectoryManager.reloadExtension` (after the
/// user blocks or reports a number) and when the user enables the extension in
/// Settings > Phone > Call Blocking & Identification. The lists stream from the shared
/// database through `CallDirectoryLoader` in ascending batches of 10 000, so the
/// extension never holds the whole list (extensions have little memory) and CallKit's
/// strictly-ascending rule is checked before it could fail the reload.
///
/// Incremental reloads: on an incremental request this removes every entry and adds the
/// full lists again. That is the simple safe choice: the result is always exactly what
/// the engine exports now, whatever changed (rules, reports, community data, policy). The
/// alternative, sending only what changed since the last load, needs the engine to export
/// differences against a stored version; it is worth it only when the lists reach
/// millions of entries and reload time matters.
final class CallDirectoryHandler: CXCallDirectoryProvider {
    override func beginRequest(with context: CXCallDirectoryExtensionContext) {
        context.delegate = self
        do {
            let screener = try SharedDatabase.openScreener()
            if let why = try screener.degraded() {
                // Load what could be read; the app repairs the file (never the extension:
                // it is short-lived and the app owns the database).
                NSLog("ringfence: loading the Call Directory from a damaged database: %@", why)
            }
            if context.isIncremental {
                context.removeAllBlockingEntries()
                context.removeAllIdentificationEntries()
            }
            let loader = CallDirectoryLoader(screener: screener, batchSize: 10_000)
            try loader.loadBlockingEntries { number in
                context.addBlockingEntry(withNextSequentialPhoneNumber: number)
            }
            try loader.loadIdentificationEntries { number, label in
                context.addIdentificationEntry(withNextSequentialPhoneNumber: number, label: label)
            }
            context.completeRequest()
        } catch {
            NSLog("ringfence: Call Directory load failed: %@", String(describing: error))
            context.cancelRequest(withError: error)
        }
    }
}

extension CallDirectoryHandler: CXCallDirectoryExtensionContextDelegate {
    func requestFailed(for extensionContext: CXCallDirectoryExtensionContext, withError error: Error) {
        // CallKit refused the entries (out of order, duplicates, too many): the app sees the
        // error from reloadExtension.
        NSLog("ringfence: CallKit refused the Call Directory entries: %@", String(describing: error))
    }
}
