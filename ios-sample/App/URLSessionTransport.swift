import Foundation
import Ringfence

/// URLSession as ringfence's sync transport: the app's networking (its proxy settings,
/// ATS, its own session configuration) carries the community sync. ringfence decides
/// about redirects, retries and limits and checks every byte; this only moves them (the
/// contract: bindings/README.md, "The transport"). One ephemeral session per request,
/// whose delegate streams the body into the sink and refuses redirects.
final class URLSessionTransport: HttpTransport, @unchecked Sendable {
    func send(request: HttpRequest, response: ResponseSink) throws {
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
        configuration.timeoutIntervalForResource = seconds  // connection to last byte
        let exchange = Exchange(sink: response)
        let session = URLSession(configuration: configuration, delegate: exchange, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        session.dataTask(with: r).resume()
        exchange.done.wait()  // send is called on a thread of its own: blocking is expected
        if let failure = exchange.failure { throw failure }
    }
}

private final class Exchange: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let sink: ResponseSink
    let done = DispatchSemaphore(value: 0)
    var failure: HttpError?

    init(sink: ResponseSink) { self.sink = sink }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)  // hand the 3xx back: ringfence follows same-origin redirects only
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        guard let http = response as? HTTPURLResponse else {
            failure = .Failed(reason: "not an HTTP response")
            return completionHandler(.cancel)
        }
        do {
            try sink.head(head: HttpHead(
                status: UInt16(clamping: http.statusCode),
                contentLength: http.value(forHTTPHeaderField: "Content-Length").flatMap { UInt64($0) },
                retryAfter: http.value(forHTTPHeaderField: "Retry-After"),
                location: http.value(forHTTPHeaderField: "Location")))
            completionHandler(.allow)
        } catch {
            failure = .Stopped
            completionHandler(.cancel)
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard failure == nil else { return }
        do {
            try sink.body(chunk: data)
        } catch {
            failure = .Stopped  // ringfence wants no more (too large, cancelled, too late)
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
