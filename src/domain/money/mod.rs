//! Money as integer minor units plus an ISO 4217 currency; parsing and printing know each
//! currency's exponent (USD 2, JPY 0, KWD 3). There are no floats here on purpose. The
//! currencies, their exponents and the marks written for them are `currency.rs`.

mod currency;

pub use currency::Currency;

use currency::MARKS;

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("`{0}` is not a currency code (expected three letters such as USD)")]
    BadCurrency(String),
    #[error("`{0}` is not an ISO 4217 currency code in use (such as USD, EUR or JPY)")]
    UnknownCurrency(String),
    #[error("`{amount}` is not an amount in {currency} (expected digits with at most {exponent} decimals, such as {example})")]
    BadAmount { amount: String, currency: Currency, exponent: u32, example: String },
    #[error("`{amount}` is not an amount in {currency}: {}", precision_note(*.currency))]
    TooPrecise { amount: String, currency: Currency },
    #[error("`{0}` is negative: amounts are zero or more")]
    Negative(String),
    #[error("`{amount}` is written in `{mark}`, which is not {currency}")]
    OtherCurrency { amount: String, mark: String, currency: Currency },
    #[error("`{amount}` is ambiguous in {currency}: {}", ambiguity_note(.amount, *.currency))]
    Ambiguous { amount: String, currency: Currency },
}

fn ambiguity_note(amount: &str, currency: Currency) -> String {
    let (thousands, decimals) = (amount.replace(',', ""), amount.replace(',', "."));
    format!("it has {} decimals, so write {thousands} for thousands or {decimals} for decimals", currency.exponent())
}

