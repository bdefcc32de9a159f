//! Configuration changes: app settings, connection strings, sticky names, authentication,
//! running state, auto swap and traffic routing. Changing settings restarts the slot, as on Azure.

use std::collections::BTreeMap;

use crate::error::ModelError;
use crate::estate::Estate;
use crate::event::Event;
use crate::name::{AzureName, is_production};
use crate::plan::OperatingSystem;
use crate::routing::{RampUpRule, validate};
use crate::settings::{ConnectionString, SlotConfigNames};
use crate::slot::SlotState;

impl Estate {
    /// Replaces all app settings of a slot (ARM `PUT config/appsettings` semantics).
    pub fn set_app_settings(
        &mut self,
        app: &str,
        slot: &str,
        settings: BTreeMap<String, String>,
    ) -> Result<Vec<Event>, ModelError> {
        self.change_config(app, slot, |config| config.app_settings = settings)
    }

    /// Sets (`Some`) or removes (`None`) one app setting of a slot.
    pub fn set_app_setting(
        &mut self,
        app: &str,
        slot: &str,
        name: &str,
        value: Option<&str>,
    ) -> Result<Vec<Event>, ModelError> {
        self.change_config(app, slot, |config| match value {
            Some(value) => {
                config
                    .app_settings
                    .insert(name.to_owned(), value.to_owned());
            }
            None => {
                config.app_settings.remove(name);
            }
        })
    }

    /// Replaces all connection strings of a slot.
    pub fn set_connection_strings(
        &mut self,
        app: &str,
        slot: &str,
        strings: BTreeMap<String, ConnectionString>,
    ) -> Result<Vec<Event>, ModelError> {
        self.change_config(app, slot, |config| config.connection_strings = strings)
    }

    /// Replaces all Azure Storage mounts of a slot.
    pub fn set_storage_mounts(
        &mut self,
        app: &str,
        slot: &str,
        mounts: BTreeMap<String, String>,
    ) -> Result<Vec<Event>, ModelError> {
        self.change_config(app, slot, |config| config.storage_mounts = mounts)
    }

    /// Configuration of a slot prepared for swap (phase 1 of a swap with preview, or a swap
    /// stopped at its warm-up) cannot change until the swap completes or is reset: Azure answers
    /// 409 for both slots (azure-cli#27820), and a reset would otherwise drop the change. `None`
    /// asks about the app's own configuration (sticky names), which concerns both slots.
    fn refuse_if_prepared(&self, app: &str, slot: Option<&str>) -> Result<(), ModelError> {
        let Some(preview) = self.app(app)?.preview.as_ref() else {
            return Ok(());
        };
        let held = match slot {
            Some(slot) => preview.involves(slot).then(|| slot.to_owned()),
            None => Some(preview.source.to_string()),
        };
        match held {
            Some(slot) => Err(ModelError::PreparedForSwap {
                app: app.to_owned(),
                slot,
            }),
            None => Ok(()),
        }
    }

    fn change_config(
        &mut self,
        app: &str,
        slot: &str,
        change: impl FnOnce(&mut crate::SlotConfig),
    ) -> Result<Vec<Event>, ModelError> {
        self.slot(app, slot)?;
        self.refuse_if_prepared(app, Some(slot))?;
        let app_name = self.app(app)?.spec.name.clone();
        let target = self.slot_mut(app, slot)?;
        change(&mut target.config);
        target.restart();
        let slot = target.name.clone();
        Ok(vec![
            Event::SettingsChanged {
                app: app_name.clone(),
                slot: slot.clone(),
            },
            Event::SlotRestarted {
                app: app_name,
                slot,
            },
        ])
    }

    /// Replaces the app's sticky names (`PUT config/slotConfigNames`). Values do not move.
    pub fn set_sticky_names(
        &mut self,
        app: &str,
        names: SlotConfigNames,
    ) -> Result<Vec<Event>, ModelError> {
        self.refuse_if_prepared(app, None)?;
        let function_app = self.app_mut(app)?;
        function_app.sticky = names;
        Ok(vec![Event::StickyNamesChanged {
            app: function_app.spec.name.clone(),
        }])
    }

