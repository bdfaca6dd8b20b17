//! OData conventions: `@odata.type` markers and collections.

use std::fmt;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

/// An `@odata.type` value that does not name the expected type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ODataTypeError {
    /// The type that was sent.
    pub found: String,
    /// The types accepted here, with `#`.
    pub expected: &'static [&'static str],
}

impl fmt::Display for ODataTypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unsupported @odata.type '{}'; expected {}",
            self.found,
            self.expected.join(" or ")
        )
    }
}

impl std::error::Error for ODataTypeError {}

/// Strips the optional `#` from an `@odata.type` value.
pub(crate) fn bare(t: &str) -> &str {
    t.strip_prefix('#').unwrap_or(t)
}

macro_rules! odata_type {
    ($(#[$doc:meta])* $name:ident = $ty:literal) => {
        $(#[$doc])*
        ///
        /// Written as `#microsoft.graph.` plus the type name; read with or without the `#`
        /// (or absent, through `#[serde(default)]`); any other value is an error.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct $name;

        impl $name {
            /// The value written, with `#`.
            pub const TYPE: &'static str = concat!("#microsoft.graph.", $ty);
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(Self::TYPE)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let found = String::deserialize(d)?;
                if bare(&found) == bare(Self::TYPE) {
                    Ok($name)
                } else {
                    Err(de::Error::custom(ODataTypeError {
                        found,
                        expected: &[Self::TYPE],
                    }))
                }
            }
        }
    };
}

odata_type!(
    /// `#microsoft.graph.embeddedSIMActivationCodePool`.
    PoolType = "embeddedSIMActivationCodePool"
);
odata_type!(
    /// `#microsoft.graph.embeddedSIMActivationCode`.
    ActivationCodeType = "embeddedSIMActivationCode"
);
odata_type!(
    /// `#microsoft.graph.embeddedSIMActivationCodePoolAssignment`.
    AssignmentType = "embeddedSIMActivationCodePoolAssignment"
);
odata_type!(
    /// `#microsoft.graph.embeddedSIMDeviceState`.
    DeviceStateType = "embeddedSIMDeviceState"
);

/// A page of a collection: `{"value": [...], "@odata.nextLink": "..."}`.
///
/// `next_link` is a whole URL the client follows unchanged; it is present while more pages
/// remain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collection<T> {
    /// The items of this page.
    pub value: Vec<T>,
    /// The URL of the next page, when there is one.
    #[serde(
        rename = "@odata.nextLink",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_link: Option<String>,
    /// `@odata.count`: the items of every page, with `$count=true`.
    #[serde(
        rename = "@odata.count",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<i64>,
}

impl<T> Collection<T> {
    /// A single page with no next link.
    pub fn all(value: Vec<T>) -> Self {
        Collection {
            value,
            next_link: None,
            count: None,
        }
    }
}
