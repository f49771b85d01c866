package dev.ringfence.sample

import android.Manifest
import android.app.Application
import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.content.pm.PackageManager
import android.os.Build
import android.telephony.TelephonyManager
import dev.ringfence.CallResponsePolicy
import dev.ringfence.RingfenceException
import dev.ringfence.Screener
import dev.ringfence.ScreeningBudget
import dev.ringfence.SyncConfig
import java.io.File
import java.util.Locale
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors
import java.util.concurrent.ScheduledExecutorService

/**
 * Holds the one [Screener] of the process and the threads that use it. Nothing here
 * touches the database on the main thread: the screener opens on first use, which is
 * always on [screening] or [io].
 */
class RingfenceApp : Application() {
    override fun onCreate() {
        super.onCreate()
        SyncWorker.schedulePeriodic(this)
    }

    /** Screens incoming calls, and nothing else, so a call never queues behind app work. */
    val screening: ExecutorService = Executors.newSingleThreadExecutor { Thread(it, "ringfence-screen") }

    /** Everything else that touches the database: the UI's lists, history, imports. */
    val io: ExecutorService = Executors.newSingleThreadExecutor { Thread(it, "ringfence-io") }

    private val timer: ScheduledExecutorService =
        Executors.newSingleThreadScheduledExecutor { Thread(it, "ringfence-timer") }

    /** Answers Android within 4.5 s of its 5 s, allowing the call when screening is late. */
    val budget: ScreeningBudget by lazy { ScreeningBudget(screening, timer) }

    /** How decisions become Android responses. A real app would read these choices from
     *  its settings screen. */
    val responsePolicy: CallResponsePolicy
        get() = CallResponsePolicy(
            sdkInt = Build.VERSION.SDK_INT,
            rejectBlockedCalls = true,
            skipCallLogForBlocked = false,
            skipNotificationForBlocked = true,
        )

    /** The engine on the app's database (created on first use). Calls on it are
     *  serialised and may block: use it from [screening] or [io] only.
     *
     *  Opened with `openOrFallback`, so calls are screened whatever state the file is in:
     *  on a damaged or unopenable file it is a read-only stand-in with whatever rules could
     *  be read (emergency and ordinary calls ring), `degraded()` says why and changes
     *  raise `Degraded` until [MainActivity]'s "Repair" calls `recover()`. The service and
     *  the activity share this one object, so the repair takes effect for both at once. */
    val screener: Screener by lazy {
        val path = File(filesDir, "ringfence.db").path
        try {
            Screener.openOrFallback(path, homeRegion())
        } catch (e: RingfenceException.UnknownRegion) {
            // A two-letter code the numbering plan does not know: read numbers as US ones.
            Screener.openOrFallback(path, "US")
        }
    }

    /** The community server (res/values/strings.xml). Set `key` to its public key (what
     *  `ringfence-server pubkey` prints) to pin it from the first sync; without it the
     *  first sync pins the key the server offers, and a later change is refused. */
    val syncConfig: SyncConfig
        get() = SyncConfig(serverUrl = getString(R.string.community_server), key = null)

    /** The app's HTTP client; the community sync goes through it ([OkHttpTransport]). */
    val http by lazy { OkHttpTransport(okhttp3.OkHttpClient()) }

    /** The region whose national number format incoming caller IDs use: the network's
     *  country (right while roaming too), else the SIM's, else the locale's. */
    private fun homeRegion(): String {
        val tm = getSystemService(TelephonyManager::class.java)
        return listOfNotNull(tm?.networkCountryIso, tm?.simCountryIso, Locale.getDefault().country)
            .map { it.uppercase(Locale.ROOT) }
            .firstOrNull { it.length == 2 }
            ?: "US"
    }

    /** A heads-up notification for a call that rings (or is silenced) with a warning:
     *  Android's screening response has no field for a label. */
    fun notifyWarning(callerId: String, label: String) {
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU &&
            checkSelfPermission(Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED
        ) {
            return
        }
        val nm = getSystemService(NotificationManager::class.java)
        nm.createNotificationChannel(
            NotificationChannel(WARNINGS, getString(R.string.warnings_channel), NotificationManager.IMPORTANCE_HIGH),
        )
        val notification = Notification.Builder(this, WARNINGS)
            .setSmallIcon(android.R.drawable.stat_sys_warning)
            .setContentTitle(label)
            .setContentText(callerId.ifEmpty { "Hidden number" })
            .setCategory(Notification.CATEGORY_CALL)
            .setTimeoutAfter(60_000)
            .build()
        nm.notify(callerId.hashCode(), notification)
    }

    private companion object {
        const val WARNINGS = "warnings"
    }
}
