//! The seeded search behind [`super::explore`], on several threads with the results of one.
//!
//! proptest's runner draws every case from the seed before it runs it, and which case comes next
//! never depends on how the ones before it ended (only a failure stops the drawing). So the
//! cases are drawn on one thread, exactly as the runner draws them, rehearsed on `workers`
//! threads, and taken back in their order: the first failing case in that order is the one a
//! single thread would have found. It is then shrunk on one thread by a second runner from the
//! same seed, which is told the verdicts already known for the cases before it, so shrinking
//! walks exactly the steps proptest's own would, and the finding, its drill and every count are
//! those of a single-threaded search whatever the number of workers.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError, mpsc};

use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

use super::{Faults, Finding, Op, Shape, operations, rehearse_on};
use crate::runner::Drill;

/// What the search asks for.
pub(super) struct Search<'a> {
    pub(super) drill: &'a Drill,
    pub(super) shape: &'a Shape,
    pub(super) cases: u32,
    pub(super) max_steps: usize,
    pub(super) seed: u64,
    pub(super) faults: &'a Faults,
    pub(super) workers: usize,
}

/// What it did: the counts a single-threaded search reports, and proptest's verdict.
pub(super) struct Searched {
    /// Rehearsals counted (shrinking included).
    pub(super) cases: u32,
    pub(super) steps: usize,
    pub(super) covered: BTreeSet<String>,
    pub(super) result: Result<(), TestError<Vec<Op>>>,
}

/// Why a case failed: a broken invariant, or a panic in the rehearsal (proptest reports its
/// message as the failure, as it did when it ran the case itself).
enum Failed {
    Finding(Finding),
    Panic(String),
}

impl Failed {
    fn case_error(&self) -> TestCaseError {
        match self {
            Failed::Finding(finding) => fail(finding),
            Failed::Panic(message) => TestCaseError::fail(message.clone()),
        }
    }
}

/// A finding as the runner carries it: its JSON, read back by `explore`.
fn fail(finding: &Finding) -> TestCaseError {
    TestCaseError::fail(serde_json::to_string(finding).unwrap_or_default())
}

/// A panic's message, as proptest words one it caught.
fn panic_message(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast::<&'static str>()
        .map(|s| (*s).to_owned())
        .or_else(|p| p.downcast::<String>().map(|s| *s))
        .or_else(|p| p.downcast::<Box<str>>().map(|s| (*s).into()))
        .unwrap_or_else(|_| "<unknown panic value>".to_owned())
}

