//! JSON read with the keys of every object unique. `serde_json` keeps the last of two equal
//! keys, which in a schema file would drop a device (two entries under one key, say after
//! merging two dumps) or one of a field's properties without a word, and the checker would
//! then compare what is left.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// Parses `text` as JSON; a key repeated within one object is an error naming the key and,
/// as for any JSON error, the line and column.
pub(crate) fn parse_unique_keys(text: &str) -> Result<Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = UniqueKeys.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// Builds a [`Value`] as `serde_json` does, refusing a repeated key. (Numbers arrive as
/// numbers while `serde_json`'s `arbitrary_precision` feature is off, as it is here.)
struct UniqueKeys;

impl<'de> DeserializeSeed<'de> for UniqueKeys {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UniqueKeys {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // JSON has no NaN or infinity, so the number always exists.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(UniqueKeys)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "key `{key}` appears twice in one object (a JSON reader would keep only \
                     the last)"
                )));
            }
            let value = map.next_value_seed(UniqueKeys)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_serde_json_reads() {
        let text = r#"{"a": [1, -2, 3.5, "x", null, true, {"b": {}}], "c": {"d": []}}"#;
        let expected: Value = serde_json::from_str(text).unwrap();
        assert_eq!(parse_unique_keys(text).unwrap(), expected);
    }

    #[test]
    fn a_repeated_key_is_named_with_its_place() {
        let text = "{\"dev\": {\"Fields\": [],\n \"Fields\": [1]}}";
        let e = parse_unique_keys(text).unwrap_err().to_string();
        assert!(e.contains("key `Fields` appears twice"), "{e}");
        assert!(e.contains("line 2"), "{e}");
        // The same key in different objects is fine.
        parse_unique_keys(r#"{"a": {"x": 1}, "b": {"x": 2}}"#).unwrap();
    }

    #[test]
    fn syntax_errors_and_trailing_text_are_refused() {
        for bad in ["{", "[1,]", "{} x", ""] {
            assert!(parse_unique_keys(bad).is_err(), "{bad:?}");
        }
    }
}
