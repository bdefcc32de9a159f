//! Observe: apps, slots, host names, the release each slot holds, and every Logic App caller,
//! resolved through the workflow crate with the host names the back end reports.

use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use compact_str::{CompactString, CompactStringExt};
use hashbrown::HashTable;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use slotdrill_model::AzureName;
use slotdrill_wdl::{Hints, PreparedHints, for_each_call};

use crate::cloud::{AppSnapshot, Cloud, WorkflowRead};
use crate::error::EngineError;

/// One Logic App action that calls a function.
///
/// Its names are [`CompactString`]s: Azure's names of workflows, actions, apps, slots and
/// functions are mostly under 25 bytes, and are then held inside the caller rather than each in
/// an allocation of its own. An estate of 200,000 callers was 1.2 million allocations of this
/// kind, made on the reading threads and freed in one thread when the observation was dropped
/// (issue 19: 6 % of observe + plan's instructions, and the whole of that drop's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerObservation {
    /// The Logic App.
    pub workflow: CompactString,
    /// The action.
    pub action: CompactString,
    /// Enclosing actions joined by `/`.
    pub container: CompactString,
    /// The app called, if resolved.
    pub app: Option<CompactString>,
    /// The slot called, if resolved.
    pub slot: Option<CompactString>,
    /// The function called, if resolved.
    pub function: Option<CompactString>,
    /// Why it is not resolved.
    pub reason: Option<String>,
}

impl CallerObservation {
    /// `workflow/action`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.workflow, self.action)
    }

    /// True when it calls `function` of `app` on `slot` (names case-insensitive).
    pub fn calls(&self, app: &str, slot: &str, function: &str) -> bool {
        let same = |a: &Option<CompactString>, b: &str| {
            a.as_deref().is_some_and(|a| AzureName::same(a, b))
        };
        same(&self.app, app) && same(&self.slot, slot) && same(&self.function, function)
    }
}

/// What the engine saw.
///
/// Its callers are private and indexed by the app they call when it is built ([`observe`],
/// [`Observation::new`] or read back with serde), so that planning looks up an app's callers
/// instead of scanning every caller of the estate for each faulty function.
#[derive(Debug, Clone)]
pub struct Observation {
    /// Every app.
    pub apps: Vec<AppSnapshot>,
    /// Every caller of a function, in workflow order and, within one, in document order.
    callers: Vec<CallerObservation>,
    /// The version of each workflow when it was read.
    pub workflow_versions: BTreeMap<String, String>,
    /// Built from `callers`, never changed apart from them.
    index: CallerIndex,
}

/// Equal when what was seen is: the index follows from the callers.
impl PartialEq for Observation {
    fn eq(&self, other: &Observation) -> bool {
        self.apps == other.apps
            && self.callers == other.callers
            && self.workflow_versions == other.workflow_versions
    }
}

/// Where each caller is in [`Observation`]'s list, by what it calls.
///
/// Every caller is added here, in no order over the estate's apps, so the index is laid out for
/// memory touched per caller rather than for the lookup: a small table of the last caller of
/// each app (by the hash of its lower-case name; 10,000 apps fit in a core's L2 cache) and,
/// beside the list, each caller's previous one of the same app. A map of owned names to lists
/// of positions touched a key and a list's end per caller, both likely cache misses at estate
/// scale. Names that share a hash share a chain; [`Observation::callers_of`] keeps only the app
/// asked for.
///
/// [`observe`] builds it once every workflow is read, not caller by caller while they are: the
/// parse streaming tens of megabytes through the cache between two callers evicted the table,
/// and at 400,000 actions adding as it read cost 20–26 ms an observe against 10 ms for one pass
/// at the end (perf, same work at both sizes).
#[derive(Debug, Clone, Default)]
struct CallerIndex {
    /// foldhash, not SipHash: the names come from the estate itself.
    state: foldhash::fast::RandomState,
    /// The last caller of each app called.
    last: HashTable<LastCaller>,
    /// For each caller with an app, the position of the previous caller of an app with the
    /// same hash ([`NONE`] for the first); [`NONE`] for a caller with no app.
    previous: Vec<usize>,
    /// Callers whose app or slot is not resolved, in the list's order.
    unresolved: Vec<usize>,
}

