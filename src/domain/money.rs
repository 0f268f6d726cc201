//! Money as integer minor units plus an ISO 4217 currency; parsing and printing know each
//! currency's exponent (USD 2, JPY 0, KWD 3). There are no floats here on purpose.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("`{0}` is not a currency code (expected three letters such as USD)")]
    BadCurrency(String),
    #[error("`{amount}` is not an amount in {currency} (expected digits with at most {exponent} decimals, such as {example})")]
    BadAmount { amount: String, currency: Currency, exponent: u32, example: String },
}

/// An ISO 4217 currency code, upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

/// Currencies whose minor unit is not a hundredth.
const ZERO_DECIMAL: &[&str] =
    &["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"];
const THREE_DECIMAL: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

impl Currency {
    pub fn parse(raw: &str) -> Result<Currency, MoneyError> {
        let code = raw.trim().to_ascii_uppercase();
        let bytes: [u8; 3] = code
            .as_bytes()
            .try_into()
            .ok()
            .filter(|b: &[u8; 3]| b.iter().all(u8::is_ascii_uppercase))
            .ok_or_else(|| MoneyError::BadCurrency(raw.to_string()))?;
        Ok(Currency(bytes))
    }

    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.0).expect("currency codes are ASCII")
    }

    /// Number of decimal digits of the minor unit.
    pub fn exponent(&self) -> u32 {
        let code = self.code();
        if ZERO_DECIMAL.contains(&code) {
            0
        } else if THREE_DECIMAL.contains(&code) {
            3
        } else {
            2
        }
    }

    fn symbol(&self) -> Option<&'static str> {
        match self.code() {
            "USD" => Some("$"),
            "EUR" => Some("€"),
            "GBP" => Some("£"),
            "JPY" => Some("¥"),
            _ => None,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Currency::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// An amount of money: integer minor units of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    pub fn from_minor(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    pub fn zero(currency: Currency) -> Money {
        Money { minor: 0, currency }
    }

    /// Parses a decimal amount in major units (`"49.00"`, `"15000"` for JPY). Negative
    /// amounts and more decimals than the currency has are refused rather than rounded.
    pub fn parse(raw: &str, currency: Currency) -> Result<Money, MoneyError> {
        let exponent = currency.exponent();
        let bad = || MoneyError::BadAmount {
            amount: raw.to_string(),
            currency,
            exponent,
            example: Money::from_minor(4900 * 10i64.pow(exponent) / 100, currency).major_string(),
        };
        let text = raw.trim();
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits_only(whole) || !digits_only(fraction) {
            return Err(bad());
        }
        if fraction.len() > exponent as usize || (text.contains('.') && fraction.is_empty()) {
            return Err(bad());
        }
        let scale = 10i64.pow(exponent);
        let whole: i64 = whole.parse().map_err(|_| bad())?;
        let padded = format!("{fraction:0<width$}", width = exponent as usize);
        let fraction: i64 = if padded.is_empty() { 0 } else { padded.parse().map_err(|_| bad())? };
        let minor = whole.checked_mul(scale).and_then(|m| m.checked_add(fraction)).ok_or_else(bad)?;
        Ok(Money { minor, currency })
    }

    pub fn minor(&self) -> i64 {
        self.minor
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn is_zero(&self) -> bool {
        self.minor == 0
    }

    /// The amount in major units without a symbol: `49.00`, `15000`.
    pub fn major_string(&self) -> String {
        let exponent = self.currency.exponent();
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if exponent == 0 {
            return format!("{sign}{abs}");
        }
        let scale = 10u64.pow(exponent);
        format!("{sign}{}.{:0width$}", abs / scale, abs % scale, width = exponent as usize)
    }

    /// `percent` of this amount, rounded to the nearest minor unit with halves up.
    pub fn percent(self, percent: u32) -> Money {
        let scaled = i128::from(self.minor) * i128::from(percent);
        let rounded = (scaled + 50).div_euclid(100);
        Money { minor: rounded as i64, currency: self.currency }
    }

    pub fn min(self, other: Money) -> Money {
        if other.minor < self.minor && other.currency == self.currency {
            other
        } else {
            self
        }
    }
}

impl fmt::Display for Money {
    /// `$49.00`, `¥15000`, or `49.00 CHF` where no symbol is well known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.currency.symbol() {
            Some(symbol) => write!(f, "{symbol}{}", self.major_string()),
            None => write!(f, "{} {}", self.major_string(), self.currency),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::parse("usd").unwrap()
    }

    #[test]
    fn parses_by_exponent() {
        assert_eq!(Money::parse("49.00", usd()).unwrap().minor(), 4900);
        assert_eq!(Money::parse("49.5", usd()).unwrap().minor(), 4950);
        assert_eq!(Money::parse("49", usd()).unwrap().minor(), 4900);
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(Money::parse("15000", jpy).unwrap().minor(), 15000);
        assert!(Money::parse("15000.5", jpy).is_err());
        assert!(Money::parse("1.005", usd()).is_err());
        assert!(Money::parse("-1.00", usd()).is_err());
        assert!(Money::parse("1.", usd()).is_err());
        assert!(Money::parse("abc", usd()).is_err());
    }

    #[test]
    fn percent_rounds_halves_up() {
        assert_eq!(Money::from_minor(4900, usd()).percent(50).minor(), 2450);
        assert_eq!(Money::from_minor(1999, usd()).percent(50).minor(), 1000);
        assert_eq!(Money::from_minor(1001, usd()).percent(33).minor(), 330);
        assert_eq!(Money::from_minor(15, usd()).percent(10).minor(), 2);
    }

    #[test]
    fn prints_major_units() {
        assert_eq!(Money::from_minor(4900, usd()).to_string(), "$49.00");
        assert_eq!(Money::from_minor(15000, Currency::parse("JPY").unwrap()).to_string(), "¥15000");
        assert_eq!(Money::from_minor(1234, Currency::parse("KWD").unwrap()).to_string(), "1.234 KWD");
    }
}
