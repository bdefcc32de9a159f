//! The Standard Logic App the emulator's Standard tests share: site `orders-logic` on the
//! reference estate, its project in `tests/data/standard-site`.

use slotdrill_emulator::Emulator;
use slotdrill_wdl::Document;

pub const LOGIC: &str = "orders-logic";

/// A file of the Standard project.
pub fn data(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/standard-site")
        .join(path)
}

/// The reference estate plus Standard site `orders-logic` with `invoice-flow` (a function
/// connection) and `notify-flow` (an Http call), keys in the site's settings.
pub fn estate() -> Emulator {
    let emulator = super::emulator(21);
    for workflow in ["invoice-flow", "notify-flow"] {
        let document =
            Document::load(&data(&format!("{workflow}/workflow.json"))).expect("document");
        emulator
            .save_logic_app(workflow, document, None)
            .expect("saved");
        emulator
            .place_logic_app(workflow, "slotdrill", "westeurope")
            .expect("placed");
        emulator.place_in_site(workflow, LOGIC).expect("site");
    }
    let settings = [
        (
            "ordersFunctions_functionAppKey".to_owned(),
            super::key(&emulator, "production", "SendInvoice"),
        ),
        (
            "PROCESS_KEY".to_owned(),
            super::key(&emulator, "production", "ProcessOrder"),
        ),
    ];
    emulator
        .set_logic_app_settings("invoice-flow", settings.into())
        .expect("settings");
    emulator
}
