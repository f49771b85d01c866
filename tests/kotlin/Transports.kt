// The app's HTTP stack as the sync's transport (HttpTransport), as an Android app would
// write it, with java.net.http.HttpClient standing in for OkHttp; and the misbehaving
// transports the sync must survive: one that fails, one that never answers, one that
// returns garbage, and one that stops at a chosen point until the test lets it go.
package dev.ringfence.tests

import dev.ringfence.*
import java.io.IOException
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpResponse
import java.net.http.HttpTimeoutException
import java.time.Duration
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.net.http.HttpRequest as JavaRequest

/**
 * HttpTransport over java.net.http: never follows redirects, bounds the request by its
 * timeout, streams the body into the sink in chunks and stops when the sink says so.
 */
class JavaHttpTransport(
    /** Called before each piece goes to the sink: (url, body bytes before it, its size; 0 for the head). */
    private val beforePiece: (String, Long, Int) -> Unit = { _, _, _ -> },
    /** Called when the sink said stop. */
    private val onStopped: () -> Unit = {},
) : HttpTransport {
    private val client: HttpClient = HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(5))
        .build()
    val requests = AtomicInteger()
    /** How many times the sink said stop (a refused size, a cancel). */
    val stopped = AtomicInteger()

    override fun send(request: HttpRequest, response: ResponseSink) {
        requests.incrementAndGet()
        val builder = JavaRequest.newBuilder(URI.create(request.url))
            .timeout(Duration.ofMillis(request.timeoutMs.toLong()))
        when (request.method) {
            "GET" -> builder.GET()
            "POST" -> builder.header("Content-Type", "application/json")
                .POST(JavaRequest.BodyPublishers.ofByteArray(request.body))
            else -> throw HttpException.Failed("unsupported method ${request.method}")
        }
        val answer = try {
            client.send(builder.build(), HttpResponse.BodyHandlers.ofInputStream())
        } catch (e: HttpTimeoutException) {
            throw HttpException.TimedOut()
        } catch (e: IOException) {
            throw HttpException.Failed(e.toString())
        }
        answer.body().use { input ->
            val h = answer.headers()
            var received = 0L
            try {
                beforePiece(request.url, 0, 0)
                response.head(HttpHead(
                    status = answer.statusCode().toUShort(),
                    contentLength = h.firstValue("content-length").map { it.trim().toULongOrNull() }.orElse(null),
                    retryAfter = h.firstValue("retry-after").orElse(null),
                    location = h.firstValue("location").orElse(null),
                ))
                val buf = ByteArray(16 * 1024)
                while (true) {
                    val n = try {
                        input.read(buf)
                    } catch (e: IOException) {
                        throw HttpException.Failed("connection lost during the body: $e")
                    }
                    if (n < 0) break
                    beforePiece(request.url, received, n)
                    response.body(buf.copyOf(n))
                    received += n
                }
            } catch (e: HttpException.Stopped) {
                stopped.incrementAndGet()
                onStopped()
                throw e
            }
        }
    }
}

/** Every request fails as an offline phone's would. */
class FailingTransport(private val reason: String) : HttpTransport {
    override fun send(request: HttpRequest, response: ResponseSink) = throw HttpException.Failed(reason)
}

/** Throws what an HTTP library throws (not an HttpException): a failed request too. */
class ThrowingTransport : HttpTransport {
    override fun send(request: HttpRequest, response: ResponseSink) = throw IOException("socket closed (test)")
}

/** Never answers, until the test releases it: the sync must not wait for it. */
class SilentTransport : HttpTransport {
    val release = CountDownLatch(1)
    val arrived = AtomicInteger()
    override fun send(request: HttpRequest, response: ResponseSink) {
        arrived.incrementAndGet()
        release.await(10, TimeUnit.MINUTES)
        throw HttpException.Failed("released by the test")
    }
}

/** Answers 200 with bytes that are neither JSON nor a signed file. */
class GarbageTransport(private val seed: Long) : HttpTransport {
    override fun send(request: HttpRequest, response: ResponseSink) {
        val bytes = java.util.Random(seed).let { r -> ByteArray(4096).also(r::nextBytes) }
        response.head(HttpHead(200u, bytes.size.toULong(), null, null))
        response.body(bytes)
    }
}

/** Answers 200 and streams zeros without end, until the sink says stop. */
class EndlessTransport : HttpTransport {
    val stopped = AtomicInteger()
    override fun send(request: HttpRequest, response: ResponseSink) {
        response.head(HttpHead(200u, null, null, null))
        val chunk = ByteArray(64 * 1024)
        try {
            while (true) response.body(chunk)
        } catch (e: HttpException.Stopped) {
            stopped.incrementAndGet()
            throw e
        }
    }
}

/**
 * The real transport, except that the first request whose URL contains [path] (and not
 * [skip]) stops [afterBytes] into its body (0: before the head) and waits there until
 * [release]; [arrived] opens when it has stopped. Lets a test act at a known point of a
 * sync.
 */
class GatedTransport(private val path: String, private val afterBytes: Long = 0, private val skip: String? = null) : HttpTransport {
    val arrived = CountDownLatch(1)
    val release = CountDownLatch(1)
    private val gated = java.util.concurrent.atomic.AtomicBoolean(false)
    private val stoppedLatch = CountDownLatch(1)
    private val real = JavaHttpTransport(
        beforePiece = { url, before, size ->
            val chosen = url.contains(path) && (skip == null || !url.contains(skip))
            if (chosen && before + size > afterBytes && gated.compareAndSet(false, true)) {
                arrived.countDown()
                release.await(10, TimeUnit.MINUTES)
            }
        },
        onStopped = { stoppedLatch.countDown() },
    )
    /** Waits (up to a minute) for the sink to have told the transport to stop. */
    fun awaitStopped(): Boolean = stoppedLatch.await(60, TimeUnit.SECONDS)
    override fun send(request: HttpRequest, response: ResponseSink) = real.send(request, response)
}
