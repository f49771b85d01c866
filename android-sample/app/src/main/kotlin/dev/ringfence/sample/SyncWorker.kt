package dev.ringfence.sample

import android.content.Context
import android.util.Log
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.ExistingWorkPolicy
import androidx.work.NetworkType
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import dev.ringfence.RingfenceException
import java.util.concurrent.TimeUnit

/**
 * Shares the user's reports with the community server and downloads its list: every six
 * hours on any network, and soon after the user reports a number.
 *
 * `Screener.syncAsync` is the suspend form of the sync, over the app's OkHttp client
 * ([OkHttpTransport]). When WorkManager stops the worker (constraints lost, the app
 * killed), it cancels this coroutine, and the sync stops at its next safe point leaving
 * the data as it was; otherwise it is all or nothing. Calls are still screened
 * meanwhile: the sync works on its own connection to the database.
 */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val app = applicationContext as RingfenceApp
        return try {
            val s = app.screener.syncAsync(app.syncConfig, app.http)
            Log.i(TAG, "sync: ${s.uploaded} reports shared; community list ${s.fromVersion} -> ${s.toVersion} " +
                "(${s.upserted} added or changed, ${s.deleted} removed, ${s.bytesDownloaded} bytes)")
            Result.success()
        } catch (e: RingfenceException) {
            Log.w(TAG, "sync failed: $e")
            when (e) {
                // Offline, a server in trouble, too many reports at once: try again soon
                // (WorkManager backs off exponentially).
                is RingfenceException.ServerUnreachable,
                is RingfenceException.ServerFailed,
                is RingfenceException.RateLimited -> Result.retry()
                // A changed server key, a refused file, a bad setting: another try now
                // would fail the same way. Nothing was applied; the next period tries again.
                else -> Result.failure()
            }
        }
    }

    companion object {
        private const val TAG = "ringfence"
        private val online = Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build()

        /** Called at every start; KEEP leaves an existing schedule alone. */
        fun schedulePeriodic(context: Context) {
            val request = PeriodicWorkRequestBuilder<SyncWorker>(6, TimeUnit.HOURS).setConstraints(online).build()
            WorkManager.getInstance(context)
                .enqueueUniquePeriodicWork("ringfence-sync", ExistingPeriodicWorkPolicy.KEEP, request)
        }

        /** After a report: upload it as soon as there is a network, after any sync
         *  already running (which may have read the outbox before the report). */
        fun syncSoon(context: Context) {
            val request = OneTimeWorkRequestBuilder<SyncWorker>().setConstraints(online).build()
            WorkManager.getInstance(context)
                .enqueueUniqueWork("ringfence-sync-now", ExistingWorkPolicy.APPEND_OR_REPLACE, request)
        }
    }
}
