//! Extracting the text, id and source fields (and, when asked, the field
//! sources are grouped by) from one JSON Lines record.
//!
//! Only the named fields are materialised; every other field is skipped
//! by the parser without allocating, which matters for crawler records that
//! carry large metadata.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;

use super::InputConfig;
use crate::error::Invalid;

/// The fields the pipeline needs.
pub(crate) struct Fields {
    pub text: String,
    pub id: Option<String>,
    pub source: Option<String>,
    pub group: Option<String>,
}

pub(crate) fn extract(line: &[u8], cfg: &InputConfig) -> Result<Fields, Invalid> {
    let mut de = serde_json::Deserializer::from_slice(line);
    let found = Seed(cfg)
        .deserialize(&mut de)
        .and_then(|f| de.end().map(|()| f))
        .map_err(|e| {
            // The parser validates UTF-8 as it goes; only on failure is it
            // worth finding the bad byte for a clearer message.
            match std::str::from_utf8(line) {
                Err(u) => Invalid::Utf8 {
                    offset: u.valid_up_to(),
                },
                Ok(_) => Invalid::Json(e.to_string()),
            }
        })?;
    let text = match found.text {
        None => return Err(Invalid::MissingField(cfg.text_field.clone())),
        Some(Value::String(s)) => s,
        Some(_) => return Err(Invalid::NotString(cfg.text_field.clone())),
    };
    let id = match found.id {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => return Err(Invalid::NotString(cfg.id_field.clone())),
    };
    let source = match found.source {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => return Err(Invalid::NotString(cfg.source_field.clone())),
    };
    let group = match &cfg.group_field {
        None => None,
        Some(name) => match found.group {
            None | Some(Value::Null) => return Err(Invalid::MissingGroupField(name.clone())),
            Some(Value::String(s)) => Some(s),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(_) => return Err(Invalid::GroupNotScalar(name.clone())),
        },
    };
    Ok(Fields {
        text,
        id,
        source,
        group,
    })
}

/// The byte range of the text field's value in `line` (the JSON string,
/// quotes included) and the text it holds. When a key appears twice the last
/// one counts, as in [`extract`].
pub(crate) fn text_span(line: &[u8], cfg: &InputConfig) -> Result<(Range<usize>, String), Invalid> {
    let mut de = serde_json::Deserializer::from_slice(line);
    let found = SpanSeed(&cfg.text_field)
        .deserialize(&mut de)
        .and_then(|f| de.end().map(|()| f))
        .map_err(|e| match std::str::from_utf8(line) {
            Err(u) => Invalid::Utf8 {
                offset: u.valid_up_to(),
            },
            Ok(_) => Invalid::Json(e.to_string()),
        })?;
    let raw = found.ok_or_else(|| Invalid::MissingField(cfg.text_field.clone()))?;
    let text: String =
        serde_json::from_str(raw.get()).map_err(|_| Invalid::NotString(cfg.text_field.clone()))?;
    // The raw value borrows from `line`, so its place is a pointer difference.
    let start = raw.get().as_ptr() as usize - line.as_ptr() as usize;
    Ok((start..start + raw.get().len(), text))
}

struct SpanSeed<'c>(&'c str);

