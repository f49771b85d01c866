//! The lists an iOS Call Directory extension loads: numbers to block, and numbers to
//! label, in ascending numeric order (CallKit refuses anything else), streamed so that
//! millions of entries never sit in memory at once.
//!
//! Candidates come from three sorted sources merged on the fly: the community table
//! (read in pages, in key order), the user's exact block entries and spam reports, and
//! block prefixes expanded into ranges of whole numbers. Each candidate then goes
//! through the same decision steps as a live call, so the export can never disagree
//! with screening: an allowed number, a contact or an emergency number is never in the
//! blocking list.

use crate::community::{decayed, Evidence};
use crate::decide::{self, Context};
use crate::decision::{Action, Category};
use crate::number::{self, Caller, NumberType, Pattern, PhoneNumber, Prefix, Traits, E164};
use crate::store::Store;
use crate::{Cancel, Result};
use serde::Serialize;
use std::collections::VecDeque;

/// A prefix that expands to more numbers than this is left out of the export (and
/// reported): iOS extensions hold a few million entries in all.
pub const MAX_PREFIX_EXPANSION: u64 = 1_000_000;

/// Community rows read per query.
const PAGE: usize = 4096;

#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectoryKind {
    /// Numbers CallKit should block.
    Blocking,
    /// Numbers CallKit should label (they still ring).
    Identification,
}

#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct DirectoryEntry {
    pub number: E164,
    pub label: Option<String>,
}

/// A streaming export. Iterate it for entries in ascending order.
pub struct CallDirectory<'a> {
    store: &'a Store,
    _no_mmap: crate::store::MmapOff<'a>,
    ctx: Context<'a>,
    kind: DirectoryKind,
    now: i64,
    /// Exact candidates (block list numbers and own spam reports), ascending.
    exact: Vec<u64>,
    exact_at: usize,
    /// Expanded prefix ranges `[start, end)`, ascending and disjoint.
    ranges: Vec<(u64, u64)>,
    range_at: usize,
    /// The next candidate inside `ranges[range_at]`.
    range_next: u64,
    /// Buffered community rows: (number, strongest evidence).
    page: VecDeque<(u64, Evidence)>,
    /// Last community key read, and whether the table has more.
    page_after: i64,
    page_done: bool,
    /// Prefixes left out because they expand too far: (prefix, numbers it would add).
    pub skipped_prefixes: Vec<(Prefix, u64)>,
    /// Checked every [`CANCEL_EVERY`] candidates ([`CallDirectory::with_cancel`]).
    cancel: Cancel,
    candidates: u64,
    /// Cancelled: the error was returned, the export is over.
    stopped: bool,
}

/// Candidates between two looks at the cancel flag: a page's worth.
const CANCEL_EVERY: u64 = PAGE as u64;

