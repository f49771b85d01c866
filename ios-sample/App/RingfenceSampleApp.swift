import SwiftUI

@main
struct RingfenceSampleApp: App {
    @StateObject private var model = Model()

    var body: some Scene {
        WindowGroup {
            ContentView()
                .environmentObject(model)
                .task { await model.refresh() }
        }
    }
}
