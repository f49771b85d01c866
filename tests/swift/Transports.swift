// The app's HTTP stack as the sync's transport (HttpTransport), as an iOS app would
// write it, with URLSession (FoundationNetworking on Linux); and the misbehaving
// transports the sync must survive: one that fails, one that never answers, one that
// returns garbage, one that streams without end, and one that stops at a chosen point
// until the test lets it go.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking  // URLSession on Linux
#endif
import Ringfence

/// A thread-safe counter.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
    func add() { lock.lock(); n += 1; lock.unlock() }
}

/// HttpTransport over URLSession: refuses redirects (the delegate hands the 3xx back),
/// bounds the exchange by the request's timeout, streams the body into the sink as it
/// arrives, and cancels the task when the sink says stop.
final class URLSessionTransport: HttpTransport, @unchecked Sendable {
    private let counter = Counter()
    let stoppedCount = Counter()
    var requests: Int { counter.value }
    /// Called before each piece goes to the sink: (url, body bytes before it, its size; 0 for the head).
    let beforePiece: @Sendable (String, Int, Int) -> Void

    init(beforePiece: @escaping @Sendable (String, Int, Int) -> Void = { _, _, _ in }) {
        self.beforePiece = beforePiece
    }

    func send(request: HttpRequest, response: ResponseSink) throws {
        counter.add()
        guard let url = URL(string: request.url) else { throw HttpError.Failed(reason: "not a URL: \(request.url)") }
        let seconds = Double(request.timeoutMs) / 1000
        var r = URLRequest(url: url)
        r.httpMethod = request.method
        r.timeoutInterval = seconds
        if request.method == "POST" {
            r.httpBody = request.body
            r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForResource = seconds
        let exchange = Exchange(sink: response, url: request.url, beforePiece: beforePiece)
        let session = URLSession(configuration: configuration, delegate: exchange, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        session.dataTask(with: r).resume()
        exchange.done.wait()
        if let failure = exchange.failure {
            if case .Stopped = failure { stoppedCount.add() }
            throw failure
        }
    }
}

/// One request's delegate: the head, the body in pieces, the end.
private final class Exchange: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let sink: ResponseSink
    let url: String
    let beforePiece: @Sendable (String, Int, Int) -> Void
    let done = DispatchSemaphore(value: 0)
    var failure: HttpError?
    var received = 0

    init(sink: ResponseSink, url: String, beforePiece: @escaping @Sendable (String, Int, Int) -> Void) {
        self.sink = sink
        self.url = url
        self.beforePiece = beforePiece
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)  // never follow: the library decides about redirects
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        guard let http = response as? HTTPURLResponse else {
            failure = .Failed(reason: "not an HTTP response")
            completionHandler(.cancel)
            return
        }
        let head = HttpHead(
            status: UInt16(clamping: http.statusCode),
            contentLength: http.value(forHTTPHeaderField: "Content-Length").flatMap { UInt64($0.trimmingCharacters(in: .whitespaces)) },
            retryAfter: http.value(forHTTPHeaderField: "Retry-After"),
            location: http.value(forHTTPHeaderField: "Location"))
        do {
            beforePiece(url, 0, 0)
            try sink.head(head: head)
            completionHandler(.allow)
        } catch {
            failure = .Stopped
            completionHandler(.cancel)
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard failure == nil else { return }
        do {
            beforePiece(url, received, data.count)
            try sink.body(chunk: data)
            received += data.count
        } catch {
            failure = .Stopped
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if failure == nil, let error {
            failure = (error as NSError).code == NSURLErrorTimedOut ? .TimedOut : .Failed(reason: "\(error)")
        }
        done.signal()
    }
}

/// Every request fails as an offline phone's would.
final class FailingTransport: HttpTransport, @unchecked Sendable {
    let reason: String
    init(_ reason: String) { self.reason = reason }
    func send(request: HttpRequest, response: ResponseSink) throws { throw HttpError.Failed(reason: reason) }
}

/// Never answers, until the test releases it: the sync must not wait for it.
final class SilentTransport: HttpTransport, @unchecked Sendable {
    let release = DispatchSemaphore(value: 0)
    let arrived = Counter()
    func send(request: HttpRequest, response: ResponseSink) throws {
        arrived.add()
        _ = release.wait(timeout: .now() + 600)
        release.signal()  // let the next waiting one go too
        throw HttpError.Failed(reason: "released by the test")
    }
}

/// Answers 200 with bytes that are neither JSON nor a signed file.
final class GarbageTransport: HttpTransport, @unchecked Sendable {
    func send(request: HttpRequest, response: ResponseSink) throws {
        var rng = SplitMix(seed: 12)
        let bytes = Data((0..<4096).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        try response.head(head: HttpHead(status: 200, contentLength: UInt64(bytes.count), retryAfter: nil, location: nil))
        try response.body(chunk: bytes)
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Answers 200 and streams zeros without end, until the sink says stop.
final class EndlessTransport: HttpTransport, @unchecked Sendable {
    let stopped = Counter()
    func send(request: HttpRequest, response: ResponseSink) throws {
        try response.head(head: HttpHead(status: 200, contentLength: nil, retryAfter: nil, location: nil))
        let chunk = Data(count: 64 * 1024)
        do {
            while true { try response.body(chunk: chunk) }
        } catch {
            stopped.add()
            throw error
        }
    }
}

/// The real transport, except that the first request whose URL contains `path` (and not
/// `skip`) stops `afterBytes` into its body and waits there until `release`; `arrived`
/// is signalled when it has stopped. Lets a test act at a known point of a sync.
final class GatedTransport: HttpTransport, @unchecked Sendable {
    let arrived = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)
    private let real: URLSessionTransport
    var stopped: Int { real.stoppedCount.value }

    init(path: String, afterBytes: Int, skip: String) {
        let gate = Gate()
        let arrived = self.arrived, release = self.release
        real = URLSessionTransport { url, before, size in
            if url.contains(path) && !url.contains(skip) && before + size > afterBytes && gate.first() {
                arrived.signal()
                _ = release.wait(timeout: .now() + 600)
            }
        }
    }

    func send(request: HttpRequest, response: ResponseSink) throws { try real.send(request: request, response: response) }
}

/// True once.
final class Gate: @unchecked Sendable {
    private let lock = NSLock()
    private var used = false
    func first() -> Bool { lock.lock(); defer { lock.unlock() }; if used { return false }; used = true; return true }
}
