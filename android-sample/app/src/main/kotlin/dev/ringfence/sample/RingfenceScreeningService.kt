package dev.ringfence.sample

import android.os.Build
import android.telecom.Call
import android.telecom.CallScreeningService
import android.util.Log
import dev.ringfence.callerIdFromAndroid
import dev.ringfence.verificationFromAndroid
import dev.ringfence.CallResponse as RingfenceResponse

/**
 * Screens every incoming call through ringfence. Android calls [onScreenCall] on the main
 * thread and waits up to about 5 s for [respondToCall]; the screening runs on the app's
 * screening thread, and [dev.ringfence.ScreeningBudget] answers "allow" at 4.5 s if it is
 * late, so a slow or failing engine never blocks a call. The decision is mapped by the
 * tested [dev.ringfence.CallResponsePolicy] and recorded in the history after answering.
 *
 * Android does not screen numbers in the user's contacts for a non-dialer screening app,
 * so every call seen here is a non-contact (isContact = false).
 *
 * The screener is opened with `openOrFallback` ([RingfenceApp.screener]): on a damaged
 * database calls are still screened, with the rules that could be read, and recording the
 * call fails with `Degraded` (logged below) until the user repairs it in the app. This
 * service never repairs anything itself: it must answer within seconds.
 */
class RingfenceScreeningService : CallScreeningService() {
    override fun onScreenCall(callDetails: Call.Details) {
        if (callDetails.callDirection != Call.Details.DIRECTION_INCOMING) {
            respondToCall(callDetails, CallScreeningService.CallResponse.Builder().build())
            return
        }
        val app = application as RingfenceApp
        val callerId = callerIdFromAndroid(callDetails.handle?.schemeSpecificPart, callDetails.handlePresentation)
        // STIR/SHAKEN, where the network and Android (11+) provide it.
        val verification = if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) {
            verificationFromAndroid(callDetails.callerNumberVerificationStatus)
        } else {
            null
        }
        val at = callDetails.creationTimeMillis / 1000
        // The phone's local time for quiet hours and windows: the offset in force at the
        // call (daylight saving included), from Android's own zone data.
        val offset = java.util.TimeZone.getDefault().getOffset(callDetails.creationTimeMillis) / 1000
        // The SIM the call came in on: the phone account's id (the subscription), matched
        // against rules and modes set for that SIM.
        val sim = callDetails.accountHandle?.id

        app.budget.screen(
            app.responsePolicy,
            screen = { app.screener.screen(callerId, verification, false, at, null, offset, sim) },
        ) { outcome ->
            respondToCall(callDetails, outcome.response.toAndroid())
            outcome.response.warning?.let { app.notifyWarning(callerId, it) }
            when {
                outcome.timedOut -> Log.w(TAG, "screening took longer than ${app.budget.budgetMillis} ms; allowed the call")
                outcome.error != null -> Log.e(TAG, "screening failed; allowed the call", outcome.error)
            }
            // Record after answering: a write may wait for another process's transaction.
            outcome.decision?.let { decision ->
                app.io.execute {
                    try {
                        app.screener.record(callerId, decision, at)
                    } catch (e: Exception) {
                        Log.w(TAG, "could not record the call in the history", e)
                    }
                }
            }
        }
    }

    private companion object {
        const val TAG = "ringfence"
    }
}

/** Copies the tested mapping into Android's builder. */
private fun RingfenceResponse.toAndroid(): CallScreeningService.CallResponse =
    CallScreeningService.CallResponse.Builder()
        .setDisallowCall(disallowCall)
        .setRejectCall(rejectCall)
        .setSilenceCall(silenceCall)
        .setSkipCallLog(skipCallLog)
        .setSkipNotification(skipNotification)
        .build()
