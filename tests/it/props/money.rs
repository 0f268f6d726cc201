//! Money (docs/configuration.md#amounts): decimal strings in major units and integer minor units
//! map onto each other exactly for every ISO 4217 exponent the project knows (0, 2, 3).

use super::config;
use proptest::prelude::*;
use refund_bot::domain::{Currency, Money};

/// The codes docs/configuration.md#amounts lists with 0 and 3 decimals; every other code has 2.
const ZERO_DECIMAL: &[&str] =
    &["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"];
const THREE_DECIMAL: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

fn documented_exponent(code: &str) -> u32 {
    if code == "CLF" {
        4
    } else if ZERO_DECIMAL.contains(&code) {
        0
    } else if THREE_DECIMAL.contains(&code) {
        3
    } else {
        2
    }
}

/// Any currency: each listed code, the ones with a symbol, CLF (4 decimals), and any three
/// letters that are an ISO 4217 code.
pub fn currency() -> impl Strategy<Value = Currency> {
    let listed: Vec<&'static str> =
        ZERO_DECIMAL.iter().chain(THREE_DECIMAL).chain(&["USD", "EUR", "GBP", "CHF", "CLF"]).copied().collect();
    prop_oneof![
        3 => prop::sample::select(listed).prop_map(String::from),
        1 => "[A-Za-z]{3}",
    ]
    .prop_filter_map("an ISO 4217 code", |code| Currency::parse(&code).ok())
}

/// Minor units, with the edges of `i64` and of each decimal place well represented.
fn minor() -> impl Strategy<Value = i64> {
    prop_oneof![
        2 => 0..10_000i64,
        2 => 0..=i64::MAX,
        1 => (0u32..19).prop_map(|p| 10i64.pow(p)),
        1 => (0u32..19).prop_map(|p| 10i64.pow(p) - 1),
        1 => prop::sample::select(vec![0, 1, i64::MAX, i64::MAX - 1, i64::MAX / 10, i64::MAX / 1000]),
    ]
}

proptest! {
    #![proptest_config(config(512))]

    /// Three letters are an ISO 4217 code or refused as unknown, never anything else.
    #[test]
    fn three_letters_are_a_known_code_or_refused(code in "[A-Za-z]{3}") {
        match Currency::parse(&code) {
            Ok(currency) => prop_assert!([0, 2, 3, 4].contains(&currency.exponent()), "{}", code),
            Err(error) => prop_assert!(matches!(error, refund_bot::domain::MoneyError::UnknownCurrency(_)), "{}", code),
        }
    }

    /// Each code has the exponent the docs give it, and codes are read in any case.
    #[test]
    fn exponents_follow_the_documented_table(currency in currency()) {
        prop_assert_eq!(currency.exponent(), documented_exponent(currency.code()));
        let lower = currency.code().to_lowercase();
        prop_assert_eq!(Currency::parse(&format!(" {lower} ")), Ok(currency));
    }

    /// Printing then parsing gives back the same minor units, in every currency.
    #[test]
    fn major_string_round_trips(minor in minor(), currency in currency()) {
        let money = Money::from_minor(minor, currency);
        let text = money.major_string();
        prop_assert_eq!(Money::parse(&text, currency), Ok(money), "{}", text);
    }

    /// Printing never loses a minor unit: exactly `exponent` decimals, and the digits with the
    /// point taken out are the minor units. Negative amounts (never parsed) print the same
    /// digits after a minus sign, `i64::MIN` included.
    #[test]
    fn formatting_keeps_every_minor_unit(minor in prop_oneof![minor(), any::<i64>(), Just(i64::MIN)], currency in currency()) {
        let money = Money::from_minor(minor, currency);
        let text = money.major_string();
        let exponent = currency.exponent() as usize;
        let unsigned = match text.strip_prefix('-') {
            Some(rest) => { prop_assert!(minor < 0, "{}", text); rest }
            None => { prop_assert!(minor >= 0, "{}", text); text.as_str() }
        };
        match unsigned.split_once('.') {
            None => prop_assert_eq!(exponent, 0, "{}", text),
            Some((whole, fraction)) => {
                prop_assert_eq!(fraction.len(), exponent, "{}", text);
                prop_assert!(!whole.is_empty(), "{}", text);
            }
        }
        let digits: u64 = unsigned.replace('.', "").parse().expect("digits");
        prop_assert_eq!(digits, minor.unsigned_abs(), "{}", text);
        // The display form carries the same digits, with a symbol or the code.
        let shown = money.to_string();
        prop_assert!(shown.contains(&text), "{} does not show {}", shown, text);
    }

    /// Decimal strings parse to exactly whole × 10^exponent + fraction (padded); more decimals
    /// than the currency has are refused rather than rounded unless they are zeros (`1500.00`
    /// JPY is 1500 yen), and a bare point is refused.
    #[test]
    fn parsing_is_exact_or_refuses(
        whole in prop_oneof!["[0-9]{1,4}", "[0-9]{1,19}"],
        fraction in "[0-9]{0,4}",
        point in any::<bool>(),
        pad in "[ \t]{0,2}",
        currency in currency(),
    ) {
        let exponent = currency.exponent() as usize;
        let text = if point { format!("{pad}{whole}.{fraction}{pad}") } else { format!("{pad}{whole}{pad}") };
        let parsed = Money::parse(&text, currency);
        let fraction = if point { fraction.as_str() } else { "" };
        let (kept, beyond) = fraction.split_at(fraction.len().min(exponent));
        let expected = if point && (fraction.is_empty() || beyond.bytes().any(|b| b != b'0')) {
            None
        } else {
            let scaled = format!("{whole}{kept:0<exponent$}");
            scaled.parse::<i64>().ok()
        };
        match expected {
            Some(minor) => prop_assert_eq!(parsed, Ok(Money::from_minor(minor, currency)), "{:?}", text),
            None => prop_assert!(parsed.is_err(), "{:?} gave {:?}", text, parsed),
        }
    }

    /// Any text, as an amount or as a currency code, gives a value or an error: no panic, and a
    /// value only from digits with at most one point.
    #[test]
    fn parsing_never_panics(text in prop_oneof![any::<String>(), "[0-9.+\\-eE ,_]{0,24}"], currency in currency()) {
        if let Ok(money) = Money::parse(&text, currency) {
            prop_assert!(money.minor() >= 0);
            prop_assert!(text.trim().bytes().all(|b| b.is_ascii_digit() || b == b'.'), "{:?}", text);
        }
        let _ = Currency::parse(&text);
    }

    /// A percentage is rounded to the nearest minor unit (halves up) and never exceeds the
    /// amount it is taken of; a larger percentage never gives less.
    #[test]
    fn percent_rounds_and_stays_within_the_amount(minor in minor(), percent in 0u32..=100, currency in currency()) {
        let money = Money::from_minor(minor, currency);
        let part = money.percent(percent);
        prop_assert!(part.minor() >= 0 && part.minor() <= minor);
        let exact = i128::from(minor) * i128::from(percent);
        let error = i128::from(part.minor()) * 100 - exact;
        prop_assert!((-49..=50).contains(&error), "{}% of {} gave {}", percent, minor, part.minor());
        if percent < 100 {
            prop_assert!(money.percent(percent + 1).minor() >= part.minor());
        }
    }
}
