//! Decoding an apiserver list page into projected rows, one object at a time (never a page of
//! whole objects in memory), and reading a page's continue token without decoding its items.

use kube::api::DynamicObject;
use serde::Deserialize;
use serde_json::Value;

use super::catalog::Kind;

/// A page's continue token, read without building its items.
pub fn continue_of(text: &str) -> Result<Option<String>, serde_json::Error> {
    #[derive(Deserialize)]
    struct PageHead {
        metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta,
    }
    let head: PageHead = serde_json::from_str(text)?;
    Ok(head.metadata.continue_.filter(|c| !c.is_empty()))
}

/// A decoded list page: its metadata and its objects' rows.
pub struct ReadPage {
    pub metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta,
    pub rows: Vec<Value>,
}

/// Decodes a list response, projecting each object as soon as it is decoded and dropping it.
pub fn read_page(bytes: &[u8], kind: &Kind) -> Result<ReadPage, serde_json::Error> {
    use serde::de::DeserializeSeed;
    // From a slice: serde_json's reader path is several times slower.
    let mut decoder = serde_json::Deserializer::from_slice(bytes);
    let page = ListSeed { kind }.deserialize(&mut decoder)?;
    decoder.end()?;
    Ok(page)
}

/// Decodes `{metadata, items: [...]}` with the items projected one at a time.
struct ListSeed<'k> {
    kind: &'k Kind,
}

impl<'de> serde::de::DeserializeSeed<'de> for ListSeed<'_> {
    type Value = ReadPage;

    fn deserialize<D: serde::Deserializer<'de>>(self, decoder: D) -> Result<ReadPage, D::Error> {
        decoder.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ListSeed<'_> {
    type Value = ReadPage;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a Kubernetes list")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<ReadPage, A::Error> {
        let mut page = ReadPage { metadata: Default::default(), rows: Vec::new() };
        while let Some(field) = map.next_key::<String>()? {
            match field.as_str() {
                "metadata" => page.metadata = map.next_value()?,
                "items" => page.rows = map.next_value_seed(ItemsSeed { kind: self.kind })?,
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(page)
    }
}

/// The `items` array, each object projected and dropped as it is decoded.
struct ItemsSeed<'k> {
    kind: &'k Kind,
}

impl<'de> serde::de::DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = Vec<Value>;

    fn deserialize<D: serde::Deserializer<'de>>(self, decoder: D) -> Result<Vec<Value>, D::Error> {
        // `any`, not `seq`: an empty list may come as `null`.
        decoder.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ItemsSeed<'_> {
    type Value = Vec<Value>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of objects")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Vec<Value>, E> {
        Ok(Vec::new())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut items: A) -> Result<Vec<Value>, A::Error> {
        let mut rows = Vec::with_capacity(items.size_hint().unwrap_or(0));
        while let Some(obj) = items.next_element::<DynamicObject>()? {
            rows.push(self.kind.project(&obj));
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn name_of(row: &Value) -> &str {
        row.get("name").and_then(Value::as_str).unwrap_or("")
    }

    #[test]
    fn a_streamed_page_projects_every_item_and_keeps_its_metadata() {
        let kind = Kind::builtin(super::super::kinds::find_kind("core", "v1", "configmaps").expect("built in"));
        let body = json!({
            "kind": "ConfigMapList",
            "items": [
                {"metadata": {"name": "a", "namespace": "n", "uid": "1"}, "data": {"k": "v"}},
                {"metadata": {"name": "b", "namespace": "n", "uid": "2"}}
            ],
            "metadata": {"resourceVersion": "42", "continue": "next"}
        })
        .to_string();
        let page = read_page(body.as_bytes(), &kind).expect("decodes");
        assert_eq!(page.rows.iter().map(|r| name_of(r).to_string()).collect::<Vec<_>>(), vec!["a", "b"]);
        assert_eq!(page.rows[0]["keys"], json!(1));
        assert_eq!(page.metadata.continue_.as_deref(), Some("next"));
        assert_eq!(page.metadata.resource_version.as_deref(), Some("42"));
        let empty = read_page(br#"{"metadata": {}, "items": null}"#, &kind).expect("null items");
        assert!(empty.rows.is_empty());
        assert!(read_page(br#"{"items": [{"metadata": 7}]}"#, &kind).is_err());
        assert!(read_page(br#"{"items": []} trailing"#, &kind).is_err());
    }
}
