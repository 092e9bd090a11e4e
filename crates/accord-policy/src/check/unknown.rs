//! Finding every unknown field in one pass, not just the first.
//!
//! The schema types derive `deny_unknown_fields`, which stops at the first
//! misspelt key. [`deserialize`] wraps the TOML deserializer so that each
//! derived struct sees only the fields it declares: when serde asks for a
//! struct it passes the names of that struct's fields, and the wrapper skips
//! (and records, with its [`Path`]) any key not among them. The names come
//! from the derived code itself, so a field added to `model.rs` is known here
//! with no second list to keep in step.

use std::cell::RefCell;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IgnoredAny, MapAccess, SeqAccess, Visitor,
    value::StringDeserializer,
};

use super::locate::Path;

/// A key a table does not take.
#[derive(Debug, Clone)]
pub(crate) struct UnknownField {
    /// Where it is, ending in the key itself.
    pub(crate) path: Path,
    /// The key as written.
    pub(crate) key: String,
    /// The keys that table does take.
    pub(crate) expected: &'static [&'static str],
}

/// Deserializes `T`, skipping and collecting unknown fields. On error the
/// unknown fields found before it are still returned.
pub(crate) fn deserialize<'de, T, D>(deserializer: D) -> (Result<T, D::Error>, Vec<UnknownField>)
where
    T: de::Deserialize<'de>,
    D: Deserializer<'de>,
{
    let found = RefCell::new(Vec::new());
    let result = T::deserialize(Tracked {
        inner: deserializer,
        path: Path::root(),
        found: &found,
    });
    (result, found.into_inner())
}

type Found = RefCell<Vec<UnknownField>>;

/// A deserializer that knows where in the document it is.
struct Tracked<'a, D> {
    inner: D,
    path: Path,
    found: &'a Found,
}

/// A visitor wrapped so that the maps and sequences it is given are tracked
/// too. `fields` is set when serde asked for a struct.
struct TrackedVisitor<'a, V> {
    inner: V,
    path: Path,
    found: &'a Found,
    fields: Option<&'static [&'static str]>,
}

impl<'a, D> Tracked<'a, D> {
    fn visitor<V>(
        &self,
        inner: V,
        fields: Option<&'static [&'static str]>,
    ) -> TrackedVisitor<'a, V> {
        TrackedVisitor {
            inner,
            path: self.path.clone(),
            found: self.found,
            fields,
        }
    }
}

/// Forwards `deserialize_*` methods to the inner deserializer with a tracked
/// visitor.
macro_rules! forward {
    ($($method:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            let visitor = self.visitor(visitor, None);
            self.inner.$method(visitor)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Tracked<'_, D> {
    type Error = D::Error;

    forward!(
        deserialize_any,
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
        deserialize_identifier,
        deserialize_ignored_any,
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = self.visitor(visitor, None);
        self.inner.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = self.visitor(visitor, None);
        self.inner.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = self.visitor(visitor, None);
        self.inner.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = self.visitor(visitor, None);
        self.inner.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = self.visitor(visitor, Some(fields));
        self.inner.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = self.visitor(visitor, None);
        self.inner.deserialize_enum(name, variants, visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

impl<'de, V: Visitor<'de>> Visitor<'de> for TrackedVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.expecting(f)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<V::Value, E> {
        self.inner.visit_bool(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        self.inner.visit_i64(v)
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<V::Value, E> {
        self.inner.visit_i128(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        self.inner.visit_u64(v)
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<V::Value, E> {
        self.inner.visit_u128(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        self.inner.visit_f64(v)
    }

    fn visit_char<E: de::Error>(self, v: char) -> Result<V::Value, E> {
        self.inner.visit_char(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.inner.visit_str(v)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        self.inner.visit_borrowed_str(v)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        self.inner.visit_string(v)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<V::Value, E> {
        self.inner.visit_bytes(v)
    }

    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<V::Value, E> {
        self.inner.visit_borrowed_bytes(v)
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<V::Value, E> {
        self.inner.visit_byte_buf(v)
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_none()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(Tracked {
            inner: d,
            path: self.path,
            found: self.found,
        })
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.inner.visit_newtype_struct(Tracked {
            inner: d,
            path: self.path,
            found: self.found,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.inner.visit_seq(TrackedSeq {
            inner: seq,
            path: self.path,
            found: self.found,
            next: 0,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(TrackedMap {
            inner: map,
            path: self.path,
            found: self.found,
            fields: self.fields,
            key: None,
        })
    }

    // The schema's enums are all plain words, with no tables inside that
    // could hold an unknown field, so their contents need no tracking.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.inner.visit_enum(data)
    }
}

/// A sequence whose elements know their index.
struct TrackedSeq<'a, A> {
    inner: A,
    path: Path,
    found: &'a Found,
    next: usize,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for TrackedSeq<'_, A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        let path = self.path.index(self.next);
        self.next += 1;
        self.inner.next_element_seed(TrackedSeed {
            inner: seed,
            path,
            found: self.found,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// A table that, when it is a struct, hides and records the keys the struct
/// does not declare.
struct TrackedMap<'a, A> {
    inner: A,
    path: Path,
    found: &'a Found,
    fields: Option<&'static [&'static str]>,
    key: Option<String>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for TrackedMap<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        loop {
            let Some(key) = self.inner.next_key::<String>()? else {
                return Ok(None);
            };
            match self.fields {
                Some(fields) if !fields.contains(&key.as_str()) => {
                    self.inner.next_value::<IgnoredAny>()?;
                    self.found.borrow_mut().push(UnknownField {
                        path: self.path.key(&key),
                        key,
                        expected: fields,
                    });
                }
                _ => {
                    self.key = Some(key.clone());
                    return seed
                        .deserialize(StringDeserializer::<A::Error>::new(key))
                        .map(Some);
                }
            }
        }
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        let path = match self.key.take() {
            Some(key) => self.path.key(&key),
            None => self.path.clone(),
        };
        self.inner.next_value_seed(TrackedSeed {
            inner: seed,
            path,
            found: self.found,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// A seed whose deserializer is tracked at `path`.
struct TrackedSeed<'a, S> {
    inner: S,
    path: Path,
    found: &'a Found,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for TrackedSeed<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.inner.deserialize(Tracked {
            inner: d,
            path: self.path,
            found: self.found,
        })
    }
}