impl<'a> CallDirectory<'a> {
    pub(crate) fn new(store: &'a Store, ctx: Context<'a>, kind: DirectoryKind, after: Option<E164>, now: i64) -> Self {
        let after = after.map_or(0, |e| e.as_u64());
        let mut exact: Vec<u64> = ctx
            .block
            .rules()
            .iter()
            // The list applies to every call at any hour, and iOS never says a call's SIM
            // or asks the app at its time: rules limited to a SIM or to hours stay out.
            .filter(|r| r.is_active(now) && !r.is_limited())
            .filter_map(|r| match r.pattern {
                Pattern::Exact(e) => Some(e.as_u64()),
                // Prefixes are expanded below; a group (a type, a country) is no list of
                // numbers: iOS cannot block it ahead of the call.
                Pattern::Prefix(_) | Pattern::Group(_) => None,
            })
            .chain(ctx.own_reports.iter().filter(|(_, r)| r.spam).map(|(n, _)| *n))
            .filter(|&n| n > after)
            .collect();
        exact.sort_unstable();
        exact.dedup();

        let mut skipped_prefixes = Vec::new();
        let mut ranges = Vec::new();
        for rule in ctx.block.rules().iter().filter(|r| r.is_active(now) && !r.is_limited()) {
            let Pattern::Prefix(p) = rule.pattern else { continue };
            let lens = number::expansion_lengths(p);
            let total: u64 = lens.iter().map(|&l| 10u64.saturating_pow(l - p.len)).fold(0, u64::saturating_add);
            if total > MAX_PREFIX_EXPANSION {
                skipped_prefixes.push((p, total));
                continue;
            }
            for l in lens {
                let scale = 10u64.pow(l - p.len);
                ranges.push(((p.digits * scale).max(after + 1), (p.digits + 1) * scale));
            }
        }
        ranges.retain(|(s, e)| s < e);
        ranges.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
        for (s, e) in ranges {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        let range_next = merged.first().map_or(0, |r| r.0);
        CallDirectory {
            store,
            _no_mmap: store.without_mmap(),
            ctx,
            kind,
            now,
            exact,
            exact_at: 0,
            ranges: merged,
            range_at: 0,
            range_next,
            page: VecDeque::new(),
            page_after: after as i64,
            page_done: false,
            skipped_prefixes,
            cancel: Cancel::new(),
            candidates: 0,
            stopped: false,
        }
    }

    /// Stops the export with [`Error::Cancelled`](crate::Error::Cancelled) at the next
    /// page of candidates once `cancel` is cancelled (it only reads: nothing to undo).
    pub fn with_cancel(mut self, cancel: Cancel) -> Self {
        self.cancel = cancel;
        self
    }

    fn fill_page(&mut self) -> Result<()> {
        if !self.page.is_empty() || self.page_done {
            return Ok(());
        }
        let mut stmt = self.store.conn().prepare_cached(
            "SELECT number, category, votes, last_activity, disputed FROM community WHERE number > ?1 ORDER BY number
             LIMIT ?2",
        )?;
        let mut rows = stmt.query(rusqlite::params![self.page_after, PAGE as i64])?;
        let mut n_rows = 0;
        while let Some(r) = rows.next()? {
            n_rows += 1;
            let (number, category, votes, last): (i64, i64, f64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            self.page_after = number;
            let e = Evidence {
                score: decayed(votes, last, self.now, self.ctx.policy.half_life_days),
                category: Category::from_code(category as u8).unwrap_or(Category::Unknown),
                votes,
                last_activity: last,
                disputed: r.get::<_, i64>(4)? != 0,
            };
            match self.page.back_mut() {
                Some((n, best)) if *n == number as u64 => {
                    // A hold by the server applies whichever source is strongest.
                    let disputed = best.disputed || e.disputed;
                    if e.score > best.score {
                        *best = e;
                    }
                    best.disputed = disputed;
                }
                _ => self.page.push_back((number as u64, e)),
            }
        }
        if n_rows < PAGE {
            self.page_done = true;
        } else if let Some((last, _)) = self.page.pop_back() {
            // The last number may have more rows (sources) in the next page: read it again.
            self.page_after = last as i64 - 1;
        }
        Ok(())
    }

    /// The smallest next candidate from the three sources, with its community evidence.
    fn next_candidate(&mut self) -> Result<Option<(u64, Option<Evidence>)>> {
        if self.candidates % CANCEL_EVERY == 0 && self.cancel.is_cancelled() {
            self.stopped = true;
            return Err(crate::Error::Cancelled);
        }
        self.candidates += 1;
        self.fill_page()?;
        let from_page = self.page.front().map(|(n, _)| *n);
        let from_exact = self.exact.get(self.exact_at).copied();
        let from_range = self.ranges.get(self.range_at).map(|_| self.range_next);
        let Some(n) = [from_page, from_exact, from_range].into_iter().flatten().min() else {
            return Ok(None);
        };
        let mut evidence = None;
        if from_page == Some(n) {
            evidence = self.page.pop_front().map(|(_, e)| e);
        }
        if from_exact == Some(n) {
            self.exact_at += 1;
        }
        if from_range == Some(n) {
            self.range_next += 1;
            if self.range_next >= self.ranges[self.range_at].1 {
                self.range_at += 1;
                self.range_next = self.ranges.get(self.range_at).map_or(0, |r| r.0);
            }
        }
        Ok(Some((n, evidence)))
    }

    /// The decision for a candidate, through the same steps as a live call (without the
    /// per-call heuristics, which need the call itself).
    fn entry(&self, n: u64, evidence: Option<Evidence>) -> Option<DirectoryEntry> {
        let e164 = E164::from_u64(n)?;
        let number = if e164.len() <= number::MAX_EMERGENCY_KEY_DIGITS {
            // Short enough to be an emergency number: classify it for real.
            match number::parse(&e164.to_string(), self.ctx.home) {
                Caller::Number(p) => p,
                _ => return None,
            }
        } else {
            PhoneNumber {
                e164,
                country_code: 0,
                region: None,
                number_type: NumberType::Unknown,
                valid: true,
                national_only: false,
                short: false,
                traits: Traits::default(),
            }
        };
        // As at the export's time: temporary rules that ended and a pause are as then
        // (the app reloads the extension when one ends: iOS cannot ask it per call).
        let call = crate::decision::Call { at: Some(self.now), ..crate::decision::Call::default() };
        let d = decide::emergency(&number)
            .or_else(|| decide::paused(&self.ctx, &call, Some(&number)))
            .or_else(|| decide::allowed(&self.ctx, &call, &number))
            .or_else(|| decide::blocked(&self.ctx, &call, &number))
            .or_else(|| decide::community_step(&self.ctx, &number, evidence))?;
        let wanted = match self.kind {
            DirectoryKind::Blocking => d.action == Action::Block,
            DirectoryKind::Identification => matches!(d.action, Action::Warn | Action::Silence),
        };
        wanted.then_some(DirectoryEntry { number: e164, label: d.label })
    }
}

impl Iterator for CallDirectory<'_> {
    type Item = Result<DirectoryEntry>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.stopped {
            return None;
        }
        loop {
            match self.next_candidate() {
                Err(e) => return Some(Err(e)),
                Ok(None) => return None,
                Ok(Some((n, evidence))) => {
                    if let Some(entry) = self.entry(n, evidence) {
                        return Some(Ok(entry));
                    }
                }
            }
        }
    }
}
