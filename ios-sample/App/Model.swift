import CallKit
import Foundation
import Ringfence

/// The app's state. Every call into ringfence runs off the main actor (they block on
/// SQLite); results are published on it.
@MainActor
final class Model: ObservableObject {
    @Published var blocked: [Rule] = []
    @Published var reported: [Report] = []
    @Published var status = ""
    @Published var extensionEnabled: Bool? = nil
    @Published var syncing = false
    @Published var lastSync: Date? = nil
    /// Why the database could not be opened (it is damaged): calls are blocked with what
    /// could be read from it, changes cannot be saved, and the app offers `repair()`.
    @Published var degraded: String? = nil
    @Published var repairing = false
    /// The screening policy, for the settings section.
    @Published var policy: Policy? = nil
    /// "Why": the steps that decided for the number last explained.
    @Published var why: String? = nil
    /// When the Call Directory list next changes by itself (a pause or a temporary rule
    /// ends): the app reloads the extension then, as iOS cannot ask the app per call.
    private var reloadTask: Task<Void, Never>? = nil

    private var screener: Screener?

    /// The shared screener, opened on first use off the main actor.
    private func engine() async throws -> Screener {
        if let s = screener { return s }
        let s = try await Task.detached { try SharedDatabase.openScreener() }.value
        screener = s
        return s
    }

    func refresh() async {
        do {
            let s = try await engine()
            let (why, rules, reports, sync, p, paused) = try await Task.detached {
                (try s.degraded(), try s.rules(list: .block), try s.pendingReports(limit: 100), try s.syncState(),
                 try s.policy(), try s.pausedUntil())
            }.value
            degraded = why
            blocked = rules
            policy = p
            scheduleReload(at: ([paused] + rules.map(\.until)).compactMap { $0 }.min())
            reported = reports.filter(\.spam)
            lastSync = sync.lastSyncAt.map { Date(timeIntervalSince1970: TimeInterval($0)) }
        } catch {
            status = "\(error)"
        }
        extensionEnabled = try? await CXCallDirectoryManager.sharedInstance
            .enabledStatusForExtension(withIdentifier: SharedDatabase.extensionIdentifier) == .enabled
    }

    func block(_ number: String) async {
        await change { s in
            let added = try s.addRule(list: .block, pattern: number, label: "Blocked by me")
            return "Blocked \(added.rule.pattern)"
        }
    }

    func unblock(_ rule: Rule) async {
        await change { s in
            _ = try s.removeRule(list: .block, pattern: rule.pattern)
            return "Unblocked \(rule.pattern)"
        }
    }

    /// Reports, then shares the report with the community at once.
    func report(_ number: String, as category: Category) async {
        let reported = await change { s in
            let r = try s.reportSpam(number: number, category: category)
            return "Reported \(r.e164) as \(category.label())"
        }
        if reported { await sync() }
    }

    /// Uploads the reports and downloads the community's list through URLSession (the
    /// async `sync`: its work runs off the main actor, calls on the screener still work
    /// meanwhile, and cancelling the Task, as iOS does when background time runs out,
    /// stops it leaving the data as it was), then reloads the Call Directory extension if
    /// the list changed.
    func sync() async {
        guard !syncing else { return }
        syncing = true
        defer { syncing = false }
        do {
            let s = try await engine()
            let summary = try await s.sync(config: CommunitySync.config, transport: CommunitySync.transport)
            status = "Shared \(summary.uploaded) reports; community list: version \(summary.toVersion)"
                + " (\(summary.upserted) added or changed, \(summary.deleted) removed)"
            await refresh()
            if summary.toVersion != summary.fromVersion { await reloadExtension() }
        } catch let e as RingfenceError {
            // Offline (ServerUnreachable) is normal: the reports wait for the next sync.
            status = "Not synced: \(e.localizedDescription)"
        } catch {
            status = "Not synced: \(error)"
        }
    }