impl<'de> DeserializeSeed<'de> for SpanSeed<'_> {
    type Value = Option<&'de RawValue>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SpanSeed<'_> {
    type Value = Option<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == self.0 {
                found = Some(map.next_value::<&'de RawValue>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

#[derive(Default)]
struct Found {
    text: Option<Value>,
    id: Option<Value>,
    source: Option<Value>,
    group: Option<Value>,
}

struct Seed<'c>(&'c InputConfig);

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Found;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Found, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Found;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Found, A::Error> {
        let mut found = Found::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            // The group field may also be one of the other three
            // (`--by field:source`), so it is checked on its own.
            let group = self.0.group_field.as_deref() == Some(&*key);
            let slot = if key == self.0.text_field {
                Some(&mut found.text)
            } else if key == self.0.id_field {
                Some(&mut found.id)
            } else if key == self.0.source_field {
                Some(&mut found.source)
            } else {
                None
            };
            match (slot, group) {
                (None, false) => {
                    map.next_value::<IgnoredAny>()?;
                }
                (None, true) => found.group = Some(map.next_value::<Value>()?),
                (Some(slot), false) => *slot = Some(map.next_value::<Value>()?),
                (Some(slot), true) => {
                    let v = map.next_value::<Value>()?;
                    found.group = Some(v.clone());
                    *slot = Some(v);
                }
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> InputConfig {
        InputConfig::default()
    }

    #[test]
    fn extracts_fields_and_skips_others() {
        let f = extract(
            br#"{"meta":{"a":[1,2,{"text":"no"}]},"id":7,"text":"caf\u00e9 \"q\"","source":"s"}"#,
            &cfg(),
        )
        .unwrap();
        assert_eq!(f.text, "café \"q\"");
        assert_eq!(f.id.as_deref(), Some("7"));
        assert_eq!(f.source.as_deref(), Some("s"));
    }

    #[test]
    fn captures_the_group_field() {
        let mut c = cfg();
        c.group_field = Some("site".into());
        let f = extract(br#"{"text":"t","site":"a.example"}"#, &c).unwrap();
        assert_eq!(f.group.as_deref(), Some("a.example"));
        let f = extract(br#"{"text":"t","site":12}"#, &c).unwrap();
        assert_eq!(f.group.as_deref(), Some("12"));
        assert_eq!(
            extract(br#"{"text":"t"}"#, &c).err(),
            Some(Invalid::MissingGroupField("site".into()))
        );
        assert_eq!(
            extract(br#"{"text":"t","site":["a"]}"#, &c).err(),
            Some(Invalid::GroupNotScalar("site".into()))
        );
        // Grouping by a field that is also read for another purpose.
        c.group_field = Some("source".into());
        let f = extract(br#"{"text":"t","source":"wire"}"#, &c).unwrap();
        assert_eq!(f.source.as_deref(), Some("wire"));
        assert_eq!(f.group.as_deref(), Some("wire"));
        // Without a group field nothing more is required.
        assert!(extract(br#"{"text":"t"}"#, &cfg()).unwrap().group.is_none());
    }

    #[test]
    fn text_span_is_the_value_in_the_line() {
        let line = br#"{"id":1, "text" : "a\u00e9\n\"b\"", "x":[{"text":"no"}]}"#;
        let (span, text) = text_span(line, &cfg()).unwrap();
        assert_eq!(&line[span.clone()], br#""a\u00e9\n\"b\"""#);
        assert_eq!(text, "a\u{e9}\n\"b\"");
        let dup = br#"{"text":"one","text":"two"}"#;
        let (span, text) = text_span(dup, &cfg()).unwrap();
        assert_eq!((span.start, text.as_str()), (21, "two"));
        assert_eq!(
            text_span(br#"{"text":3}"#, &cfg()).err(),
            Some(Invalid::NotString("text".into()))
        );
        assert_eq!(
            text_span(br#"{"body":"x"}"#, &cfg()).err(),
            Some(Invalid::MissingField("text".into()))
        );
    }

    #[test]
    fn reports_each_problem() {
        assert!(matches!(
            extract(b"{\"text\":", &cfg()),
            Err(Invalid::Json(_))
        ));
        assert!(matches!(extract(b"[1]", &cfg()), Err(Invalid::Json(_))));
        assert!(matches!(extract(b"{} x", &cfg()), Err(Invalid::Json(_))));
        assert_eq!(
            extract(b"{\"body\":\"x\"}", &cfg()).err(),
            Some(Invalid::MissingField("text".into()))
        );
        assert_eq!(
            extract(b"{\"text\":3}", &cfg()).err(),
            Some(Invalid::NotString("text".into()))
        );
        assert!(matches!(
            extract(b"{\"text\":\"\xff\"}", &cfg()),
            Err(Invalid::Utf8 { offset: 9 })
        ));
    }
}
