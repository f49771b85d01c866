import SwiftUI

@main
struct RingfenceSampleApp: App {
    @StateObject private var model = Model()
    @Environment(\.scenePhase) private var phase

    var body: some Scene {
        WindowGroup {
            ContentView()
                .environmentObject(model)
                .task { await model.refresh() }
        }
        .onChange(of: phase) { phase in
            if phase == .background { CommunitySync.scheduleRefresh() }
        }
        // iOS wakes the app now and then (the schedule is a hint): sync, and reload the
        // Call Directory extension when the community list changed.
        .backgroundTask(.appRefresh(CommunitySync.refreshTask)) {
            CommunitySync.scheduleRefresh()
            await model.sync()
        }
    }
}
