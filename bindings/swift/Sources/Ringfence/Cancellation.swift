// Swift `async` overloads of the long calls that stop when their Task is cancelled.
//
// UniFFI's generated async functions (`syncAsync`, `importListAsync`, ...) do not pass a
// Swift Task's cancellation on to Rust, so each overload here hands the call a
// `CancelToken` and cancels it from `withTaskCancellationHandler`. The work then stops
// at its next safe point, changes nothing, and the call throws `RingfenceError.Cancelled`
// once the work has stopped. Same names as the blocking calls: in an async context,
// `try await screener.sync(config:transport:)` is this one.
import Foundation

extension Screener {
    /// `sync`, cancellable by cancelling the Task. The listener is called on a worker
    /// thread while the sync goes on.
    public func sync(config: SyncConfig, transport: HttpTransport, listener: SyncListener? = nil) async throws -> SyncSummary {
        let token = CancelToken()
        return try await withTaskCancellationHandler {
            try await syncAsync(config: config, transport: transport, listener: listener, cancel: token)
        } onCancel: {
            token.cancel()
        }
    }

    /// `lookupOnline`, cancellable by cancelling the Task.
    public func lookupOnline(number: String, config: SyncConfig, transport: HttpTransport) async throws -> Evidence? {
        let token = CancelToken()
        return try await withTaskCancellationHandler {
            try await lookupOnlineAsync(number: number, config: config, transport: transport, cancel: token)
        } onCancel: {
            token.cancel()
        }
    }

    /// `importList`, cancellable by cancelling the Task (rolled back: nothing imported).
    public func importList(format: ListFormat, path: String) async throws -> ImportSummary {
        let token = CancelToken()
        return try await withTaskCancellationHandler {
            try await importListAsync(format: format, path: path, cancel: token)
        } onCancel: {
            token.cancel()
        }
    }

    /// `importListData`, cancellable by cancelling the Task.
    public func importListData(format: ListFormat, data: Data) async throws -> ImportSummary {
        let token = CancelToken()
        return try await withTaskCancellationHandler {
            try await importListDataAsync(format: format, data: data, cancel: token)
        } onCancel: {
            token.cancel()
        }
    }

    /// `callDirectoryBatch`, cancellable by cancelling the Task.
    public func callDirectoryBatch(kind: DirectoryKind, after: Int64?, limit: UInt32) async throws -> DirectoryBatch {
        let token = CancelToken()
        return try await withTaskCancellationHandler {
            try await callDirectoryBatchAsync(kind: kind, after: after, limit: limit, cancel: token)
        } onCancel: {
            token.cancel()
        }
    }
}
