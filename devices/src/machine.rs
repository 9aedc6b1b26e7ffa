//! Machine streams of the board: [`vmstate_core::machine`] with the Integrator/CP's devices
//! (machine type `integratorcp`), loadable all-or-nothing.
//!
//! ```
//! use devices::{board::map, icp_pic::reg, IntegratorCp};
//!
//! let mut src = IntegratorCp::new(32);
//! src.write(map::SIC + reg::IRQ_ENABLESET, 0x3).unwrap();
//! let bytes = devices::machine::save(&src).unwrap();
//!
//! let mut dst = IntegratorCp::new(32);
//! devices::machine::load(&mut dst, &bytes).unwrap();
//! assert_eq!(dst.sic.irq_enabled, 0x3);
//! ```

use crate::board::IntegratorCp;
use crate::device::Device;
use vmstate_core::machine::{self as generic, Section};
use vmstate_core::Error;

pub use vmstate_core::machine::{
    parse, LoadOptions, MachineSection, MachineStream, FORMAT_VERSION, MAGIC, MAX_SECTIONS,
};

/// The board's devices as machine-stream sections, with their instances.
fn sections(board: &IntegratorCp) -> Vec<(u32, &dyn Section)> {
    (board.devices().into_iter())
        .map(|(_, instance, dev)| (instance, dev as &dyn Section))
        .collect()
}

/// Saves every device of `board` into one machine stream.
///
/// ```
/// let board = devices::IntegratorCp::new(32);
/// let bytes = devices::machine::save(&board).unwrap();
/// let parsed = devices::machine::parse(&bytes).unwrap();
/// assert_eq!(parsed.sections.len(), 5);
/// ```
pub fn save(board: &IntegratorCp) -> Result<Vec<u8>, Error> {
    generic::save_with_schema(&sections(board), schema_trailer())
}

/// The schema JSON of the board's devices. The descriptions are static, so it is built
/// once per process (call it early to keep it out of a timed save).
///
/// ```
/// use vmstate_core::schema::Schema;
/// let schema = Schema::from_json(devices::machine::schema_trailer()).unwrap();
/// let keys: Vec<&str> = schema.devices.keys().map(String::as_str).collect();
/// assert_eq!(keys, ["icp_control", "icp_pic", "integratorcm", "pl031"]);
/// ```
pub fn schema_trailer() -> &'static str {
    static TRAILER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TRAILER.get_or_init(|| {
        generic::schema_json(Some("integratorcp"), &sections(&IntegratorCp::new(32)))
    })
}

/// Loads a machine stream into `board`, all or nothing, as [`vmstate_core::machine::load`]
/// does: sections are matched to devices by name and instance (an unknown section, or a
/// device with no section, is refused by name), and every section is checked before any
/// device changes.
///
/// ```
/// use devices::{board::map, icp_pic::reg, machine, IntegratorCp};
///
/// let mut src = IntegratorCp::new(32);
/// src.write(map::PIC + reg::IRQ_ENABLESET, 0x100).unwrap();
/// src.write(map::SIC + reg::IRQ_ENABLESET, 0x3).unwrap();
/// let mut bytes = machine::save(&src).unwrap();
/// let pl031 = machine::parse(&bytes).unwrap().sections[3].clone();
/// bytes[pl031.range.end - 1] ^= 0xff; // corrupt the RTC section's checksum
///
/// let mut dst = IntegratorCp::new(32);
/// assert!(machine::load(&mut dst, &bytes).is_err());
/// assert_eq!(dst.pic.irq_enabled, 0); // all or nothing: no device changed
/// ```
pub fn load(board: &mut IntegratorCp, bytes: &[u8]) -> Result<(), Error> {
    load_with(board, bytes, LoadOptions::new()).map(drop)
}

/// [`load`] with the [`LoadOptions`] given ([`vmstate_core::machine::load_with`]): with
/// `check_schema()`, the stream's schema trailer is compared with the board's descriptions
/// first. Returns whether each device (in [`IntegratorCp::devices`]' order) was loaded.
///
/// ```
/// use devices::machine::{self, LoadOptions};
/// use devices::IntegratorCp;
///
/// let bytes = machine::save(&IntegratorCp::new(32)).unwrap();
/// let mut dst = IntegratorCp::new(32);
/// let loaded = machine::load_with(&mut dst, &bytes, LoadOptions::new().check_schema()).unwrap();
/// assert!(loaded.iter().all(|&l| l));
/// ```
pub fn load_with(
    board: &mut IntegratorCp,
    bytes: &[u8],
    options: LoadOptions<'_>,
) -> Result<Vec<bool>, Error> {
    let mut devices: Vec<(u32, &mut dyn Section)> = (board.devices_mut().into_iter())
        .map(|(_, instance, dev): (_, u32, &mut dyn Device)| (instance, dev as &mut dyn Section))
        .collect();
    generic::load_with(&mut devices, bytes, options)
}
