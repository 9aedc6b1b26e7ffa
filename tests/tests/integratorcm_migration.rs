//! The core module through the native codec, and its description against QEMU's dump.

use devices::integratorcm::reg;
use devices::{IcpControl, IcpPic, IntegratorCm};
use vmstate_core::{ErrorKind, FieldKind, VmState};

const DUMP: &str = include_str!("../fixtures/qemu-7.2-integratorcp/dump-vmstate.json");

/// Every readable register of the core module, by offset.
fn readable(cm: &IntegratorCm) -> Vec<(u64, u32)> {
    (0..0x200u64)
        .step_by(4)
        .filter(|&o| o != reg::REFCNT)
        .filter_map(|o| cm.read_checked(o).ok().map(|v| (o, v)))
        .collect()
}

fn guest_workload(cm: &mut IntegratorCm) {
    for (off, val) in [
        (reg::LOCK, 0xa05f),
        (reg::OSC, 0x777),
        (reg::AUXOSC, 0x55555),
        (reg::CTRL, 0x4),
        (reg::SDRAM, 0x11132),
        (reg::INIT, 0x3),
        (reg::FLAGS, 0x101),
        (reg::NVFLAGS, 0x2),
        (reg::IRQ_ENSET, 0x10),
        (reg::FIQ_ENSET, 0x20),
        (reg::LOCK, 0x0),
    ] {
        cm.write(off, val);
    }
}

#[test]
fn round_trip_after_mmio_writes_reads_the_same() {
    let mut src = IntegratorCm::new(32);
    guest_workload(&mut src);
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    let mut dst = IntegratorCm::new(32);
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!(readable(&dst), readable(&src));
    assert_eq!(dst.registers(), src.registers());
}

#[test]
fn remap_is_recomputed_although_not_sent() {
    let mut src = IntegratorCm::new(32);
    src.write(reg::CTRL, 0x4);
    assert!(!src.flash.enabled);
    let bytes = vmstate_core::to_bytes(&src).unwrap();

    // The encoded fields hold neither flash_mapped nor flash.enabled: the QEMU encoding is
    // exactly the 11 registers, and the native one is the immutable identity plus the same
    // 11 registers. Changing the derived values on the source changes no byte.
    let mut tampered = IntegratorCm::new(32);
    tampered.write(reg::CTRL, 0x4);
    tampered.flash_mapped = true;
    tampered.flash.enabled = true;
    assert_eq!(vmstate_core::to_bytes(&tampered).unwrap(), bytes);
    assert_eq!(vmstate_core::qemu::to_bytes(&src).unwrap().len(), 44);
    let desc = IntegratorCm::DESCRIPTION;
    assert!(matches!(
        desc.field("flash_mapped").unwrap().kind,
        FieldKind::Derived {
            hook: Some("Self::update_mappings")
        }
    ));
    assert_eq!(
        desc.field("flash").unwrap().derives,
        Some("Self::update_mappings")
    );

    let mut dst = IntegratorCm::new(32);
    assert!(dst.flash.enabled && dst.flash_mapped);
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert!(
        !dst.flash.enabled,
        "destination's flash must be disabled after the load"
    );
    assert!(!dst.flash_mapped);
}

#[test]
fn state_of_64mib_board_into_128mib_board_is_refused_unchanged() {
    let mut src = IntegratorCm::new(64);
    guest_workload(&mut src);
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    let mut dst = IntegratorCm::new(128);
    dst.write(reg::FLAGS, 0x8);
    let before = format!("{dst:?}");
    let before_regs = dst.registers();
    let err = vmstate_core::from_bytes(&mut dst, &bytes).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::ImmutableMismatch { .. }),
        "{err}"
    );
    assert_eq!(err.path(), "integratorcm.memsz");
    let msg = err.to_string();
    assert!(msg.contains("stream has 64, destination has 128"), "{msg}");
    assert!(msg.contains("at byte"), "{msg}");
    assert_eq!(dst.registers(), before_regs);
    assert_eq!(format!("{dst:?}"), before);
}

#[test]
fn flash_identity_is_checked() {
    let src = IntegratorCm::new(32);
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    let mut dst = IntegratorCm::new(32);
    dst.flash.size = 0x20_0000;
    let err = vmstate_core::from_bytes(&mut dst, &bytes).unwrap_err();
    assert_eq!(err.path(), "integratorcm.flash.size");
    assert!(
        err.to_string()
            .contains("stream has 1048576, destination has 2097152"),
        "{err}"
    );
}

/// (field, wire size) of QEMU's description `entry` in the dump.
fn qemu_fields(entry: &str) -> (String, Vec<(String, usize)>) {
    let dump: serde_json::Value = serde_json::from_str(DUMP).unwrap();
    let d = &dump[entry]["Description"];
    let fields = d["Fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_owned(),
                f["size"].as_u64().unwrap() as usize,
            )
        })
        .collect();
    (d["name"].as_str().unwrap().to_owned(), fields)
}

fn ours<T: VmState>() -> (String, Vec<(String, usize)>) {
    let d = T::DESCRIPTION;
    let fields = d
        .qemu_fields()
        .map(|f| (f.name.to_owned(), f.shape.qemu_size().unwrap()))
        .collect();
    (d.name.to_owned(), fields)
}

#[test]
fn description_matches_qemu_integrator_core() {
    assert_eq!(ours::<IntegratorCm>(), qemu_fields("integrator_core"));
    let d = IntegratorCm::DESCRIPTION;
    assert_eq!((d.version, d.minimum_version), (1, 1));
    let kinds: Vec<(&str, &str)> = d.fields.iter().map(|f| (f.name, f.kind.as_str())).collect();
    assert_eq!(
        kinds[..3],
        [
            ("memsz", "immutable"),
            ("flash", "migrated"),
            ("flash_mapped", "derived")
        ]
    );
    assert_eq!(
        d.field("cm_refcnt_offset").unwrap().kind,
        FieldKind::Skipped
    );
    let flash = match d.field("flash").unwrap().shape {
        vmstate_core::Shape::Struct(inner) => inner,
        other => panic!("flash is not nested: {other:?}"),
    };
    for f in ["name", "size", "address", "kind"] {
        assert_eq!(flash.field(f).unwrap().kind, FieldKind::Immutable, "{f}");
    }
    assert_eq!(
        flash.field("enabled").unwrap().kind,
        FieldKind::DerivedByOwner
    );
    assert_eq!(d.qemu_size(), Some(44));
}

#[test]
fn description_matches_qemu_icp_pic_and_control() {
    assert_eq!(ours::<IcpPic>(), qemu_fields("integrator_pic"));
    assert_eq!(ours::<IcpControl>(), qemu_fields("icp-ctrl-regs"));
}
