package dev.ringfence.sample

import android.Manifest
import android.app.AlertDialog
import android.app.role.RoleManager
import android.os.Build
import android.os.Bundle
import android.view.View
import android.widget.ArrayAdapter
import android.widget.Button
import android.widget.EditText
import android.widget.ListView
import android.widget.TextView
import androidx.activity.ComponentActivity
import androidx.activity.result.contract.ActivityResultContracts
import dev.ringfence.Category
import dev.ringfence.HistoryEntry
import dev.ringfence.RingfenceException
import dev.ringfence.RuleList
import dev.ringfence.Screener
import dev.ringfence.reportableCategories
import java.text.DateFormat
import java.util.Date

/**
 * The history of screened calls, and block / allow / report for a number. Every call
 * into ringfence runs on the app's io thread; results come back to the UI thread. A
 * report is blocked here at once and shared by [SyncWorker] when there is a network.
 *
 * A damaged database: the screener is then a read-only stand-in (`degraded()` says why;
 * changes raise `Degraded`, and damage found later raises `Corrupt`). The activity shows
 * why with a "Repair" button, which runs `recover()` (the damaged file is moved aside,
 * never deleted) and then a sync, as community data is not carried over.
 */
class MainActivity : ComponentActivity() {
    private val app get() = application as RingfenceApp
    private lateinit var number: EditText
    private lateinit var status: TextView
    private lateinit var roleStatus: TextView
    private lateinit var repair: Button
    private lateinit var history: ArrayAdapter<String>
    private var entries: List<HistoryEntry> = emptyList()

