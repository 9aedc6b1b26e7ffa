//! Matching names across releases, with QEMU's whitelists of renamed sections and fields.

use crate::schema::FieldEntry;
use std::collections::HashMap;

/// QEMU's section renames (`get_changed_sec_name`), looked up both ways.
pub(super) fn renamed_section(key: &str) -> Option<&'static str> {
    const RENAMES: [(&str, &str); 2] = [("ICH9 LPC", "ICH9-LPC"), ("e1000-82540em", "e1000")];
    RENAMES.iter().find_map(|&(a, b)| {
        if key == a {
            Some(b)
        } else if key == b {
            Some(a)
        } else {
            None
        }
    })
}

/// QEMU's whitelist of renamed fields and descriptions (`check_fields_match`): within the list
/// of a description (or section), any two names match each other.
const CHANGED_NAMES: &[(&str, &[&str])] = &[
    ("apic", &["timer", "timer_expiry"]),
    ("e1000", &["dev", "parent_obj"]),
    ("ehci", &["dev", "pcidev"]),
    ("I440FX", &["dev", "parent_obj"]),
    ("ich9_ahci", &["card", "parent_obj"]),
    ("ich9-ahci", &["ahci", "ich9_ahci"]),
    ("ioh3420", &["PCIDevice", "PCIEDevice"]),
    (
        "ioh-3240-express-root-port",
        &[
            "port.br.dev",
            "parent_obj.parent_obj.parent_obj",
            "port.br.dev.exp.aer_log",
            "parent_obj.parent_obj.parent_obj.exp.aer_log",
        ],
    ),
    (
        "cirrus_vga",
        &[
            "hw_cursor_x",
            "vga.hw_cursor_x",
            "hw_cursor_y",
            "vga.hw_cursor_y",
        ],
    ),
    ("lsiscsi", &["dev", "parent_obj"]),
    ("mch", &["d", "parent_obj"]),
    (
        "pci_bridge",
        &["bridge.dev", "parent_obj", "bridge.dev.shpc", "shpc"],
    ),
    ("pcnet", &["pci_dev", "parent_obj"]),
    ("PIIX3", &["pci_irq_levels", "pci_irq_levels_vmstate"]),
    (
        "piix4_pm",
        &[
            "dev",
            "parent_obj",
            "pci0_status",
            "acpi_pci_hotplug.acpi_pcihp_pci_status[0x0]",
            "pm1a.sts",
            "ar.pm1.evt.sts",
            "pm1a.en",
            "ar.pm1.evt.en",
            "pm1_cnt.cnt",
            "ar.pm1.cnt.cnt",
            "tmr.timer",
            "ar.tmr.timer",
            "tmr.overflow_time",
            "ar.tmr.overflow_time",
            "gpe",
            "ar.gpe",
        ],
    ),
    ("rtl8139", &["dev", "parent_obj"]),
    ("qxl", &["num_surfaces", "ssd.num_surfaces"]),
    (
        "usb-ccid",
        &["abProtocolDataStructure", "abProtocolDataStructure.data"],
    ),
    ("usb-host", &["dev", "parent_obj"]),
    ("usb-mouse", &["usb-ptr-queue", "HIDPointerEventQueue"]),
    ("usb-tablet", &["usb-ptr-queue", "HIDPointerEventQueue"]),
    ("vmware_vga", &["card", "parent_obj"]),
    ("vmware_vga_internal", &["depth", "new_depth"]),
    ("xhci", &["pci_dev", "parent_obj"]),
    ("x3130-upstream", &["PCIDevice", "PCIEDevice"]),
    (
        "xio3130-express-downstream-port",
        &[
            "port.br.dev",
            "parent_obj.parent_obj.parent_obj",
            "port.br.dev.exp.aer_log",
            "parent_obj.parent_obj.parent_obj.exp.aer_log",
        ],
    ),
    ("xio3130-downstream", &["PCIDevice", "PCIEDevice"]),
    (
        "xio3130-express-upstream-port",
        &[
            "br.dev",
            "parent_obj.parent_obj",
            "br.dev.exp.aer_log",
            "parent_obj.parent_obj.exp.aer_log",
        ],
    ),
    (
        "spapr_pci",
        &[
            "dma_liobn[0]",
            "mig_liobn",
            "mem_win_addr",
            "mig_mem_win_addr",
            "mem_win_size",
            "mig_mem_win_size",
            "io_win_addr",
            "mig_io_win_addr",
            "io_win_size",
            "mig_io_win_size",
        ],
    ),
    ("hpet", &["num_timers", "num_timers_save"]),
];

/// The positions of each real (not padding) field name in `fields`.
pub(super) fn positions(fields: &[FieldEntry]) -> HashMap<&str, Vec<usize>> {
    let mut at: HashMap<&str, Vec<usize>> = HashMap::new();
    // Padding is looked up by its bytes, never by its name.
    for (i, f) in fields.iter().enumerate().filter(|(_, f)| !f.is_padding()) {
        at.entry(f.field.as_str()).or_default().push(i);
    }
    at
}

/// QEMU's `check_fields_match`: equal, or both in the whitelist of `scope`.
pub(super) fn names_match(scope: &str, a: &str, b: &str) -> bool {
    matching_names(scope, a).any(|n| n == b)
}

/// The names [`names_match`] pairs with `name` in `scope`: itself, then its aliases in
/// QEMU's whitelist.
pub(super) fn matching_names<'n>(scope: &'n str, name: &'n str) -> impl Iterator<Item = &'n str> {
    let aliases = CHANGED_NAMES
        .iter()
        .filter(move |(s, names)| *s == scope && names.contains(&name))
        .flat_map(|(_, names)| names.iter().copied());
    std::iter::once(name).chain(aliases)
}

/// QEMU's `exists_in_substruct`: `item` is a nested struct whose first field matches `name`.
pub(super) fn exists_in_substruct(item: &FieldEntry, name: &str) -> bool {
    match &item.description {
        Some(d) => d
            .fields
            .first()
            .is_some_and(|first| names_match(&d.name, &first.field, name)),
        None => false,
    }
}