/// No position.
const NONE: usize = usize::MAX;

#[derive(Debug, Clone, Copy)]
struct LastCaller {
    /// The hash of the app's lower-case name.
    hash: u64,
    position: usize,
}

impl CallerIndex {
    /// The index of `callers`, with room for the callers of `apps` apps.
    fn of(callers: &[CallerObservation], apps: usize) -> CallerIndex {
        let mut index = CallerIndex::default();
        index.last.reserve(apps, |e| e.hash);
        index.previous.reserve_exact(callers.len());
        for (i, caller) in callers.iter().enumerate() {
            index.add(i, caller);
        }
        index
    }

    /// The hash of `app`'s lower-case name.
    fn hash(&self, app: &str) -> u64 {
        self.state.hash_one(&*AzureName::lower(app))
    }

    fn add(&mut self, position: usize, caller: &CallerObservation) {
        let hash = caller.app.as_deref().map(|app| self.hash(app));
        self.add_hashed(position, hash, caller);
    }

    /// Adds `caller`, whose app's name hashes to `hash` (`None`: no app).
    fn add_hashed(&mut self, position: usize, hash: Option<u64>, caller: &CallerObservation) {
        let mut previous = NONE;
        if let Some(hash) = hash {
            match self.last.find_mut(hash, |e| e.hash == hash) {
                Some(last) => previous = std::mem::replace(&mut last.position, position),
                None => {
                    self.last
                        .insert_unique(hash, LastCaller { hash, position }, |e| e.hash);
                }
            }
        }
        self.previous.push(previous);
        if caller.app.is_none() || caller.slot.is_none() {
            self.unresolved.push(position);
        }
    }

    /// The positions of the callers of an app whose lower-case name hashes as `app`'s, in the
    /// list's order.
    fn positions(&self, app: &str) -> Vec<usize> {
        let hash = self.hash(app);
        let mut positions = Vec::new();
        let mut at = self.last.find(hash, |e| e.hash == hash).map(|e| e.position);
        while let Some(position) = at {
            positions.push(position);
            at = self.previous.get(position).copied().filter(|&p| p != NONE);
        }
        positions.reverse();
        positions
    }
}

impl Observation {
    /// An observation of `apps`, `callers` and the workflows' versions (tests and tools that
    /// build one by hand; [`observe`] reads one from a back end).
    pub fn new(
        apps: Vec<AppSnapshot>,
        callers: Vec<CallerObservation>,
        workflow_versions: BTreeMap<String, String>,
    ) -> Observation {
        Observation {
            index: CallerIndex::of(&callers, apps.len()),
            apps,
            callers,
            workflow_versions,
        }
    }

    /// An app by name.
    pub fn app(&self, name: &str) -> Option<&AppSnapshot> {
        self.apps.iter().find(|a| AzureName::same(&a.name, name))
    }

    /// Every caller of a function, in workflow order and, within one, in document order.
    pub fn callers(&self) -> &[CallerObservation] {
        &self.callers
    }

    /// The callers, given up.
    pub fn into_callers(self) -> Vec<CallerObservation> {
        self.callers
    }

    /// The callers that call `app` (any case), on any slot, in [`Observation::callers`] order.
    pub fn callers_of(&self, app: &str) -> impl Iterator<Item = &CallerObservation> {
        self.index
            .positions(app)
            .into_iter()
            .filter_map(|i| self.callers.get(i))
            .filter(move |c| c.app.as_deref().is_some_and(|a| AzureName::same(a, app)))
    }

    /// The callers whose app or slot could not be resolved, in [`Observation::callers`] order.
    pub fn unresolved_callers(&self) -> impl Iterator<Item = &CallerObservation> {
        self.index
            .unresolved
            .iter()
            .filter_map(|&i| self.callers.get(i))
    }
}

/// The serialized form of an [`Observation`] (its index is rebuilt when read back).
#[derive(Serialize)]
struct ObservationRef<'a> {
    apps: &'a [AppSnapshot],
    callers: &'a [CallerObservation],
    workflow_versions: &'a BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct ObservationData {
    apps: Vec<AppSnapshot>,
    callers: Vec<CallerObservation>,
    workflow_versions: BTreeMap<String, String>,
}

