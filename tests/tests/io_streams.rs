//! Native sections through `std::io`: `to_writer`, `from_reader` and `read_section` over a
//! real file and a real socket, sections read back one by one, every truncation, a hostile
//! length and failing readers and writers.

use std::io::{BufReader, Read, Write};
use vmstate_core::{ErrorKind, VmState};

#[derive(VmState, Debug, Clone, PartialEq, Default)]
#[vmstate(name = "uart")]
struct Uart {
    lcr: u8,
    divisor: u16,
    #[vmstate(max_len = 64)]
    fifo: Vec<u8>,
}

#[derive(VmState, Debug, Clone, PartialEq, Default)]
#[vmstate(name = "timer", version = 2)]
struct Timer {
    load: u32,
    count: u64,
    enabled: bool,
}

fn uart(seed: u8) -> Uart {
    Uart {
        lcr: seed,
        divisor: u16::from(seed) * 300,
        fifo: (0..seed).collect(),
    }
}

fn timer() -> Timer {
    Timer {
        load: 0xdead_beef,
        count: 1 << 40,
        enabled: true,
    }
}

#[test]
fn sections_written_to_a_file_read_back_one_by_one() {
    let path = std::env::temp_dir().join(format!("vmstate-io-{}.bin", std::process::id()));
    let mut file = std::fs::File::create(&path).unwrap();
    vmstate_core::to_writer(&uart(5), &mut file).unwrap();
    vmstate_core::to_writer(&timer(), &mut file).unwrap();
    vmstate_core::to_writer(&uart(60), &mut file).unwrap();
    file.write_all(b"trailer").unwrap();
    drop(file);

    let mut reader = BufReader::new(std::fs::File::open(&path).unwrap());
    let (mut u, mut t) = (Uart::default(), Timer::default());
    vmstate_core::from_reader(&mut u, &mut reader).unwrap();
    assert_eq!(u, uart(5));
    vmstate_core::from_reader(&mut t, &mut reader).unwrap();
    assert_eq!(t, timer());
    vmstate_core::from_reader(&mut u, &mut reader).unwrap();
    assert_eq!(u, uart(60));
    // Each read took its section and no more.
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).unwrap();
    assert_eq!(rest, b"trailer");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn sections_travel_over_a_socket() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let sender = std::thread::spawn(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        for seed in 1..=20 {
            vmstate_core::to_writer(&uart(seed), &mut stream).unwrap();
        }
        vmstate_core::to_writer(&timer(), &mut stream).unwrap();
    });
    let (stream, _) = listener.accept().unwrap();
    // Unbuffered: the header is read a byte at a time, the rest in one go.
    let mut stream = stream;
    for seed in 1..=20 {
        let mut u = Uart::default();
        vmstate_core::from_reader(&mut u, &mut stream).unwrap();
        assert_eq!(u, uart(seed));
    }
    let mut t = Timer::default();
    vmstate_core::from_reader(&mut t, &mut stream).unwrap();
    assert_eq!(t, timer());
    sender.join().unwrap();
    // The sender has closed the connection: a further read finds nothing.
    let err = vmstate_core::from_reader(&mut t, &mut stream).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Truncated { .. }), "{err}");
}

#[test]
fn every_truncation_is_refused_as_from_bytes_refuses_it() {
    let bytes = vmstate_core::to_bytes(&uart(9)).unwrap();
    for len in 0..bytes.len() {
        let mut dst = uart(1);
        let err = vmstate_core::from_reader(&mut dst, &bytes[..len]).unwrap_err();
        let expected = vmstate_core::from_bytes(&mut uart(1), &bytes[..len]).unwrap_err();
        assert_eq!(err.to_string(), expected.to_string(), "cut at {len}");
        assert_eq!(dst, uart(1), "cut at {len}");
    }
}

#[test]
fn a_corrupted_header_stops_the_read_where_it_goes_wrong() {
    let bytes = vmstate_core::to_bytes(&uart(3)).unwrap();
    // A name length beyond any name: nothing after the varint is taken.
    let mut long_name = vec![0xac, 0x02]; // 300
    long_name.extend_from_slice(&bytes);
    let mut reader = &long_name[..];
    let taken = vmstate_core::read_section(&mut reader).unwrap();
    assert_eq!(taken, [0xac, 0x02]);
    assert_eq!(reader, &bytes[..]);
    let err = vmstate_core::from_reader(&mut Uart::default(), &long_name[..]).unwrap_err();
    assert!(err.to_string().contains("section name"), "{err}");
    // A varint that never ends is cut at ten bytes.
    let endless = [0xff; 32];
    let mut reader = &endless[..];
    assert_eq!(vmstate_core::read_section(&mut reader).unwrap().len(), 10);
    // Another device's section is named as such.
    let other = vmstate_core::to_bytes(&timer()).unwrap();
    let err = vmstate_core::from_reader(&mut Uart::default(), &other[..]).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::WrongSection { .. }),
        "{err}"
    );
}

