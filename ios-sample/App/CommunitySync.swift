import BackgroundTasks
import Foundation
import Ringfence

/// Where the app syncs with the community, and when iOS lets it do so in the background.
enum CommunitySync {
    /// Your ringfence-server. Set `key` to its public key (what `ringfence-server pubkey`
    /// prints) to pin it from the first sync; without it the first sync pins the key the
    /// server offers, and a later change is refused (`RingfenceError.KeyChanged`).
    /// Background refresh gets about 30 s, so the whole sync ends within 25.
    static let config = SyncConfig(serverUrl: "https://ringfence.example.org", key: nil,
                                   timeoutMs: 25_000, requestTimeoutMs: 25_000, attempts: 2)

    /// The app's own HTTP stack (URLSession) carries the sync.
    static let transport = URLSessionTransport()

    /// The background refresh task (BGTaskSchedulerPermittedIdentifiers in project.yml).
    static let refreshTask = "dev.ringfence.sample.sync"

    /// Asks iOS for a background refresh in six hours or later (iOS decides when).
    static func scheduleRefresh() {
        let request = BGAppRefreshTaskRequest(identifier: refreshTask)
        request.earliestBeginDate = Date(timeIntervalSinceNow: 6 * 3600)
        do {
            try BGTaskScheduler.shared.submit(request)
        } catch {
            NSLog("ringfence: no background refresh: %@", String(describing: error))
        }
    }
}
