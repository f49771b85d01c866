// Answering Android within its time limit, with no android.* imports (tested on the JVM).
package dev.ringfence

import java.util.concurrent.Executor
import java.util.concurrent.ScheduledExecutorService
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean

/** How one screening ended. */
data class ScreeningOutcome(
    /** What to answer Android with. */
    val response: CallResponse,
    /** The decision, or `null` when screening failed or ran out of time. */
    val decision: Decision?,
    /** The budget ran out before a decision came: the call was allowed. */
    val timedOut: Boolean,
    /** Why screening failed, when it did (the call was allowed). */
    val error: Throwable?,
)

/**
 * Screens a call off the calling thread and answers exactly once within a budget.
 *
 * Android gives a `CallScreeningService` about five seconds to call `respondToCall`
 * before it lets the call ring anyway, and `onScreenCall` runs on the main thread,
 * which must not block on the database. So: screen on [worker]; if no decision comes
 * within [budgetMillis] (4.5 s by default, leaving Android's margin, as SpamBlocker
 * does), answer [CallResponse.ALLOW]; if screening throws, answer ALLOW too. A call is
 * never blocked because screening was slow or broken.
 *
 * @param worker runs the screening (a single background thread is enough).
 * @param timer fires the timeout.
 */
class ScreeningBudget @JvmOverloads constructor(
    private val worker: Executor,
    private val timer: ScheduledExecutorService,
    val budgetMillis: Long = DEFAULT_BUDGET_MILLIS,
) {
    /**
     * Runs [screen] on the worker and calls [answer] exactly once, from the worker or the
     * timer thread: with the mapped decision, or with ALLOW on timeout or error. Record
     * the decision (`Screener.record`) after answering, not before.
     */
    fun screen(policy: CallResponsePolicy, screen: () -> Decision, answer: (ScreeningOutcome) -> Unit) {
        val answered = AtomicBoolean(false)
        fun once(outcome: ScreeningOutcome) {
            if (answered.compareAndSet(false, true)) answer(outcome)
        }
        val timeout = timer.schedule(
            { once(ScreeningOutcome(CallResponse.ALLOW, null, timedOut = true, error = null)) },
            budgetMillis,
            TimeUnit.MILLISECONDS,
        )
        try {
            worker.execute {
                val outcome = try {
                    val decision = screen()
                    ScreeningOutcome(policy.responseFor(decision), decision, timedOut = false, error = null)
                } catch (e: Throwable) {
                    ScreeningOutcome(CallResponse.ALLOW, null, timedOut = false, error = e)
                }
                timeout.cancel(false)
                once(outcome)
            }
        } catch (e: Throwable) {
            // The worker refused the task (shut down): answer now rather than at the timeout.
            timeout.cancel(false)
            once(ScreeningOutcome(CallResponse.ALLOW, null, timedOut = false, error = e))
        }
    }

    companion object {
        const val DEFAULT_BUDGET_MILLIS = 4_500L
    }
}