    /// Turns App Service authentication on or off for a slot.
    pub fn set_authentication(
        &mut self,
        app: &str,
        slot: &str,
        enabled: bool,
    ) -> Result<Vec<Event>, ModelError> {
        self.slot(app, slot)?;
        self.refuse_if_prepared(app, Some(slot))?;
        let app_name = self.app(app)?.spec.name.clone();
        let target = self.slot_mut(app, slot)?;
        target.auth_enabled = enabled;
        Ok(vec![Event::AuthenticationChanged {
            app: app_name,
            slot: target.name.clone(),
            enabled,
        }])
    }

    /// Starts or stops a slot. Starting restarts its instances.
    pub fn set_slot_state(
        &mut self,
        app: &str,
        slot: &str,
        state: SlotState,
    ) -> Result<Vec<Event>, ModelError> {
        let app_name = self.app(app)?.spec.name.clone();
        let target = self.slot_mut(app, slot)?;
        if target.state != state {
            target.state = state;
            target.restart();
        }
        Ok(vec![Event::SlotStateChanged {
            app: app_name,
            slot: target.name.clone(),
            running: state == SlotState::Running,
        }])
    }

    /// Sets or clears `siteConfig.autoSwapSlotName` on a non-production slot. Refused on Linux,
    /// where Azure does not support auto swap.
    pub fn set_auto_swap(
        &mut self,
        app: &str,
        slot: &str,
        target: Option<&str>,
    ) -> Result<Vec<Event>, ModelError> {
        let function_app = self.app(app)?;
        if target.is_some() && function_app.spec.os == OperatingSystem::Linux {
            return Err(ModelError::AutoSwapOnLinux {
                app: app.to_owned(),
            });
        }
        self.slot(app, slot)?;
        self.refuse_if_prepared(app, Some(slot))?;
        let invalid = |reason: String| ModelError::InvalidConfig {
            app: app.to_owned(),
            reason,
        };
        let target_name = match target {
            Some(_) if is_production(slot) => {
                return Err(invalid(
                    "auto swap is configured on a staging slot, not on production".to_owned(),
                ));
            }
            Some(t) if AzureName::same(t, slot) => {
                return Err(invalid(format!(
                    "slot `{slot}` cannot auto swap into itself"
                )));
            }
            Some(t) => Some(self.slot(app, t)?.name.clone()),
            None => None,
        };
        let app_name = function_app.spec.name.clone();
        let source = self.slot_mut(app, slot)?;
        source.auto_swap_slot_name = target_name.clone();
        Ok(vec![Event::AutoSwapConfigured {
            app: app_name,
            slot: source.name.clone(),
            target: target_name,
        }])
    }

    /// Replaces production's traffic routing rules. Each rule must send 0–100 % to the host name
    /// of an existing non-production slot, and the total may not exceed 100 %.
    pub fn set_routing(
        &mut self,
        app: &str,
        rules: Vec<RampUpRule>,
    ) -> Result<Vec<Event>, ModelError> {
        self.refuse_if_prepared(app, Some(crate::PRODUCTION))?;
        let function_app = self.app(app)?;
        validate(app, &rules)?;
        for rule in &rules {
            let known = function_app.slots.values().any(|slot| {
                !is_production(&slot.name)
                    && AzureName::same(&slot.host_name, &rule.action_host_name)
            });
            if !known {
                return Err(ModelError::InvalidRouting {
                    app: app.to_owned(),
                    reason: format!(
                        "rule `{}`: `{}` is not the host name of a non-production slot",
                        rule.name, rule.action_host_name
                    ),
                });
            }
        }
        let function_app = self.app_mut(app)?;
        function_app.routing = rules;
        Ok(vec![Event::RoutingChanged {
            app: function_app.spec.name.clone(),
        }])
    }
}
