use vmstate_core::schema::Schema;
use vmstate_core::VmState;

#[test]
fn dump_ours() {
    let mut s = Schema::new(Some("integratorcp"));
    s.add("integrator_core", devices::IntegratorCm::DESCRIPTION)
        .add("integrator_pic", devices::IcpPic::DESCRIPTION)
        .add("icp-ctrl-regs", devices::IcpControl::DESCRIPTION)
        .add("pl031", devices::Pl031::DESCRIPTION);
    println!("{}", s.to_json());
}
