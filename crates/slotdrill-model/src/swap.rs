//! Swaps, step by step as Azure performs them (source = the slot being promoted):
//!
//! 1. the target's sticky settings are applied to the source, which restarts;
//! 2. if the restart fails, the source is reverted and the swap stops (the target is untouched);
//! 3. the source is warmed up (see `warmup.rs`); a failed warm-up reverts the source too;
//! 4. the two slots exchange their swappable content at once;
//! 5. the other side (now holding the old production code) gets its own sticky settings and
//!    restarts.
//!
//! Swap with preview stops after step 1 (`swap_preview_apply`) until it is completed (steps 3–5)
//! or reset (the source gets its own settings back). A swap looks its app up once and then works
//! on a [`SwapContext`], so its cost does not grow with the estate.

use std::mem;

use crate::app::{FunctionApp, PendingPreview};
use crate::caller::{CallerIndex, SlotChange};
use crate::error::ModelError;
use crate::estate::{Estate, Fault, take_restart_fault, take_warmup_fault};
use crate::event::Event;
use crate::keys::SlotKeys;
use crate::name::AzureName;
use crate::rng::SplitMix64;
use crate::settings::{SlotConfig, Stickiness, well_known};
use crate::slot::{Slot, SlotState, SlotSwapStatus};
use crate::time::Timestamp;
use crate::warmup::{WarmupFailure, warm_up};

impl Estate {
    /// Swaps `source` into `target` (steps 1–5). If a swap with preview of the same pair is
    /// pending, this completes it, as ARM's `slotsswap` does.
    pub fn swap(
        &mut self,
        app: &str,
        source: &str,
        target: &str,
    ) -> Result<Vec<Event>, ModelError> {
        self.swap_context(app)?.swap(source, target)
    }

    /// What [`Estate::swap`] would do now, without doing it: its events, or its refusal or
    /// failure. It runs on copies of what a swap changes (the one app, the faults it may fire,
    /// the generator, the change sequence), never of the whole estate: the management plane
    /// tries every swap request this way to know how long its operation runs.
    pub fn trial_swap(
        &self,
        app: &str,
        source: &str,
        target: &str,
    ) -> Result<Vec<Event>, ModelError> {
        let mut function_app = self.app(app)?.clone();
        let mut sequence = self.sequence;
        let mut faults = self.faults.clone();
        let mut rng = self.rng.clone();
        SwapContext {
            app: &mut function_app,
            sequence: &mut sequence,
            callers: &self.callers,
            faults: &mut faults,
            rng: &mut rng,
            now: self.now,
        }
        .swap(source, target)
    }

    /// Swap with preview, phase 1: the source runs with the target's sticky settings and waits.
    /// Refused when either slot has authentication enabled.
    pub fn swap_preview_apply(
        &mut self,
        app: &str,
        source: &str,
        target: &str,
    ) -> Result<Vec<Event>, ModelError> {
        self.swap_context(app)?.preview_apply(source, target)
    }

    /// Swap with preview, phase 2: warm up and swap (steps 3–5). A failure reverts the source to
    /// its own settings and ends the preview.
    pub fn swap_preview_complete(&mut self, app: &str) -> Result<Vec<Event>, ModelError> {
        self.swap_context(app)?.preview_complete()
    }

    /// Cancels a swap with preview (`resetSlotConfig`): the source gets its own settings back and
    /// restarts; nothing else changed.
    pub fn swap_preview_reset(&mut self, app: &str) -> Result<Vec<Event>, ModelError> {
        self.swap_context(app)?.preview_reset()
    }

    fn swap_context(&mut self, app: &str) -> Result<SwapContext<'_>, ModelError> {
        let Estate {
            apps,
            callers,
            faults,
            rng,
            now,
            sequence,
            ..
        } = self;
        let function_app =
            apps.get_mut(&AzureName::from(app))
                .ok_or_else(|| ModelError::AppNotFound {
                    app: app.to_owned(),
                })?;
        Ok(SwapContext {
            app: function_app,
            sequence,
            callers,
            faults,
            rng,
            now: *now,
        })
    }
}

