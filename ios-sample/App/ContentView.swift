import Ringfence
import SwiftUI

struct ContentView: View {
    @EnvironmentObject private var model: Model
    @State private var number = ""
    @State private var reporting = false
    @State private var quietHours = ""

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
                        Button("Why?") { Task { await model.explain(number) } }
                        Spacer()
                        Button("Report spam") { reporting = true }
                    }
                    .buttonStyle(.borderless)
                    .disabled(number.isEmpty)
                    if !model.status.isEmpty {
                        Text(model.status).font(.footnote).foregroundStyle(.secondary)
                    }
                    if let why = model.why {
                        Text(why).font(.footnote.monospaced())
                    }
                }
                if let p = model.policy {
                    Section {
                        Picker("Unknown callers", selection: Binding(
                            get: { p.unknownAction },
                            set: { a in Task { await model.setPolicy("unknown", a.code()) } }
                        )) {
                            ForEach([Action.allow, .warn, .silence, .block], id: \.self) { Text($0.code()).tag($0) }
                        }
                        Toggle("Let a number through when it calls twice", isOn: Binding(
                            get: { p.repeatCalls > 0 },
                            set: { on in Task { await model.setPolicy("repeat.calls", on ? "2" : "0") } }
                        ))
                        HStack {
                            TextField(p.quietHours ?? "Quiet hours, e.g. 22:00-07:00", text: $quietHours)
                            Button("Set") { Task { await model.setPolicy("quiet.hours", quietHours) } }
                        }
                        Button("Pause blocking for an hour / resume") { Task { await model.togglePause() } }
                    } header: {
                        Text("Screening")
                    } footer: {
                        Text("Unknown callers, repeated callers and quiet hours apply where a call is screened by "
                            + "the engine; iOS blocks from the list loaded in advance, reloaded when a pause or "
                            + "a temporary rule ends.")
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