fn precision_note(currency: Currency) -> String {
    match currency.exponent() {
        0 => format!("{currency} has no minor unit, so amounts are whole (decimals may only be zeros, as in 1500.00)"),
        n => format!("{currency} has {n} decimals, and this is a fraction of its smallest unit"),
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

    /// Parses a decimal amount in major units (`"49.00"`, `"15000"` for JPY). Negative amounts
    /// and decimals beyond the currency's are refused rather than rounded; extra decimals that
    /// are zeros change nothing and are accepted (`"1500.00"` JPY is 1500).
    pub fn parse(raw: &str, currency: Currency) -> Result<Money, MoneyError> {
        Money::parse_plain(raw.trim(), raw, currency)
    }

    /// Parses an amount as sales platforms export it: [`Money::parse`] plus a currency symbol or
    /// code before or after the number (`$1,234.50`, `1.234,50 €`, `USD 12`), which must fit
    /// `currency`, and digit grouping. The decimal separator is read so that no amount is
    /// guessed: with both `.` and `,` the last one is the decimal separator and the other groups
    /// thousands; a lone `.` is the decimal point; a lone `,` groups thousands when three digits
    /// follow it (`1,500`) and is a decimal comma otherwise (`12,50`), except in currencies with
    /// three or more decimals, where `1,500` is refused as ambiguous. Spaces and apostrophes
    /// only group thousands; groups must have three digits.
    pub fn parse_formatted(raw: &str, currency: Currency) -> Result<Money, MoneyError> {
        let text = raw.trim();
        let is_mark_char = |c: char| {
            !(c.is_ascii_digit() || c.is_whitespace() || matches!(c, '.' | ',' | '-' | '+' | '(' | ')' | '\'' | '’'))
        };
        let start = text.find(|c: char| !(is_mark_char(c) || c.is_whitespace())).unwrap_or(text.len());
        let end = text[start..]
            .rfind(|c: char| !(is_mark_char(c) || c.is_whitespace()))
            .map_or(start, |i| start + i + text[start + i..].chars().next().map_or(1, char::len_utf8));
        let (prefix, body, suffix) = (text[..start].trim(), text[start..end].trim(), text[end..].trim());
        for mark in [prefix, suffix].into_iter().filter(|m| !m.is_empty()) {
            let known = Currency::parse(mark).is_ok() || MARKS.iter().any(|(m, _)| m.eq_ignore_ascii_case(mark));
            if !known {
                return Err(Money::bad_amount(raw, currency));
            }
            if !currency.is_marked_by(mark) {
                return Err(MoneyError::OtherCurrency {
                    amount: raw.trim().to_string(),
                    mark: mark.to_string(),
                    currency,
                });
            }
        }
        if body.starts_with('-') || body.ends_with('-') || (body.starts_with('(') && body.ends_with(')')) {
            return Err(MoneyError::Negative(raw.trim().to_string()));
        }
        let plain = Money::ungroup(body, currency.exponent()).map_err(|ambiguous| {
            if ambiguous {
                MoneyError::Ambiguous { amount: raw.trim().to_string(), currency }
            } else {
                Money::bad_amount(raw, currency)
            }
        })?;
        Money::parse_plain(&plain, raw, currency)
    }

    /// `body` without its digit grouping, with `.` as the decimal point; `Err(true)` when the
    /// separators could be read two ways, `Err(false)` when they are no number at all.
    fn ungroup(body: &str, exponent: u32) -> Result<String, bool> {
        let is_separator = |c: char| matches!(c, '.' | ',' | ' ' | '\u{a0}' | '\u{202f}' | '\'' | '’');
        if body.is_empty() || !body.chars().all(|c| c.is_ascii_digit() || is_separator(c)) {
            return Err(false);
        }
        let (dots, commas) = (body.matches('.').count(), body.matches(',').count());
        let decimal = match (dots, commas) {
            (0, 0) => None,
            (1, 0) => Some('.'),
            (_, 0) | (0, _) if dots + commas > 1 => None,
            (0, _) => {
                let after = body.rsplit(',').next().unwrap_or("");
                match (after.len(), exponent) {
                    (3, 3..) => return Err(true),
                    (3, _) => None,
                    _ => Some(','),
                }
            }
            _ => {
                let last = if body.rfind('.') > body.rfind(',') { '.' } else { ',' };
                if body.matches(last).count() != 1 {
                    return Err(false);
                }
                Some(last)
            }
        };
        let (whole, fraction) = match decimal {
            Some(point) => body.split_once(point).expect("the decimal separator is there"),
            None => (body, ""),
        };
        if decimal.is_some() && (fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit())) {
            return Err(false);
        }
        let grouping: Vec<char> = whole.chars().filter(|c| !c.is_ascii_digit()).collect();
        if grouping.iter().any(|c| *c != grouping[0]) {
            return Err(false);
        }
        let groups: Vec<&str> = whole.split(|c: char| !c.is_ascii_digit()).collect();
        let grouped_well =
            groups.len() == 1 || ((1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3));
        if groups[0].is_empty() || !grouped_well {
            return Err(false);
        }
        let whole: String = groups.concat();
        Ok(if decimal.is_some() { format!("{whole}.{fraction}") } else { whole })
    }

    fn bad_amount(raw: &str, currency: Currency) -> MoneyError {
        let exponent = currency.exponent();
        MoneyError::BadAmount {
            amount: raw.trim().to_string(),
            currency,
            exponent,
            example: Money::from_minor(4900 * 10i64.pow(exponent) / 100, currency).major_string(),
        }
    }

    /// `text` is digits with an optional `.` and decimals; errors quote `raw`.
    fn parse_plain(text: &str, raw: &str, currency: Currency) -> Result<Money, MoneyError> {
        let exponent = currency.exponent() as usize;
        let bad = || Money::bad_amount(raw, currency);
        if text.starts_with('-') && text.len() > 1 {
            return Err(MoneyError::Negative(raw.trim().to_string()));
        }
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits_only(whole) || !digits_only(fraction) {
            return Err(bad());
        }
        if text.contains('.') && fraction.is_empty() {
            return Err(bad());
        }
        let (kept, beyond) = fraction.split_at(fraction.len().min(exponent));
        if beyond.bytes().any(|b| b != b'0') {
            return Err(MoneyError::TooPrecise { amount: raw.trim().to_string(), currency });
        }
        let scale = 10i64.pow(exponent as u32);
        let whole: i64 = whole.parse().map_err(|_| bad())?;
        let padded = format!("{kept:0<exponent$}");
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
    use super::currency::ISO_4217;
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
        assert_eq!(Money::parse("1500.00", jpy).unwrap().minor(), 1500, "zero decimals are unambiguous");
        assert_eq!(Money::parse("0.00", jpy).unwrap().minor(), 0);
        assert_eq!(Money::parse("49.000", usd()).unwrap().minor(), 4900);
        assert!(Money::parse("1.005", usd()).is_err());
        assert!(Money::parse("-1.00", usd()).is_err());
        assert!(Money::parse("1.", usd()).is_err());
        assert!(Money::parse("abc", usd()).is_err());
    }

    #[test]
    fn decimals_beyond_the_minor_unit_are_refused_clearly() {
        let jpy = Currency::parse("JPY").unwrap();
        let err = Money::parse("1500.50", jpy).unwrap_err();
        assert_eq!(err, MoneyError::TooPrecise { amount: "1500.50".into(), currency: jpy });
        let text = err.to_string();
        assert!(text.contains("`1500.50`") && text.contains("JPY has no minor unit"), "{text}");
        let text = Money::parse("1.005", usd()).unwrap_err().to_string();
        assert!(text.contains("USD has 2 decimals"), "{text}");
    }

    #[test]
    fn only_iso_4217_codes_are_currencies() {
        assert!(ISO_4217.windows(2).all(|w| w[0].0 < w[1].0), "sorted and unique, for the binary search");
        assert!(ISO_4217.iter().all(|(code, _)| code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())));
        assert_eq!(Currency::parse("XYZ"), Err(MoneyError::UnknownCurrency("XYZ".into())));
        assert!(matches!(Currency::parse("US"), Err(MoneyError::BadCurrency(_))));
        assert!(matches!(Currency::parse("XAU"), Err(MoneyError::UnknownCurrency(_))), "gold has no minor unit");
        let exponent = |code: &str| Currency::parse(code).unwrap().exponent();
        assert_eq!((exponent("usd"), exponent("JPY"), exponent("KWD"), exponent("CLF")), (2, 0, 3, 4));
        assert_eq!((exponent("ISK"), exponent("HUF"), exponent("XCG")), (0, 2, 2));
    }

    #[test]
    fn formatted_amounts_are_read_without_guessing() {
        let money = |raw: &str, code: &str| Money::parse_formatted(raw, Currency::parse(code).unwrap());
        let minor = |raw: &str, code: &str| money(raw, code).unwrap_or_else(|e| panic!("{raw}: {e}")).minor();
        assert_eq!(minor("$1,234.50", "USD"), 123450);
        assert_eq!(minor("US$ 1,234.50", "USD"), 123450);
        assert_eq!(minor("1,234.50 USD", "USD"), 123450);
        assert_eq!(minor("usd 12", "USD"), 1200);
        assert_eq!(minor("€1.234,50", "EUR"), 123450);
        assert_eq!(minor("1.234,5 €", "EUR"), 123450);
        assert_eq!(minor("12,50", "EUR"), 1250);
        assert_eq!(minor("1 234,50", "EUR"), 123450);
        assert_eq!(minor("1\u{a0}234,50\u{a0}€", "EUR"), 123450);
        assert_eq!(minor("1'234.50", "CHF"), 123450);
        assert_eq!(minor("1,500", "USD"), 150000, "a comma before three digits groups thousands");
        assert_eq!(minor("1,234,567.00", "USD"), 123456700);
        assert_eq!(minor("1.234.567", "EUR"), 123456700, "several dots can only group");
        assert_eq!(minor("¥1,500", "JPY"), 1500);
        assert_eq!(minor("1500.00", "JPY"), 1500);
        assert_eq!(minor("49", "USD"), 4900);
        assert_eq!(minor("1.234", "KWD"), 1234, "a lone dot is the decimal point");

        let err = |raw: &str, code: &str| money(raw, code).expect_err(raw);
        assert!(matches!(err("1500.50", "JPY"), MoneyError::TooPrecise { .. }));
        assert!(matches!(err("1.234", "USD"), MoneyError::TooPrecise { .. }), "never read as 1234");
        assert!(matches!(err("1,234", "KWD"), MoneyError::Ambiguous { .. }), "1234 or 1.234 dinars?");
        assert!(matches!(err("$12.00", "EUR"), MoneyError::OtherCurrency { .. }));
        assert!(matches!(err("12.00 GBP", "USD"), MoneyError::OtherCurrency { .. }));
        assert!(matches!(err("-12.00", "USD"), MoneyError::Negative(_)));
        assert!(matches!(err("$-12.00", "USD"), MoneyError::Negative(_)));
        assert!(matches!(err("(12.00)", "USD"), MoneyError::Negative(_)));
        for bad in ["1,23,456.00", "1,234.5.0", "12,34,5", "1.234,56.78", "1 234,567.5", ",50", "12.", "1,2a", "", "$"]
        {
            assert!(matches!(err(bad, "USD"), MoneyError::BadAmount { .. }), "{bad}: {:?}", money(bad, "USD"));
        }
        let text = err("$1,234.5x", "USD").to_string();
        assert!(text.contains("`$1,234.5x`"), "errors quote what was written: {text}");
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