/// Everything one swap touches: its app, the callers (read only), the faults and the generator.
struct SwapContext<'a> {
    app: &'a mut FunctionApp,
    sequence: &'a mut u64,
    callers: &'a CallerIndex,
    faults: &'a mut Vec<Fault>,
    rng: &'a mut SplitMix64,
    now: Timestamp,
}

impl SwapContext<'_> {
    fn name(&self) -> String {
        self.app.spec.name.clone()
    }

    fn slot(&self, slot: &str) -> Result<&Slot, ModelError> {
        self.app
            .slots
            .get(&AzureName::from(slot))
            .ok_or_else(|| ModelError::SlotNotFound {
                app: self.name(),
                slot: slot.to_owned(),
            })
    }

    fn slot_mut(&mut self, slot: &str) -> Result<&mut Slot, ModelError> {
        let FunctionApp { spec, slots, .. } = &mut *self.app;
        slots
            .get_mut(&AzureName::from(slot))
            .ok_or_else(|| ModelError::SlotNotFound {
                app: spec.name.clone(),
                slot: slot.to_owned(),
            })
    }

    fn swap(&mut self, source: &str, target: &str) -> Result<Vec<Event>, ModelError> {
        let (src, tgt) = self.pair(source, target)?;
        if let Some(preview) = self.app.preview.clone() {
            if preview.source.matches(&src) && preview.target.matches(&tgt) {
                return self.preview_complete();
            }
            return Err(ModelError::PreviewPending {
                app: self.name(),
                source_slot: preview.source.into(),
                target_slot: preview.target.into(),
            });
        }
        self.refuse_breaking_callers(&src, &tgt)?;
        let mut events = Vec::new();
        let source_before = self.apply_target_sticky(&src, &tgt, &mut events)?;
        self.complete(&src, &tgt, source_before, events)
    }

    fn preview_apply(&mut self, source: &str, target: &str) -> Result<Vec<Event>, ModelError> {
        let (src, tgt) = self.pair(source, target)?;
        if let Some(preview) = &self.app.preview {
            return Err(ModelError::PreviewPending {
                app: self.name(),
                source_slot: preview.source.to_string(),
                target_slot: preview.target.to_string(),
            });
        }
        for slot in [&src, &tgt] {
            if self.slot(slot)?.auth_enabled {
                return Err(ModelError::PreviewWithAuthentication {
                    app: self.name(),
                    slot: slot.clone(),
                });
            }
        }
        self.refuse_breaking_callers(&src, &tgt)?;
        let mut events = Vec::new();
        let source_config_before = self.apply_target_sticky(&src, &tgt, &mut events)?;
        self.slot_mut(&src)?.target_swap_slot = Some(tgt.clone());
        self.slot_mut(&tgt)?.target_swap_slot = Some(src.clone());
        self.app.preview = Some(PendingPreview {
            source: AzureName::from(&src),
            target: AzureName::from(&tgt),
            source_config_before,
        });
        events.push(Event::PreviewApplied {
            app: self.name(),
            source: src,
            target: tgt,
        });
        Ok(events)
    }

    fn preview_complete(&mut self) -> Result<Vec<Event>, ModelError> {
        let preview = self.pending()?;
        let (src, tgt) = self.pair(preview.source.as_str(), preview.target.as_str())?;
        self.refuse_breaking_callers(&src, &tgt)?;
        self.app.preview = None;
        self.complete(&src, &tgt, preview.source_config_before, Vec::new())
    }

    fn preview_reset(&mut self) -> Result<Vec<Event>, ModelError> {
        let preview = self.pending()?;
        self.app.preview = None;
        self.revert_source(
            preview.source.as_str(),
            preview.target.as_str(),
            preview.source_config_before,
        )?;
        Ok(vec![
            Event::SlotRestarted {
                app: self.name(),
                slot: preview.source.to_string(),
            },
            Event::PreviewReset {
                app: self.name(),
                source: preview.source.into(),
                target: preview.target.into(),
            },
        ])
    }

    fn pending(&self) -> Result<PendingPreview, ModelError> {
        self.app
            .preview
            .clone()
            .ok_or_else(|| ModelError::NoPreviewPending { app: self.name() })
    }

    /// Validates a swap pair and returns the slots' own spellings.
    fn pair(&self, source: &str, target: &str) -> Result<(String, String), ModelError> {
        let src = self.slot(source)?;
        let tgt = self.slot(target)?;
        if AzureName::same(source, target) {
            return Err(ModelError::SwapWithSelf {
                app: self.name(),
                slot: src.name.clone(),
            });
        }
        for slot in [src, tgt] {
            if slot.state == SlotState::Stopped {
                return Err(ModelError::SlotStopped {
                    app: self.name(),
                    slot: slot.name.clone(),
                });
            }
        }
        Ok((src.name.clone(), tgt.name.clone()))
    }

    fn refuse_breaking_callers(&self, src: &str, tgt: &str) -> Result<(), ModelError> {
        let src_release = self.slot(src)?.release.as_deref();
        let tgt_release = self.slot(tgt)?.release.as_deref();
        self.callers.refuse(
            &self.app.spec.name,
            &[
                (src, SlotChange::Release(tgt_release)),
                (tgt, SlotChange::Release(src_release)),
            ],
        )
    }

    /// Stickiness judged on each slot's own settings: during a swap the source runs with the
    /// target's sticky settings, which must not count as its own.
    fn stickiness_with_own(
        &self,
        src: &str,
        source_own: &SlotConfig,
    ) -> (crate::SlotConfigNames, bool) {
        (
            self.app.sticky.clone(),
            self.app
                .extension_versions_swap_with(Some((src, source_own))),
        )
    }

    /// Step 1 (and 2 on failure). Returns the source's configuration from before the step.
    fn apply_target_sticky(
        &mut self,
        src: &str,
        tgt: &str,
        events: &mut Vec<Event>,
    ) -> Result<SlotConfig, ModelError> {
        let source_before = self.slot(src)?.config.clone();
        let stickiness = self.app.stickiness();
        let (_, source_swappable) = stickiness.split(source_before.clone());
        let (target_sticky, _) = stickiness.split(self.slot(tgt)?.config.clone());
        if take_restart_fault(self.faults, &self.app.spec.name, src) {
            // The instances were restarted and failed; Azure puts the source's own settings back.
            self.slot_mut(src)?.restart();
            return Err(ModelError::RestartFailed {
                app: self.name(),
                slot: src.to_owned(),
            });
        }
        let source = self.slot_mut(src)?;
        source.config = source_swappable.merge(target_sticky);
        source.restart();
        events.push(Event::SlotRestarted {
            app: self.name(),
            slot: src.to_owned(),
        });
        Ok(source_before)
    }

    /// Puts the source's own configuration back after a failure or a cancel, and restarts it.
    fn revert_source(
        &mut self,
        src: &str,
        tgt: &str,
        source_before: SlotConfig,
    ) -> Result<(), ModelError> {
        let source = self.slot_mut(src)?;
        source.config = source_before;
        source.target_swap_slot = None;
        source.restart();
        self.slot_mut(tgt)?.target_swap_slot = None;
        Ok(())
    }

    /// Steps 3–5: warm-up, exchange, restart of the other side.
    fn complete(
        &mut self,
        src: &str,
        tgt: &str,
        source_before: SlotConfig,
        mut events: Vec<Event>,
    ) -> Result<Vec<Event>, ModelError> {
        let warm = if take_warmup_fault(self.faults, &self.app.spec.name, src) {
            Err(WarmupFailure::Injected)
        } else {
            let rng = &mut *self.rng;
            let source = self
                .app
                .slots
                .get_mut(&AzureName::from(src))
                .ok_or_else(|| ModelError::SlotNotFound {
                    app: self.app.spec.name.clone(),
                    slot: src.to_owned(),
                })?;
            warm_up(source, rng).map_err(|(failure, _)| failure)
        };
        match warm {
            Ok(report) => events.push(Event::WarmedUp {
                app: self.name(),
                slot: src.to_owned(),
                report,
            }),
            Err(reason) => {
                self.revert_source(src, tgt, source_before)?;
                return Err(ModelError::WarmupFailed {
                    app: self.name(),
                    slot: src.to_owned(),
                    reason,
                });
            }
        }
        self.exchange(src, tgt, source_before, &mut events)?;
        Ok(events)
    }

    /// Steps 4 and 5.
    fn exchange(
        &mut self,
        src: &str,
        tgt: &str,
        source_before: SlotConfig,
        events: &mut Vec<Event>,
    ) -> Result<(), ModelError> {
        let (names, extension_versions_swap) = self.stickiness_with_own(src, &source_before);
        let stickiness = Stickiness {
            names: &names,
            extension_versions_swap,
        };
        let app_name = self.name();
        let mut source = self.take_slot(src)?;
        let mut target = match self.take_slot(tgt) {
            Ok(target) => target,
            Err(e) => {
                self.app.slots.insert(AzureName::from(src), source);
                return Err(e);
            }
        };
        let (source_sticky, _) = stickiness.split(source_before);
        let (_, source_swappable) = stickiness.split(mem::take(&mut source.config));
        let (target_sticky, target_swappable) = stickiness.split(mem::take(&mut target.config));
        target.config = target_sticky.merge(source_swappable);
        source.config = source_sticky.merge(target_swappable);
        mem::swap(&mut source.release, &mut target.release);
        mem::swap(&mut source.content_sequence, &mut target.content_sequence);
        mem::swap(&mut source.deployments, &mut target.deployments);
        *self.sequence += 1;
        // The warmed instances now serve the target's host name; the old ones restart (step 5).
        target.warmth = mem::take(&mut source.warmth);
        source.restart();
        let status = SlotSwapStatus {
            timestamp: self.now,
            source_slot_name: src.to_owned(),
            destination_slot_name: tgt.to_owned(),
            sequence: *self.sequence,
        };
        for slot in [&mut source, &mut target] {
            slot.swap_status = Some(status.clone());
            slot.target_swap_slot = None;
            if keys_stored_as_files(slot) {
                slot.keys = SlotKeys::generate(self.rng);
                events.push(Event::KeysReset {
                    app: app_name.clone(),
                    slot: slot.name.clone(),
                });
            }
        }
        events.push(Event::Swapped {
            app: app_name.clone(),
            source: src.to_owned(),
            target: tgt.to_owned(),
            at: self.now,
            source_release: source.release_id().map(str::to_owned),
            target_release: target.release_id().map(str::to_owned),
        });
        events.push(Event::SlotRestarted {
            app: app_name,
            slot: src.to_owned(),
        });
        self.app.slots.insert(AzureName::from(src), source);
        self.app.slots.insert(AzureName::from(tgt), target);
        Ok(())
    }

    fn take_slot(&mut self, slot: &str) -> Result<Slot, ModelError> {
        let FunctionApp { spec, slots, .. } = &mut *self.app;
        slots
            .remove(&AzureName::from(slot))
            .ok_or_else(|| ModelError::SlotNotFound {
                app: spec.name.clone(),
                slot: slot.to_owned(),
            })
    }
}

/// Keys stored as files live with the content, and a swap resets them.
fn keys_stored_as_files(slot: &Slot) -> bool {
    slot.config
        .setting(well_known::SECRET_STORAGE_TYPE)
        .is_some_and(|v| v.eq_ignore_ascii_case("files"))
}
