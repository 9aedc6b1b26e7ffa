//! `#[vmstate(equal)]`: QEMU's `VMSTATE_*_EQUAL`, configuration that both wires carry and a
//! load checks against the destination's value.

use vmstate_core::schema::{self, Rule, Severity};
use vmstate_core::{ErrorKind, VmState};

#[derive(VmState, Debug, Default, Clone, PartialEq)]
#[vmstate(name = "gic/cfg")]
struct Cfg {
    base: u32,
    lines: [u8; 2],
}

#[derive(VmState, Debug, Default, Clone, PartialEq)]
#[vmstate(name = "gic", version = 2, minimum_version = 1)]
struct Gic {
    #[vmstate(equal)]
    num_irq: u32,
    enabled: bool,
    #[vmstate(equal)]
    cfg: Cfg,
    #[vmstate(equal, max_len = 8)]
    model: String,
    #[vmstate(equal, since = 2)]
    revision: u8,
}

fn gic() -> Gic {
    Gic {
        num_irq: 96,
        enabled: true,
        cfg: Cfg {
            base: 0x1000,
            lines: [4, 5],
        },
        model: "gicv2".to_owned(),
        revision: 2,
    }
}

#[test]
fn both_wires_carry_it_and_an_equal_destination_loads() {
    let src = gic();
    let qemu = vmstate_core::qemu::to_bytes(&src).unwrap();
    let mut expected = vec![0, 0, 0, 96, 1, 0, 0, 0x10, 0, 4, 5, 0, 0, 0, 5];
    expected.extend(b"gicv2");
    expected.push(2);
    assert_eq!(qemu, expected);
    let mut dst = Gic {
        enabled: false,
        ..gic()
    };
    vmstate_core::qemu::from_bytes(&mut dst, &qemu, 2, 0).unwrap();
    assert_eq!(dst, src);
    let mut dst = Gic {
        enabled: false,
        ..gic()
    };
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!(dst, src);
}

#[test]
fn a_different_value_fails_the_load_naming_the_part_and_changes_nothing() {
    let qemu = vmstate_core::qemu::to_bytes(&gic()).unwrap();
    let native = vmstate_core::to_bytes(&gic()).unwrap();
    let cases: [(Gic, &str); 4] = [
        (
            Gic {
                num_irq: 64,
                ..gic()
            },
            "gic.num_irq: differs from the destination's value (`equal`): stream has 96, destination has 64",
        ),
        (
            Gic {
                cfg: Cfg {
                    lines: [4, 6],
                    ..gic().cfg
                },
                ..gic()
            },
            "gic.cfg.lines[1]: differs from the destination's value (`equal`): stream has 5, destination has 6",
        ),
        (
            Gic {
                model: "gicv3".to_owned(),
                ..gic()
            },
            "gic.model: differs from the destination's value (`equal`): stream has \"gicv2\", destination has \"gicv3\"",
        ),
        (
            Gic {
                revision: 1,
                ..gic()
            },
            "gic.revision: differs from the destination's value (`equal`): stream has 2, destination has 1",
        ),
    ];
    for (before, message) in cases {
        for (qemu_codec, bytes) in [(true, &qemu), (false, &native)] {
            let mut dst = Gic {
                enabled: false,
                ..before.clone()
            };
            let err = if qemu_codec {
                vmstate_core::qemu::from_bytes(&mut dst, bytes, 2, 0).unwrap_err()
            } else {
                vmstate_core::from_bytes(&mut dst, bytes).unwrap_err()
            };
            assert!(
                matches!(err.kind(), ErrorKind::EqualMismatch { .. }),
                "{err}"
            );
            assert!(err.to_string().starts_with(message), "{err}");
            assert!(err.offset().is_some(), "{err}");
            assert_eq!(
                dst,
                Gic {
                    enabled: false,
                    ..before.clone()
                }
            );
        }
    }
}

#[test]
fn a_stream_that_lacks_it_keeps_the_destinations_value() {
    let mut v1 = vmstate_core::qemu::to_bytes(&gic()).unwrap();
    v1.pop(); // version 1 has no revision
    let mut dst = Gic {
        enabled: false,
        revision: 7,
        ..gic()
    };
    vmstate_core::qemu::from_bytes(&mut dst, &v1, 1, 0).unwrap();
    assert_eq!(
        dst,
        Gic {
            revision: 7,
            ..gic()
        }
    );
}

#[test]
fn the_schema_lists_it_on_qemus_wire_and_the_checker_sees_the_new_check() {
    #[derive(VmState)]
    #[vmstate(name = "gic")]
    struct Before {
        num_irq: u32,
    }
    #[derive(VmState)]
    #[vmstate(name = "gic")]
    struct After {
        #[vmstate(equal)]
        num_irq: u32,
    }
    let schema = |d| vmstate_tests::one_device("gic", d);
    let (before, after) = (schema(Before::DESCRIPTION), schema(After::DESCRIPTION));
    let desc = &after.devices["gic"].description;
    assert_eq!(desc.fields[0].field, "num_irq");
    assert_eq!(desc.fields[0].kind(), "migrated");
    assert_eq!(
        desc.fields[0].validate.as_deref(),
        Some("equal to the destination's")
    );
    assert!(After::DESCRIPTION.fields[0].equal && !Before::DESCRIPTION.fields[0].equal);

    let report = schema::check(&before, &after);
    assert_eq!(report.errors(), 0, "{report}");
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule == Rule::CheckAdded && f.severity == Severity::Warning),
        "{report}"
    );
    assert_eq!(schema::check(&after, &before).findings.len(), 0);
}
