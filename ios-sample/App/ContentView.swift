import Ringfence
import SwiftUI

struct ContentView: View {
    @EnvironmentObject private var model: Model
    @State private var number = ""
    @State private var reporting = false

    var body: some View {
        NavigationStack {
            List {
                if let why = model.degraded {
                    Section {
                        Button(model.repairing ? "Repairing…" : "Repair the database") { Task { await model.repair() } }
                            .disabled(model.repairing)
                    } header: {
                        Text("The database needs repair")
                    } footer: {
                        Text("Calls are blocked with what could be read, and changes cannot be saved. \(why)")
                    }
                }
                if model.extensionEnabled == false {
                    Section {
                        Button("Turn on call blocking in Settings") { model.openSettings() }
                    } footer: {
                        Text("Settings › Phone › Call Blocking & Identification › ringfence")
                    }
                }
                Section {
                    TextField("Number, or a prefix such as 070*", text: $number)
                        .keyboardType(.phonePad)
                    HStack {
                        Button("Block") { Task { await model.block(number) } }
                        Spacer()
                        Button("Report spam") { reporting = true }
                    }
                    .buttonStyle(.borderless)
                    .disabled(number.isEmpty)
                    if !model.status.isEmpty {
                        Text(model.status).font(.footnote).foregroundStyle(.secondary)
                    }
                }
                Section("Blocked") {
                    ForEach(model.blocked, id: \.pattern) { rule in
                        VStack(alignment: .leading) {
                            Text(rule.pattern)
                            if let label = rule.label { Text(label).font(.caption).foregroundStyle(.secondary) }
                        }
                    }
                    .onDelete { rows in
                        let rules = rows.map { model.blocked[$0] }
                        Task { for r in rules { await model.unblock(r) } }
                    }
                }
                Section {
                    HStack {
                        Button("Sync now") { Task { await model.sync() } }
                            .disabled(model.syncing)
                        Spacer()
                        if model.syncing {
                            ProgressView()
                        } else if let last = model.lastSync {
                            Text(last, style: .relative).font(.caption).foregroundStyle(.secondary)
                        }
                    }
                } header: {
                    Text("Community")
                } footer: {
                    Text("Shares your reports and downloads the numbers others reported.")
                }
                Section("Reported, waiting to be shared") {
                    ForEach(model.reported, id: \.id) { r in
                        Text("\(r.e164) · \(r.category.label())")
                    }
                }
            }
            .navigationTitle("ringfence")
            .refreshable { await model.refresh() }
            .confirmationDialog("Report as", isPresented: $reporting) {
                ForEach(reportableCategories(), id: \.self) { category in
                    Button(category.label()) { Task { await model.report(number, as: category) } }
                }
            }
        }
    }
}
