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
            let (rules, reports) = try await Task.detached {
                (try s.rules(list: .block), try s.pendingReports(limit: 100))
            }.value
            blocked = rules
            reported = reports.filter(\.spam)
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

    func report(_ number: String, as category: Category) async {
        await change { s in
            let r = try s.reportSpam(number: number, category: category)
            return "Reported \(r.e164) as \(category.label())"
        }
    }

    func openSettings() {
        CXCallDirectoryManager.sharedInstance.openSettings { _ in }
    }

    /// Applies one change, then asks iOS to reload the Call Directory extension so CallKit
    /// blocks the new numbers.
    private func change(_ apply: @escaping @Sendable (Screener) throws -> String) async {
        do {
            let s = try await engine()
            status = try await Task.detached { try apply(s) }.value
        } catch let e as RingfenceError {
            status = e.localizedDescription // a readable sentence from the engine
            return
        } catch {
            status = "\(error)"
            return
        }
        await refresh()
        do {
            try await CXCallDirectoryManager.sharedInstance.reloadExtension(withIdentifier: SharedDatabase.extensionIdentifier)
        } catch {
            status += " (the call blocker did not reload: \(error.localizedDescription); is it enabled in Settings?)"
        }
    }
}
