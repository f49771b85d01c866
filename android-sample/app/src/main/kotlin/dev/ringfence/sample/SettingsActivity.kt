package dev.ringfence.sample

import android.os.Bundle
import android.widget.ArrayAdapter
import android.widget.Button
import android.widget.CheckBox
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.Spinner
import android.widget.TextView
import androidx.activity.ComponentActivity
import dev.ringfence.Policy
import dev.ringfence.RingfenceException

/**
 * The screening settings: what happens to unknown callers, whether repeated callers get
 * through, quiet hours, and a pause. Each change goes through `setPolicy`, which checks it
 * as the command line does; a refused value shows the engine's sentence and changes
 * nothing. Thin on purpose: every rule lives in the engine.
 */
class SettingsActivity : ComponentActivity() {
    private val app get() = application as RingfenceApp
    private val actions = listOf("allow", "warn", "silence", "block")
    private lateinit var unknown: Spinner
    private lateinit var repeat: CheckBox
    private lateinit var quietHours: EditText
    private lateinit var quietDays: EditText
    private lateinit var quietAction: Spinner
    private lateinit var status: TextView

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val pad = (16 * resources.displayMetrics.density).toInt()
        fun label(text: Int) = TextView(this).apply { setText(text) }
        fun spinner(values: List<String>) =
            Spinner(this).apply { adapter = ArrayAdapter(context, android.R.layout.simple_spinner_dropdown_item, values) }
        unknown = spinner(actions)
        repeat = CheckBox(this).apply { setText(R.string.settings_repeat) }
        quietHours = EditText(this).apply { setHint(R.string.settings_quiet_hours_hint) }
        quietDays = EditText(this).apply { setHint(R.string.settings_quiet_days_hint) }
        quietAction = spinner(actions.drop(1))
        status = TextView(this)
        val save = Button(this).apply { setText(R.string.settings_save); setOnClickListener { save() } }
        val pause = Button(this).apply { setText(R.string.settings_pause); setOnClickListener { pause() } }
        setContentView(LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            setPadding(pad, pad, pad, pad)
            addView(label(R.string.settings_unknown)); addView(unknown); addView(repeat)
            addView(label(R.string.settings_quiet)); addView(quietHours); addView(quietDays); addView(quietAction)
            addView(save); addView(pause); addView(status)
        })
        app.io.execute {
            val p = app.screener.policy()
            runOnUiThread { show(p) }
        }
    }

    private fun show(p: Policy) {
        unknown.setSelection(actions.indexOf(p.unknownAction.code()))
        repeat.isChecked = p.repeatCalls > 0u
        quietHours.setText(p.quietHours ?: "")
        quietDays.setText(p.quietDays)
        quietAction.setSelection(actions.drop(1).indexOf(p.quietAction.code()).coerceAtLeast(0))
    }

    /** Sends every setting; the first refused one stops and is shown (the ones before it stay). */
    private fun save() {
        val settings = listOf(
            "unknown" to unknown.selectedItem as String,
            "repeat.calls" to if (repeat.isChecked) "2" else "0",
            "quiet.hours" to quietHours.text.toString(),
            "quiet.days" to quietDays.text.toString(),
            "quiet.action" to quietAction.selectedItem as String,
        )
        app.io.execute {
            val message = try {
                var p: Policy? = null
                for ((key, value) in settings) p = app.screener.setPolicy(key, value)
                p?.let { runOnUiThread { show(it) } }
                getString(R.string.settings_saved)
            } catch (e: RingfenceException) {
                e.toString() // "bad value "22:00" for quiet.hours: …"
            }
            runOnUiThread { status.text = message }
        }
    }

    /** Pauses screening for an hour, or ends a pause: the engine ends it by itself. */
    private fun pause() {
        app.io.execute {
            val message = try {
                if (app.screener.pausedUntil() != null) {
                    app.screener.resume()
                    getString(R.string.settings_resumed)
                } else {
                    app.screener.pause(System.currentTimeMillis() / 1000 + 3600)
                    getString(R.string.settings_paused)
                }
            } catch (e: RingfenceException) {
                e.toString()
            }
            runOnUiThread { status.text = message }
        }
    }
}
