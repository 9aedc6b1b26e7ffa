//! Each device's migration schema against its golden file in `devices/schemas/`: a change
//! that breaks migration from or back to the committed schema fails here with the checker's
//! findings (both ways: the ports must stay migratable with QEMU 7.2 in either direction).
//! Bless a deliberate change with `VMSTATE_BLESS=1 cargo test`.

use devices::{IcpControl, IcpPic, IntegratorCm, Pl022, Pl031};

#[test]
fn integratorcm_schema_is_compatible() {
    vmstate_core::assert_compatible_both_ways!(
        "schemas/integratorcm.json",
        IntegratorCm,
        "integrator_core"
    );
}

#[test]
fn icp_pic_schema_is_compatible() {
    vmstate_core::assert_compatible_both_ways!("schemas/icp_pic.json", IcpPic, "integrator_pic");
}

#[test]
fn icp_control_schema_is_compatible() {
    vmstate_core::assert_compatible_both_ways!(
        "schemas/icp_control.json",
        IcpControl,
        "icp-ctrl-regs"
    );
}

#[test]
fn pl031_schema_is_compatible() {
    vmstate_core::assert_compatible_both_ways!("schemas/pl031.json", Pl031, "pl031");
}

#[test]
fn pl022_schema_is_compatible() {
    vmstate_core::assert_compatible_both_ways!("schemas/pl022.json", Pl022, "pl022");
}
