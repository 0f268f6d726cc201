//! The one way a code (a reason, a state, a flag, a job kind ...) becomes a string and back:
//! `codes!` declares the enum with `code()`, `parse()`, `ALL`, `Display`, `FromStr` and serde
//! as that string, and a code that is not one of them is an `UnknownCode` naming the value.

/// A string that is not one of a code type's values, e.g. a row written by a newer version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{value}`")]
pub struct UnknownCode {
    pub kind: &'static str,
    pub value: String,
}

/// Declares `enum Name { Variant => "code", ... }` (doc comments allowed on both).
macro_rules! codes {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($kind:literal) {
            $( $(#[$vmeta:meta])* $variant:ident => $code:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];

            pub fn code(self) -> &'static str {
                match self { $( $name::$variant => $code ),+ }
            }

            /// The value written `code` (surrounding space ignored), if there is one.
            pub fn parse(code: &str) -> Option<$name> {
                match code.trim() { $( $code => Some($name::$variant), )+ _ => None }
            }

            /// Like `parse`, with an error that names the value.
            pub fn read(code: &str) -> Result<$name, $crate::domain::code::UnknownCode> {
                $name::parse(code).ok_or_else(|| $crate::domain::code::UnknownCode {
                    kind: $kind,
                    value: code.to_string(),
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::code::UnknownCode;
            fn from_str(code: &str) -> Result<$name, Self::Err> {
                $name::read(code)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let code = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::read(&code).map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use codes;

#[cfg(test)]
mod tests {
    codes! {
        /// A test code.
        enum Colour ("colour") {
            Red => "red",
            /// Documented.
            DarkBlue => "dark_blue",
        }
    }

    #[test]
    fn codes_round_trip_and_unknown_ones_are_named() {
        for colour in Colour::ALL {
            assert_eq!(Colour::parse(colour.code()), Some(*colour));
            assert_eq!(colour.to_string().parse::<Colour>(), Ok(*colour));
            let json = serde_json::to_string(colour).unwrap();
            assert_eq!(serde_json::from_str::<Colour>(&json).unwrap(), *colour);
        }
        assert_eq!(Colour::parse(" dark_blue "), Some(Colour::DarkBlue));
        assert_eq!(Colour::read("green").unwrap_err().to_string(), "unknown colour `green`");
        let err = serde_json::from_str::<Colour>("\"green\"").unwrap_err().to_string();
        assert!(err.contains("unknown colour `green`"), "{err}");
    }
}