    /// Repairs a damaged database: `recover()` moves the file aside (never deleting it) and
    /// rebuilds it with every rule, contact and report that could be read, in place on this
    /// screener. Then a sync downloads the community list again (it is not carried over),
    /// and the Call Directory extension reloads from the repaired file.
    func repair() async {
        guard !repairing else { return }
        repairing = true
        defer { repairing = false }
        do {
            let s = try await engine()
            let r = try await Task.detached { try s.recover() }.value
            if r.movedTo == nil {
                status = "The database is sound; nothing was changed."
            } else {
                status = "Repaired: kept \(r.rules) rules, \(r.contacts) contacts and \(r.reports) reports."
                    + (r.incomplete.isEmpty ? "" : " Some entries of \(r.incomplete.joined(separator: ", ")) could not be read.")
            }
        } catch {
            // The file could not be moved aside or recreated: the screener is as it was.
            status = "Not repaired: \(error)"
            return
        }
        let repaired = status
        await refresh()
        await sync()
        status = repaired + " " + status
        await reloadExtension()
    }

    /// Changes one setting (`unknown`, `quiet.hours`, ...), checked by the engine; a
    /// refused value shows its sentence and changes nothing.
    func setPolicy(_ key: String, _ value: String) async {
        await change { s in
            _ = try s.setPolicy(key: key, value: value)
            return "\(key) = \(value)"
        }
    }

    /// Pauses for an hour, or resumes: the blocking list is empty while paused.
    func togglePause() async {
        await change { s in
            if try s.pausedUntil() != nil {
                _ = try s.resume()
                return "Blocking resumed"
            }
            try s.pause(until: Int64(Date().timeIntervalSince1970) + 3600)
            return "Blocking paused for an hour"
        }
    }

    /// "Why would this number be blocked?": the steps that decide for it now, in the
    /// phone's local time, and the number as the engine reads it.
    func explain(_ number: String) async {
        do {
            let s = try await engine()
            let now = Date()
            let offset = Int32(TimeZone.current.secondsFromGMT(for: now))
            let e = try await Task.detached {
                try s.explain(callerId: number, at: Int64(now.timeIntervalSince1970), utcOffsetSeconds: offset)
            }.value
            let read = e.reading.international.map { "\($0) (\(e.reading.numberType ?? ""))" } ?? e.reading.kind
            let steps = e.steps.filter(\.decided).map { "• \($0.step): \($0.saw)" }.joined(separator: "\n")
            why = "\(number) → \(read)\n\(steps)\n→ \(e.decision.action.code())"
        } catch {
            why = "\(error)"
        }
    }

    /// Reloads the extension when a pause or a temporary rule ends, while the app runs
    /// (the background refresh that syncs reloads it too). Rules limited to hours or a
    /// SIM are not in the list; quiet hours and the unknown-caller mode need the call
    /// itself: iOS applies only what the exported list holds.
    private func scheduleReload(at until: Int64?) {
        reloadTask?.cancel()
        guard let until else { return }
        let delay = max(0, TimeInterval(until) - Date().timeIntervalSince1970) + 1
        reloadTask = Task { [weak self] in
            try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            guard !Task.isCancelled, let self else { return }
            await self.refresh()
            await self.reloadExtension()
        }
    }

    func openSettings() {
        CXCallDirectoryManager.sharedInstance.openSettings { _ in }
    }

    /// Applies one change, then asks iOS to reload the Call Directory extension so CallKit
    /// blocks the new numbers. Returns whether the change was made.
    @discardableResult
    private func change(_ apply: @escaping @Sendable (Screener) throws -> String) async -> Bool {
        do {
            let s = try await engine()
            status = try await Task.detached { try apply(s) }.value
        } catch let e as RingfenceError {
            status = e.localizedDescription // a readable sentence from the engine
            if case .Degraded = e { await refresh() }     // shows the repair
            if case .Corrupt(_, let details) = e { degraded = details } // damage found later
            return false
        } catch {
            status = "\(error)"
            return false
        }
        await refresh()
        await reloadExtension()
        return true
    }

    private func reloadExtension() async {
        do {
            try await CXCallDirectoryManager.sharedInstance.reloadExtension(withIdentifier: SharedDatabase.extensionIdentifier)
        } catch {
            status += " (the call blocker did not reload: \(error.localizedDescription); is it enabled in Settings?)"
        }
    }
}
