//! Compile-time tests of `#[derive(VmState)]`: every misuse is rejected with a clear error on
//! the offending token, and the passing cases compile and round-trip.
//!
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test -p vmstate-tests --test ui`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/attrs/*.rs");
    t.compile_fail("tests/ui/convert/*.rs");
    t.compile_fail("tests/ui/derived/*.rs");
    t.compile_fail("tests/ui/evolution/*.rs");
    t.compile_fail("tests/ui/hooks/*.rs");
    t.compile_fail("tests/ui/shape/*.rs");
    t.compile_fail("tests/ui/subsection/*.rs");
    t.compile_fail("tests/ui/types/*.rs");
    t.compile_fail("tests/ui/transparent/*.rs");
    t.compile_fail("tests/ui/validate/*.rs");
    t.compile_fail("tests/ui/versions/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
