import Foundation
import Ringfence

/// The database the app and its Call Directory extension share, in the app group's
/// container: the app writes rules and reports, the extension reads them to build
/// CallKit's lists. Both open their own `Screener` on the same file (SQLite in WAL mode,
/// with a busy timeout, is made for that).
enum SharedDatabase {
    /// The app group both targets have in their entitlements (project.yml).
    static let appGroup = "group.dev.ringfence.sample"
    /// The Call Directory extension's bundle identifier (project.yml).
    static let extensionIdentifier = "dev.ringfence.sample.CallDirectory"

    enum Failure: Error, CustomStringConvertible {
        case noAppGroup
        var description: String {
            "the app group \(SharedDatabase.appGroup) is not in this target's entitlements"
        }
    }

    static func url() throws -> URL {
        guard let dir = FileManager.default.containerURL(forSecurityApplicationGroupIdentifier: appGroup) else {
            throw Failure.noAppGroup
        }
        return dir.appendingPathComponent("ringfence.db")
    }

    /// The region whose national number format the user's calls use. iOS gives apps no
    /// carrier country any more; the device's region is the usual stand-in. It can be a
    /// UN M.49 area ("001", the world) rather than a country: then "US".
    static var homeRegion: String {
        let region = Locale.current.region?.identifier ?? ""
        return region.count == 2 && region.allSatisfy(\.isLetter) ? region : fallbackRegion
    }

    static let fallbackRegion = "US"

    /// Opens the shared database (blocking: call it off the main thread).
    ///
    /// With `openOrFallback`, so a damaged or unopenable file never leaves the user without
    /// call blocking: the screener is then a read-only stand-in holding whatever rules
    /// could be read (`degraded()` says why; changes throw `Degraded`), the extension
    /// still loads those into CallKit, and the app offers a repair (`Model.repair`).
    static func openScreener() throws -> Screener {
        let path = try url().path
        do {
            return try Screener.openOrFallback(dbPath: path, homeRegion: homeRegion)
        } catch RingfenceError.UnknownRegion {
            // A two-letter region the numbering plan does not know.
            return try Screener.openOrFallback(dbPath: path, homeRegion: fallbackRegion)
        }
    }
}