impl Serialize for Observation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ObservationRef {
            apps: &self.apps,
            callers: &self.callers,
            workflow_versions: &self.workflow_versions,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Observation {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Observation, D::Error> {
        let data = ObservationData::deserialize(deserializer)?;
        Ok(Observation::new(
            data.apps,
            data.callers,
            data.workflow_versions,
        ))
    }
}

/// The names of `apps` and their slots' host names: what resolves a call exactly.
pub fn hints_for(apps: &[AppSnapshot]) -> Hints {
    Hints {
        hosts: apps
            .iter()
            .flat_map(|a| {
                a.slots.iter().map(|s| {
                    (
                        AzureName::from(&s.host_name),
                        (a.name.clone(), s.name.clone()),
                    )
                })
            })
            .collect(),
        apps: apps.iter().map(|a| a.name.clone()).collect(),
        ..Hints::default()
    }
}

/// Workflows read at once: a back end over a network reads them in parallel (`ArmCloud`: 8 at a
/// time by default, so 32 keeps it busy), and only this many parsed documents are held at a time
/// by each reading thread, however large the estate. Small batches also keep the freed
/// documents' memory hot for the next batch's parse: with 256 and glibc's malloc (a library
/// caller's allocator; the binary runs on mimalloc), a batch's worth of freed chunks was
/// consolidated at once and observe + plan at 200k actions took 1.5 to 2 times as long in wall
/// time as with 32.
const READ_BATCH: usize = 32;

/// Observes the estate: one read of the apps, one read per workflow.
///
/// A back end that can be [`Cloud::shared`] has a large estate's workflows read and scanned on
/// every core, each thread taking the next run of them as it is free (see [`record_on_threads`]).
pub fn observe(cloud: &dyn Cloud) -> Result<Observation, EngineError> {
    let apps = cloud.apps()?;
    let hints = hints_for(&apps);
    // Made once for the estate: each host name is then looked up by hash, not by comparing it
    // with every slot's host name in order.
    let prepared = hints.prepare();
    let workflows = cloud.workflows()?;
    let threads = reading_threads(&workflows);
    let recorded = match cloud.shared() {
        Some(shared) if threads > 1 => record_on_threads(shared, &prepared, &workflows, threads)?,
        _ => record(cloud, &prepared, &workflows, workflows.len())?,
    };
    Ok(recorded.finish(apps))
}

/// Workflows each reading thread takes at least: an estate of a few drills' size is read on
/// the caller's thread, which is cheaper than starting another.
const THREAD_SHARE: usize = 4 * READ_BATCH;

/// Threads to read `workflows` on: one per core, each with a share of at least
/// [`THREAD_SHARE`]. The cores are asked for only when there is more than one share: on Linux
/// that reads the process's cgroup files.
fn reading_threads(workflows: &[String]) -> usize {
    let shares = workflows.len() / THREAD_SHARE;
    if shares < 2 {
        return 1;
    }
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    cores.min(shares)
}

/// Reads `workflows` in batches of [`READ_BATCH`] and records their calls, in a list sized for
/// the callers of `size_for` workflows like them.
fn record<'h>(
    cloud: &dyn Cloud,
    prepared: &'h PreparedHints<'h>,
    workflows: &[String],
    size_for: usize,
) -> Result<Recorder<'h>, EngineError> {
    let mut recorder = Recorder::new(prepared, size_for);
    recorder.read(cloud, workflows)?;
    Ok(recorder)
}

/// Workflows a reading thread takes at a time ([`record_on_threads`]): two batches, so that a
/// thread slowed by the machine's other load leaves the rest to the others in steps of about a
/// millisecond at the estate bench's scale.
const THREAD_RUN: usize = 2 * READ_BATCH;

