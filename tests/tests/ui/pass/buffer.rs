// `buffer`: a `[u8; N]` (or a boxed one) described as QEMU's `VMSTATE_BUFFER`, one element
// of N bytes, where a plain `[u8; N]` is N one-byte elements; the same bytes on both wires,
// immutable too, and `vmstate check` takes either against either (in typed schemas).
use vmstate_core::schema::{self, Desc, Format};
use vmstate_core::VmState;

#[derive(VmState, Debug, PartialEq, Clone)]
#[vmstate(name = "nic")]
struct Nic {
    #[vmstate(buffer)]
    data: [u8; 8],
    #[vmstate(buffer)]
    packets: Box<[u8; 16]>,
    #[vmstate(buffer, immutable)]
    mac: [u8; 6],
    ids: [u8; 4],
}

#[derive(VmState, Debug, PartialEq, Clone)]
#[vmstate(name = "nic")]
struct PlainNic {
    data: [u8; 8],
    packets: Box<[u8; 16]>,
    #[vmstate(immutable)]
    mac: [u8; 6],
    ids: [u8; 4],
}

fn main() {
    let nic = Nic {
        data: *b"\x01\x02\x03\x04\x05\x06\x07\x08",
        packets: Box::new([0xa5; 16]),
        mac: [0x52, 0x54, 0, 0x12, 0x34, 0x56],
        ids: [9, 8, 7, 6],
    };
    let desc = Desc::from_description(Nic::DESCRIPTION);
    let shape: Vec<_> = desc
        .fields
        .iter()
        .map(|f| (f.field.as_str(), f.size, f.array_len, f.wire_type.as_deref()))
        .collect();
    assert_eq!(
        shape,
        [
            ("data", 8, None, Some("buffer")),
            ("packets", 16, None, Some("buffer")),
            ("ids", 1, Some(4), Some("uint8")),
        ]
    );
    assert_eq!(
        (desc.not_on_wire[0].size, desc.not_on_wire[0].array_len),
        (6, None)
    );

    // The same bytes as without `buffer`, in both codecs.
    let plain = PlainNic {
        data: nic.data,
        packets: nic.packets.clone(),
        mac: nic.mac,
        ids: nic.ids,
    };
    let q = vmstate_core::qemu::to_bytes(&nic).unwrap();
    assert_eq!(q, vmstate_core::qemu::to_bytes(&plain).unwrap());
    assert_eq!(&q[..8], &nic.data);
    let native = vmstate_core::to_bytes(&nic).unwrap();
    let mut back = Nic { data: [0; 8], packets: Box::new([0; 16]), ..nic.clone() };
    vmstate_core::from_bytes(&mut back, &native).unwrap();
    assert_eq!(back, nic);

    // A schema decodes the buffer as one hex string, in both formats.
    let (decoded, used) = schema::decode(&desc, Format::Qemu, &q, 1, 0).unwrap();
    assert_eq!(used, q.len());
    assert_eq!(decoded["data"], "0102030405060708");
    assert_eq!(decoded["packets"], "a5".repeat(16));
    let section = vmstate_core::read_frame(&native, 0).unwrap();
    let (decoded, _) = schema::decode(&desc, Format::Native, section.fields, 1, 0).unwrap();
    assert_eq!(decoded["data"], "0102030405060708");
    assert_eq!(decoded["packets"], "a5".repeat(16));

    // Adding or removing `buffer` is not a break, either way.
    let schema = |d| {
        let mut s = schema::Schema::new(None);
        s.add("nic", d);
        s
    };
    let (with, without) = (schema(Nic::DESCRIPTION), schema(PlainNic::DESCRIPTION));
    assert_eq!(schema::check(&with, &without).findings.len(), 0);
    assert_eq!(schema::check(&without, &with).findings.len(), 0);
}