impl Search<'_> {
    fn runner(&self) -> TestRunner {
        let config = Config {
            cases: self.cases,
            failure_persistence: None,
            max_shrink_iters: 1024,
            ..Config::default()
        };
        let mut bytes = [0u8; 32];
        for (i, b) in self.seed.to_le_bytes().iter().cycle().take(32).enumerate() {
            bytes[i] = b.wrapping_add(i as u8);
        }
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
    }

    /// Runs the search; `progress` hears each rehearsal counted, in order.
    pub(super) fn run(&self, progress: &mut dyn FnMut(u32)) -> Searched {
        let mut searched = Searched {
            cases: 0,
            steps: 0,
            covered: BTreeSet::new(),
            result: Ok(()),
        };
        let Some((failing, failed)) = self.rehearse_in_order(&mut searched, progress) else {
            return searched;
        };
        searched.result = self.shrink(failing, &failed, &mut searched, progress);
        searched
    }

    /// Draws the cases and rehearses them on the workers, counting them in their order up to
    /// and including the first that fails; returns that one's position and failure.
    fn rehearse_in_order(
        &self,
        searched: &mut Searched,
        progress: &mut dyn FnMut(u32),
    ) -> Option<(usize, Failed)> {
        let workers = self.workers.max(1);
        // The earliest failing position any worker has seen: nothing after it is needed.
        let stop = AtomicUsize::new(usize::MAX);
        let (jobs, queue) = mpsc::sync_channel::<(usize, Vec<Op>)>(workers * 4);
        let queue = Mutex::new(queue);
        let (report, reports) = mpsc::channel::<(usize, Vec<Op>, Result<usize, Failed>)>();
        std::thread::scope(|scope| {
            let stop = &stop;
            scope.spawn(move || self.draw(stop, jobs));
            for _ in 0..workers {
                let (queue, report) = (&queue, report.clone());
                scope.spawn(move || {
                    loop {
                        let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                        let Ok((position, ops)) = job else { break };
                        if position > stop.load(Ordering::SeqCst) {
                            continue;
                        }
                        let outcome = match catch_unwind(AssertUnwindSafe(|| {
                            rehearse_on(self.drill, &ops)
                        })) {
                            Ok(Ok(done)) => Ok(done.steps),
                            Ok(Err(finding)) => Err(Failed::Finding(finding)),
                            Err(panic) => Err(Failed::Panic(panic_message(panic))),
                        };
                        if outcome.is_err() {
                            stop.fetch_min(position, Ordering::SeqCst);
                        }
                        if report.send((position, ops, outcome)).is_err() {
                            // Nobody reads any more (the reader panicked): stop the drawing,
                            // and keep draining so it is never left blocked on a full queue.
                            stop.store(0, Ordering::SeqCst);
                        }
                    }
                });
            }
            drop(report);
            let mut waiting = BTreeMap::new();
            let mut next = 0usize;
            let mut failure = None;
            for (position, ops, outcome) in reports {
                waiting.insert(position, (ops, outcome));
                while failure.is_none() {
                    let Some((ops, outcome)) = waiting.remove(&next) else {
                        break;
                    };
                    searched.count(&ops, progress);
                    match outcome {
                        Ok(steps) => searched.steps += steps,
                        Err(failed) => failure = Some((next, failed)),
                    }
                    next += 1;
                }
            }
            failure
        })
    }

    /// Draws the cases as proptest's runner does, numbered, until they run out or a case at
    /// or before the one being drawn has failed.
    fn draw(&self, stop: &AtomicUsize, jobs: mpsc::SyncSender<(usize, Vec<Op>)>) {
        let strategy = operations(self.shape, self.max_steps, self.faults);
        let drawn = Cell::new(0usize);
        // Every case passes here: a failure would make the runner shrink instead of drawing on.
        // Once one is known to fail, failing ends the drawing (its shrinking only re-offers
        // simpler versions of the last case, refused at once).
        let _ = self.runner().run(&strategy, |ops| {
            let position = drawn.get();
            if position > stop.load(Ordering::SeqCst) {
                return Err(TestCaseError::fail("stopped"));
            }
            drawn.set(position + 1);
            jobs.send((position, ops))
                .map_err(|_| TestCaseError::fail("stopped"))
        });
    }

    /// Shrinks the case at `failing` as proptest's runner does: a second runner from the same
    /// seed draws the same cases; those before `failing` are known to pass, `failing` is known
    /// to fail, and each simpler version is rehearsed here.
    fn shrink(
        &self,
        failing: usize,
        failed: &Failed,
        searched: &mut Searched,
        progress: &mut dyn FnMut(u32),
    ) -> Result<(), TestError<Vec<Op>>> {
        let strategy = operations(self.shape, self.max_steps, self.faults);
        let calls = Cell::new(0usize);
        let searched = RefCell::new(searched);
        let progress = RefCell::new(progress);
        self.runner().run(&strategy, |ops| {
            let call = calls.get();
            calls.set(call + 1);
            match call.cmp(&failing) {
                std::cmp::Ordering::Less => return Ok(()),
                std::cmp::Ordering::Equal => return Err(failed.case_error()),
                std::cmp::Ordering::Greater => {}
            }
            let mut searched = searched.borrow_mut();
            searched.count(&ops, &mut **progress.borrow_mut());
            match rehearse_on(self.drill, &ops) {
                Ok(done) => {
                    searched.steps += done.steps;
                    Ok(())
                }
                Err(finding) => Err(fail(&finding)),
            }
        })
    }
}

impl Searched {
    /// One more rehearsal counted, with the operation kinds it covered.
    fn count(&mut self, ops: &[Op], progress: &mut dyn FnMut(u32)) {
        self.cases += 1;
        progress(self.cases);
        self.covered.extend(ops.iter().map(|o| o.kind.clone()));
    }
}