/// [`record`] on `threads` threads (two or more), the caller's among them, each taking the next
/// run of [`THREAD_RUN`] workflows as it is free: the caller's thread from the front of the list,
/// into one list sized for the whole estate, the others from the back, each into one list of its
/// own sized the same way: a back thread may take more than its share when the caller's thread
/// is slowed, and its list is then never copied to grow (pages a list never writes are never
/// backed, so the size costs no memory). The back runs' callers are then moved after the front's in
/// workflow order, so the list is as one thread would have made it, and only the back's callers
/// are moved. When reads fail, the error is the first failing workflow's, as one thread would
/// have met it first: a failure at the back stops only the back, and the front reads on up to
/// it; a failure at the front stops all.
///
/// Runs are taken as threads are free, not shared out beforehand: on this project's two-core VM
/// the two halves of an estate took different times in most observes at 200,000 actions (the
/// slower over the faster: median 1.14, one in ten over 1.5, at most 1.67; 39 observes), and the
/// faster thread then waited. Each thread reads, scans and drops its own documents: a document
/// freed on the thread that allocated it costs the allocator no hand-over. (A reader thread
/// handing documents to a scanning one was tried, and took 1.7 times as long as one thread.) A
/// back thread keeps one list for all its runs: a list per run grew by doubling from empty in
/// every run (callgrind: recording a caller at the back cost about a third more than at the
/// front).
fn record_on_threads<'h>(
    cloud: &(dyn Cloud + Sync),
    prepared: &'h PreparedHints<'h>,
    workflows: &[String],
    threads: usize,
) -> Result<Recorder<'h>, EngineError> {
    let runs: Vec<&[String]> = workflows.chunks(THREAD_RUN).collect();
    let untaken = Untaken::new(runs.len());
    let back_stops = AtomicBool::new(false);
    let from_back = || {
        let mut recorder = Recorder::new(prepared, workflows.len());
        let mut taken = Vec::new();
        while !back_stops.load(Ordering::Relaxed) {
            let Some(index) = untaken.take_last() else {
                break;
            };
            let (callers, versions) = (recorder.callers.len(), recorder.versions.len());
            let read = recorder.read(cloud, runs[index]);
            back_stops.fetch_or(read.is_err(), Ordering::Relaxed);
            taken.push(BackRun {
                index,
                callers,
                versions,
                read,
            });
        }
        (recorder, taken)
    };
    std::thread::scope(|scope| {
        let others: Vec<_> = (1..threads).map(|_| scope.spawn(from_back)).collect();
        let mut front = Recorder::new(prepared, workflows.len());
        let mut front_failed = Ok(());
        while let Some(index) = untaken.take_first() {
            front_failed = front.read(cloud, runs[index]);
            if front_failed.is_err() {
                back_stops.store(true, Ordering::Relaxed);
                break;
            }
        }
        let mut back = Vec::new();
        for other in others {
            back.push(
                other
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        front_failed?;
        front.append(back)?;
        Ok(front)
    })
}

/// One run a back thread read ([`record_on_threads`]): where its callers and versions start in
/// that thread's lists (they run to the next run's start, or the end), and how the read went.
struct BackRun {
    index: usize,
    callers: usize,
    versions: usize,
    read: Result<(), EngineError>,
}

/// The runs no thread has taken yet: from `first` up to, not including, `end`.
struct Untaken(Mutex<(usize, usize)>);

impl Untaken {
    fn new(runs: usize) -> Self {
        Untaken(Mutex::new((0, runs)))
    }

    fn take_first(&self) -> Option<usize> {
        let mut runs = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let (first, end) = &mut *runs;
        (*first < *end).then(|| {
            *first += 1;
            *first - 1
        })
    }

    fn take_last(&self) -> Option<usize> {
        let mut runs = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let (first, end) = &mut *runs;
        (*first < *end).then(|| {
            *end -= 1;
            *end
        })
    }
}

/// Records each workflow's calls as it is read; the observation, with its index, is made once
/// all are (see [`CallerIndex`] for why not while reading).
struct Recorder<'h> {
    callers: Vec<CallerObservation>,
    prepared: &'h PreparedHints<'h>,
    /// Workflows to size the callers' list for, once, from the first ones recorded: the
    /// estate's, or for a thread other than the first ([`record_on_threads`]) its share's.
    workflows: usize,
    /// Each workflow's version, made a map once all are read: one sorted build instead of a
    /// search down the tree per workflow.
    versions: Vec<(String, String)>,
}

/// Workflows recorded before the callers' list is sized for the whole estate.
const SIZE_FROM: usize = READ_BATCH;

