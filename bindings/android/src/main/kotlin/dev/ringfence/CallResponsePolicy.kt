// Platform glue for Android's CallScreeningService, with no android.* imports so that
// the JVM tests in tests/kotlin cover it (scripts/test-bindings.sh compiles this file
// with the generated bindings). The service applies a CallResponse to
// CallScreeningService.CallResponse.Builder field by field; see android-sample/.
package dev.ringfence

/**
 * What to tell Android about one incoming call: the five switches of
 * `CallScreeningService.CallResponse.Builder`, plus a warning for the app to show.
 *
 * Android's rules: `rejectCall`, `skipCallLog` and `skipNotification` only take effect
 * when `disallowCall` is set; `silenceCall` (API 29+) only when it is not.
 */
data class CallResponse(
    /** Block the call: it never rings. */
    val disallowCall: Boolean,
    /** Reject it as if the user had declined it (the caller hears it end), rather than
     *  just not ringing. */
    val rejectCall: Boolean,
    /** Let it through without ringing (it still reaches the dialer and the call log). */
    val silenceCall: Boolean,
    /** Leave the blocked call out of the call log. */
    val skipCallLog: Boolean,
    /** No missed-call notification for the blocked call. */
    val skipNotification: Boolean,
    /** A label for the app to show (a notification or an overlay) for a call that rings
     *  or is silenced with a warning; `null` when there is nothing to say. Android has
     *  no field for it in the response. */
    val warning: String? = null,
) {
    companion object {
        /** Let the call ring, and say nothing: the answer when in doubt. */
        @JvmField
        val ALLOW = CallResponse(
            disallowCall = false,
            rejectCall = false,
            silenceCall = false,
            skipCallLog = false,
            skipNotification = false,
        )
    }
}

/**
 * Maps a ringfence [Decision] to a [CallResponse]. The decision says *what* to do
 * (allow, warn, silence, block); this says *how* on Android, with the user's
 * platform-specific choices:
 *
 * @param sdkInt `Build.VERSION.SDK_INT`. Silencing needs API 29; below it a silenced
 *   call rings with a warning instead.
 * @param rejectBlockedCalls reject blocked calls (the caller hears the call end at
 *   once) instead of only disallowing them.
 * @param skipCallLogForBlocked leave blocked calls out of the call log. Off by default
 *   so the user can see what was blocked and undo a mistake.
 * @param skipNotificationForBlocked no missed-call notification for blocked calls. On
 *   by default: a blocked call should not nag.
 */
class CallResponsePolicy @JvmOverloads constructor(
    val sdkInt: Int,
    val rejectBlockedCalls: Boolean = true,
    val skipCallLogForBlocked: Boolean = false,
    val skipNotificationForBlocked: Boolean = true,
) {
    /** The response for a decision. Emergency numbers always get [CallResponse.ALLOW]. */
    fun responseFor(decision: Decision): CallResponse {
        // The engine never blocks an emergency number; the glue makes sure of it too.
        if (decision.category == Category.EMERGENCY || Reason.EMERGENCY in decision.reasons) {
            return CallResponse.ALLOW
        }
        val warning = decision.label?.takeIf { it.isNotBlank() } ?: decision.category.label().takeIf { it.isNotBlank() }
        return when (decision.action) {
            Action.ALLOW -> CallResponse.ALLOW
            Action.WARN -> CallResponse.ALLOW.copy(warning = warning)
            Action.SILENCE ->
                if (sdkInt >= SILENCE_MIN_SDK) {
                    CallResponse.ALLOW.copy(silenceCall = true, warning = warning)
                } else {
                    CallResponse.ALLOW.copy(warning = warning)
                }
            Action.BLOCK -> CallResponse(
                disallowCall = true,
                rejectCall = rejectBlockedCalls,
                silenceCall = false,
                skipCallLog = skipCallLogForBlocked,
                skipNotification = skipNotificationForBlocked,
                warning = null,
            )
        }
    }

    companion object {
        /** `CallResponse.Builder.setSilenceCall` exists from API 29 (Android 10). */
        const val SILENCE_MIN_SDK = 29

        /** `Call.Details.getCallerNumberVerificationStatus()` exists from API 30. */
        const val VERIFICATION_MIN_SDK = 30
    }
}

/**
 * The STIR/SHAKEN status from `Call.Details.getCallerNumberVerificationStatus()` (API 30+),
 * whose values are `android.telecom.Connection.VERIFICATION_STATUS_NOT_VERIFIED` (0),
 * `_PASSED` (1) and `_FAILED` (2). Anything else (a future value) counts as not verified.
 */
fun verificationFromAndroid(status: Int): Verification = when (status) {
    1 -> Verification.PASSED
    2 -> Verification.FAILED
    else -> Verification.NOT_VERIFIED
}

/**
 * The caller ID to screen, from `Call.Details.getHandle()?.schemeSpecificPart` and
 * `Call.Details.getHandlePresentation()`: a number whose presentation is not
 * `TelecomManager.PRESENTATION_ALLOWED` (1) is treated as hidden (""), whatever digits
 * the network sent along.
 */
fun callerIdFromAndroid(schemeSpecificPart: String?, presentation: Int): String =
    if (presentation == 1) schemeSpecificPart.orEmpty() else ""