    private val requestRole =
        registerForActivityResult(ActivityResultContracts.StartActivityForResult()) { showRole() }
    private val requestNotifications =
        registerForActivityResult(ActivityResultContracts.RequestPermission()) { }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_main)
        number = findViewById(R.id.number)
        status = findViewById(R.id.status)
        roleStatus = findViewById(R.id.role_status)
        repair = findViewById<Button>(R.id.repair).apply { setOnClickListener { repairDatabase() } }
        history = ArrayAdapter(this, android.R.layout.simple_list_item_1, mutableListOf())
        findViewById<ListView>(R.id.history).apply {
            adapter = history
            setOnItemClickListener { _, _, position, _ ->
                entries.getOrNull(position)?.let { number.setText(it.e164 ?: it.callerId) }
            }
            // A long press answers "why was this call blocked?".
            setOnItemLongClickListener { _, _, position, _ ->
                entries.getOrNull(position)?.let(::explain)
                true
            }
        }
        findViewById<Button>(R.id.settings).setOnClickListener {
            startActivity(android.content.Intent(this, SettingsActivity::class.java))
        }
        findViewById<Button>(R.id.role).setOnClickListener { askForRole() }
        findViewById<Button>(R.id.block).setOnClickListener {
            change("Blocked") { s, n -> s.addRule(RuleList.BLOCK, n, "Blocked by me").rule.pattern }
        }
        findViewById<Button>(R.id.allow).setOnClickListener {
            change("Allowed") { s, n -> s.addRule(RuleList.ALLOW, n, null).rule.pattern }
        }
        findViewById<Button>(R.id.report).setOnClickListener {
            pickCategory { category ->
                change("Reported") { s, n ->
                    val report = s.reportSpam(n, category, null)
                    SyncWorker.syncSoon(this) // share it with the community once online
                    "${report.e164}; it will be shared with the community"
                }
            }
        }
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
            requestNotifications.launch(Manifest.permission.POST_NOTIFICATIONS)
        }
    }

    override fun onResume() {
        super.onResume()
        showRole()
        refresh()
    }

    /** Asks the user to make this app their call-screening app (Android 10+). */
    private fun askForRole() {
        val roles = getSystemService(RoleManager::class.java)
        if (roles.isRoleAvailable(RoleManager.ROLE_CALL_SCREENING) && !roles.isRoleHeld(RoleManager.ROLE_CALL_SCREENING)) {
            requestRole.launch(roles.createRequestRoleIntent(RoleManager.ROLE_CALL_SCREENING))
        }
    }

    private fun showRole() {
        val held = getSystemService(RoleManager::class.java).isRoleHeld(RoleManager.ROLE_CALL_SCREENING)
        roleStatus.setText(if (held) R.string.role_held else R.string.role_missing)
        findViewById<Button>(R.id.role).isEnabled = !held
    }

    /** Runs one change off the main thread and shows its result or its (typed) error. */
    private fun change(done: String, op: (Screener, String) -> String) {
        val input = number.text.toString()
        app.io.execute {
            val message = try {
                "$done ${op(app.screener, input)}"
            } catch (e: RingfenceException) {
                if (e is RingfenceException.Degraded || e is RingfenceException.Corrupt) showRepair(true)
                e.toString() // a readable sentence: "… is not a number or prefix: …"
            }
            runOnUiThread {
                status.text = message
                refresh()
            }
        }
    }

    private fun pickCategory(then: (Category) -> Unit) {
        val categories = reportableCategories()
        AlertDialog.Builder(this)
            .setTitle(R.string.report)
            .setItems(categories.map { it.label() }.toTypedArray()) { _, which -> then(categories[which]) }
            .show()
    }

    /** Offers the repair while the database is damaged. Any thread. */
    private fun showRepair(show: Boolean) = runOnUiThread {
        repair.visibility = if (show) View.VISIBLE else View.GONE
    }

    /** Moves the damaged file aside and rebuilds it from what could be read, then syncs
     *  to download the community list again. Blocking: on the io thread. */
    private fun repairDatabase() {
        repair.isEnabled = false
        app.io.execute {
            val message = try {
                val r = app.screener.recover()
                SyncWorker.syncSoon(this)
                if (r.movedTo == null) {
                    getString(R.string.repair_not_needed)
                } else {
                    getString(R.string.repaired, r.rules.toString(), r.contacts.toString(), r.reports.toString()) +
                        (if (r.incomplete.isEmpty()) "" else " " + getString(R.string.repaired_incomplete, r.incomplete.joinToString()))
                }
            } catch (e: RingfenceException) {
                e.toString() // the file could not be moved aside or recreated: as it was
            }
            runOnUiThread {
                repair.isEnabled = true
                status.text = message
                refresh()
            }
        }
    }

    private fun refresh() {
        app.io.execute {
            val recent = try {
                val why = app.screener.degraded()
                showRepair(why != null)
                // Says why, unless a message (a change's error, the repair's result) is shown.
                if (why != null) runOnUiThread { if (status.text.isEmpty()) status.text = getString(R.string.degraded, why) }
                app.screener.history(200u)
            } catch (e: RingfenceException) {
                if (e is RingfenceException.Corrupt) showRepair(true)
                runOnUiThread { status.text = e.toString() }
                return@execute
            }
            runOnUiThread {
                entries = recent
                history.clear()
                history.addAll(recent.map(::describe))
            }
        }
    }

    /** The steps that decided a call in the history, and the number as the engine read it
     *  (format confusion shows here), at the call's time and local offset. The history does
     *  not keep the SIM: a rule for one SIM shows as not matching. */
    private fun explain(e: HistoryEntry) {
        app.io.execute {
            val text = try {
                val offset = java.util.TimeZone.getDefault().getOffset(e.at * 1000) / 1000
                val x = app.screener.explain(e.callerId, at = e.at, utcOffsetSeconds = offset)
                val read = x.reading.international?.let { "$it (${x.reading.numberType})" } ?: x.reading.kind
                val decided = x.steps.filter { it.decided }.joinToString("\n") { "• ${it.step}: ${it.saw}" }
                "${e.callerId.ifEmpty { "Hidden number" }} → $read\n$decided\n→ ${x.decision.action.code()}"
            } catch (ex: RingfenceException) {
                ex.toString()
            }
            runOnUiThread { AlertDialog.Builder(this).setTitle(R.string.why).setMessage(text).show() }
        }
    }

    private fun describe(e: HistoryEntry): String {
        val time = DateFormat.getDateTimeInstance(DateFormat.SHORT, DateFormat.SHORT).format(Date(e.at * 1000))
        val who = e.e164 ?: e.callerId.ifEmpty { "Hidden number" }
        // The "why" line: the label and the reasons that decided (long press: every step).
        val why = e.reasons.joinToString(", ") { it.code() }
        val what = e.action.code() + (e.label?.let { " · $it" } ?: "") + (if (why.isEmpty()) "" else " [$why]")
        return "$time  $who\n$what"
    }
}