/// A reader that hands out its bytes and then claims there are more to come, forever
/// (or fails).
struct Claims {
    bytes: Vec<u8>,
    at: usize,
    fail: bool,
}

impl Read for Claims {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.bytes.len() {
            if self.fail {
                return Err(std::io::Error::other("link down"));
            }
            return Ok(0);
        }
        let n = buf.len().min(self.bytes.len() - self.at);
        buf[..n].copy_from_slice(&self.bytes[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[test]
fn a_hostile_length_takes_only_the_bytes_that_arrive() {
    // "uart", version 1, and a length of 4 GiB with 3 bytes behind it.
    let mut bytes = vec![4];
    bytes.extend_from_slice(b"uart");
    bytes.push(1);
    bytes.extend_from_slice(&u32::MAX.to_le_bytes());
    bytes.extend_from_slice(&[1, 2, 3]);
    let taken = vmstate_core::read_section(Claims {
        bytes: bytes.clone(),
        at: 0,
        fail: false,
    })
    .unwrap();
    assert_eq!(taken, bytes);
    assert!(taken.capacity() < 1 << 20, "{}", taken.capacity());
    let mut dst = uart(2);
    let err = vmstate_core::from_reader(&mut dst, &bytes[..]).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Truncated { .. }), "{err}");
    assert_eq!(dst, uart(2));
}

#[test]
fn failing_readers_and_writers_are_io_errors() {
    let bytes = vmstate_core::to_bytes(&uart(4)).unwrap();
    for cut in [0, 3, bytes.len() - 2] {
        let mut dst = uart(1);
        let reader = Claims {
            bytes: bytes[..cut].to_vec(),
            at: 0,
            fail: true,
        };
        let err = vmstate_core::from_reader(&mut dst, reader).unwrap_err();
        let ErrorKind::Io(io) = err.kind() else {
            panic!("{err}")
        };
        assert_eq!(io.to_string(), "link down");
        assert_eq!(err.to_string(), "I/O error: link down");
        // Display has the I/O error's message: `source()` goes on with that error's own
        // source (none here), so a printer of the chain shows the message once.
        assert!(std::error::Error::source(&err).is_none());
        assert_eq!(dst, uart(1));
    }
    struct Full;
    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::from(std::io::ErrorKind::StorageFull))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let err = vmstate_core::to_writer(&uart(4), Full).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Io(_)), "{err}");
    // A save that fails writes nothing.
    let mut out = Vec::new();
    let too_long = Uart {
        fifo: vec![0; 65],
        ..uart(1)
    };
    assert!(vmstate_core::to_writer(&too_long, &mut out).is_err());
    assert!(out.is_empty());
}

#[test]
fn machine_streams_read_back_one_by_one_from_a_socket() {
    use vmstate_core::machine;
    let first = machine::save(Some("vm"), &[(0, &uart(3)), (1, &uart(40)), (0, &timer())]).unwrap();
    let second = machine::save(None, &[(0, &uart(7))]).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (a, b) = (first.clone(), second.clone());
    let sender = std::thread::spawn(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream.write_all(&a).unwrap();
        stream.write_all(&b).unwrap();
        stream.write_all(b"end").unwrap();
    });
    let (mut stream, _) = listener.accept().unwrap();
    assert_eq!(machine::read_stream(&mut stream).unwrap(), first);
    let (mut u0, mut u1, mut t) = (Uart::default(), Uart::default(), Timer::default());
    machine::load(&mut [(0, &mut u0), (1, &mut u1), (0, &mut t)], &first).unwrap();
    assert_eq!((u0, u1, t), (uart(3), uart(40), timer()));
    assert_eq!(machine::read_stream(&mut stream).unwrap(), second);
    sender.join().unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).unwrap();
    assert_eq!(rest, b"end");
}

#[test]
fn a_machine_stream_cut_anywhere_is_refused_and_changes_nothing() {
    use vmstate_core::machine;
    let full = machine::save(None, &[(0, &uart(3)), (0, &timer())]).unwrap();
    for len in 0..full.len() {
        let read = machine::read_stream(&full[..len]).unwrap();
        assert_eq!(read, &full[..len], "cut at {len}");
        let (mut u, mut t) = (uart(1), Timer::default());
        let err = machine::load(&mut [(0, &mut u), (0, &mut t)], &read).unwrap_err();
        assert!(!err.to_string().is_empty());
        assert_eq!((u, t), (uart(1), Timer::default()), "cut at {len}");
    }
    // Not a machine stream: its first bytes only.
    let section = vmstate_core::to_bytes(&uart(3)).unwrap();
    assert_eq!(
        machine::read_stream(&section[..]).unwrap().len(),
        12.min(section.len())
    );
}
