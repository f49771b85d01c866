package dev.ringfence.sample

import dev.ringfence.HttpException
import dev.ringfence.HttpHead
import dev.ringfence.HttpRequest
import dev.ringfence.HttpTransport
import dev.ringfence.ResponseSink
import java.io.IOException
import java.io.InterruptedIOException
import java.util.concurrent.TimeUnit
import okhttp3.MediaType.Companion.toMediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody

/**
 * The app's OkHttp client as ringfence's sync transport: its proxy settings, interceptors
 * and certificate pinning apply to the community server too. ringfence decides about
 * redirects, retries and limits and checks every byte; this only moves them (the
 * contract: bindings/README.md, "The transport").
 */
class OkHttpTransport(base: OkHttpClient) : HttpTransport {
    // Redirects go back to ringfence, which follows them within the server's origin only.
    private val client = base.newBuilder().followRedirects(false).followSslRedirects(false).build()

    override fun send(request: HttpRequest, response: ResponseSink) {
        val builder = Request.Builder().url(request.url)
        if (request.method == "POST") builder.post(request.body.toRequestBody(JSON))
        // The whole exchange, connection to last byte, within the request's timeout.
        val call = client.newBuilder().callTimeout(request.timeoutMs.toLong(), TimeUnit.MILLISECONDS).build()
            .newCall(builder.build())
        try {
            call.execute().use { r ->
                response.head(HttpHead(r.code.toUShort(), r.header("Content-Length")?.trim()?.toULongOrNull(),
                    r.header("Retry-After"), r.header("Location")))
                val source = r.body.source()
                val buffer = ByteArray(16 * 1024)
                while (true) {
                    val n = source.read(buffer)
                    if (n < 0) break
                    // Throws HttpException.Stopped when ringfence wants no more: `use` closes.
                    response.body(buffer.copyOf(n))
                }
            }
        } catch (e: InterruptedIOException) {
            throw HttpException.TimedOut()
        } catch (e: IOException) {
            throw HttpException.Failed(e.toString())
        }
    }

    private companion object {
        val JSON = "application/json".toMediaType()
    }
}
