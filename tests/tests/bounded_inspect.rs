//! `qemu inspect --schema` on a vmdesc that lists many elements of a large struct one by one:
//! the element-by-element copies of the description are bounded, so the process's peak
//! memory stays low. (Its own test binary, so no other test inflates the peak.)

use vmstate_core::qemu::Stream;
use vmstate_core::schema::Schema;

#[test]
fn many_listed_elements_of_a_large_struct_are_not_copied_past_a_bound() {
    // A dump's array `e` of structs of 4,000 one-byte fields, the first behind a test, no
    // count; a 31 KB vmdesc lists 300 elements of it, each an empty struct. Elements with
    // tests may differ, so each would be a copy of the description fitted to its entry:
    // 1.2 million field entries, some 300 MB.
    let fields: Vec<String> = (0..4000)
        .map(|i| {
            format!(
                r#"{{"field": "f{i}", "version_id": 0, "field_exists": {}, "size": 1}}"#,
                i == 0
            )
        })
        .collect();
    let schema = Schema::from_json(&format!(
        r#"{{"dev": {{"Name": "dev", "version_id": 1, "minimum_version_id": 1,
            "Description": {{"name": "dev", "version_id": 1, "minimum_version_id": 1,
            "Fields": [{{"field": "e", "version_id": 0, "field_exists": false, "size": 4000,
              "Description": {{"name": "elem", "version_id": 1, "minimum_version_id": 1,
              "Fields": [{}]}}}}]}}}}}}"#,
        fields.join(",")
    ))
    .expect("the schema reads");
    let elements: Vec<String> = (0..300)
        .map(|i| {
            format!(
                r#"{{"name": "e", "index": {i}, "type": "struct", "size": 0,
                    "struct": {{"vmsd_name": "elem", "version": 1, "fields": []}}}}"#
            )
        })
        .collect();
    let entry = format!(
        r#"{{"name": "dev", "instance_id": 0, "vmsd_name": "dev", "version": 1,
            "fields": [{}]}}"#,
        elements.join(",")
    );
    let bytes = vmstate_tests::qemu_stream_of(&[("dev", 0, 1, &[])], Some(&entry));
    let stream = Stream::parse(bytes).expect("the stream parses");
    let listing = devices::qemu_image::inspect_with(&stream, Some(&schema)).expect("inspect");
    let dev = &listing["sections"][0];
    assert!(dev["fields"].is_null(), "{dev}");
    if let Some(peak) = vmstate_tests::peak_kib() {
        assert!(
            peak < 64 * 1024,
            "peak memory {peak} KiB: the copies were not bounded"
        );
    }
}
