//! Extracting the text, id and source fields from one JSON Lines record.
//!
//! Only the three named fields are materialised; every other field is skipped
//! by the parser without allocating, which matters for crawler records that
//! carry large metadata.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

use super::InputConfig;
use crate::error::Invalid;

/// The fields the pipeline needs.
pub(crate) struct Fields {
    pub text: String,
    pub id: Option<String>,
    pub source: Option<String>,
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
    Ok(Fields { text, id, source })
}

#[derive(Default)]
struct Found {
    text: Option<Value>,
    id: Option<Value>,
    source: Option<Value>,
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
            let slot = if key == self.0.text_field {
                &mut found.text
            } else if key == self.0.id_field {
                &mut found.id
            } else if key == self.0.source_field {
                &mut found.source
            } else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            *slot = Some(map.next_value::<Value>()?);
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