impl<'h> Recorder<'h> {
    fn new(prepared: &'h PreparedHints<'h>, workflows: usize) -> Self {
        Recorder {
            callers: Vec::new(),
            prepared,
            workflows,
            versions: Vec::with_capacity(workflows),
        }
    }

    /// Records the calls of `workflow` as read, and its version; the document is dropped here.
    fn record(&mut self, workflow: &str, read: WorkflowRead) {
        let callers = &mut self.callers;
        // Built from the borrowed call: only the fields kept are copied.
        for_each_call(&read.document, self.prepared, |call| {
            callers.push(CallerObservation {
                workflow: CompactString::new(workflow),
                action: CompactString::new(call.action),
                // Joined in place: most paths fit inside the string, with no allocation.
                container: call.container.join_compact("/"),
                app: call.app.map(CompactString::from),
                slot: call.slot.map(CompactString::from),
                function: call.function.map(CompactString::from),
                reason: call.reason,
            });
        });
        self.versions.push((workflow.to_owned(), read.version));
        if self.versions.len() == SIZE_FROM {
            self.size_callers();
        }
    }

    /// Reserves the callers the whole estate will likely have, judged from the first
    /// workflows: a list grown by doubling copies every caller and maps fresh pages at each
    /// step, which at 400,000 callers cost more than a tenth of observe. A wrong guess costs
    /// little: too few and the list doubles from there, too many and the pages never written
    /// are never backed, and [`Recorder::finish`] gives the room back.
    fn size_callers(&mut self) {
        let callers = &mut self.callers;
        // Called once `SIZE_FROM` workflows are recorded, never with none.
        let recorded = self.versions.len().max(1);
        let expected = callers.len().saturating_mul(self.workflows) / recorded;
        callers.reserve(expected.saturating_sub(callers.len()));
    }

    /// Reads `workflows` in batches of [`READ_BATCH`] and records their calls.
    fn read(&mut self, cloud: &dyn Cloud, workflows: &[String]) -> Result<(), EngineError> {
        for batch in workflows.chunks(READ_BATCH) {
            for (workflow, read) in batch.iter().zip(cloud.read_workflows(batch)?) {
                self.record(workflow, read);
            }
        }
        Ok(())
    }

    /// Moves the callers and versions the back threads recorded after this one's, in the order
    /// of their runs; the first failed run's error (by its place in the estate) instead, if any.
    ///
    /// A back thread takes runs from the end of the estate backwards, so in the estate's order
    /// its runs come from the end of its lists backwards: each run moved is its thread's tail.
    fn append(&mut self, back: Vec<(Recorder<'h>, Vec<BackRun>)>) -> Result<(), EngineError> {
        let (mut recorders, taken): (Vec<_>, Vec<_>) = back.into_iter().unzip();
        let mut runs: Vec<(usize, BackRun)> = taken
            .into_iter()
            .enumerate()
            .flat_map(|(thread, runs)| runs.into_iter().map(move |run| (thread, run)))
            .collect();
        runs.sort_unstable_by_key(|(_, run)| run.index);
        if let Some(failed) = runs.iter().position(|(_, run)| run.read.is_err()) {
            return runs.swap_remove(failed).1.read;
        }
        self.callers
            .reserve_exact(recorders.iter().map(|r| r.callers.len()).sum());
        self.versions
            .reserve_exact(recorders.iter().map(|r| r.versions.len()).sum());
        for (thread, run) in runs {
            let recorder = &mut recorders[thread];
            self.callers.extend(recorder.callers.drain(run.callers..));
            self.versions
                .extend(recorder.versions.drain(run.versions..));
        }
        Ok(())
    }

    /// The observation; room the size guess left over gives back when it is more than a
    /// quarter of what is kept (the first workflows called far more than the rest), so the
    /// observation never holds a guess's worth of unused list.
    fn finish(self, apps: Vec<AppSnapshot>) -> Observation {
        let mut callers = self.callers;
        if callers.capacity() - callers.len() > callers.len() / 4 {
            callers.shrink_to_fit();
        }
        Observation::new(apps, callers, self.versions.into_iter().collect())
    }
}

#[cfg(test)]
mod tests;
