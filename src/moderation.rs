//! Flags in customer text: insults aimed at staff (a strike each) and talk of chargebacks.

/// Whether a message holds one of the abusive words, matched as whole words.
pub fn is_abusive(text: &str, words: &[String]) -> bool {
    let lower = text.to_lowercase();
    lower
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .any(|token| !token.is_empty() && words.iter().any(|w| w.eq_ignore_ascii_case(token)))
}

/// Whether a message talks of a chargeback or of disputing the payment with a bank or card issuer.
pub fn mentions_chargeback(text: &str) -> bool {
    let lower = text.to_lowercase();
    const SIGNS: &[&str] = &[
        "chargeback",
        "charge back",
        "charge-back",
        "dispute",
        "disputing",
        "my bank",
        "the bank",
        "card issuer",
        "credit card company",
        "card company",
        "paypal claim",
        "file a claim",
        "open a claim",
        "reverse the charge",
        "reverse the payment",
    ];
    SIGNS.iter().any(|sign| lower.contains(sign))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_only() {
        let words = vec!["idiot".to_string()];
        assert!(is_abusive("You IDIOT!", &words));
        assert!(!is_abusive("idiotproof setup", &words));
    }

    #[test]
    fn chargeback_talk() {
        assert!(mentions_chargeback("I'll just dispute it with my bank"));
        assert!(!mentions_chargeback("the course is great but not for me"));
    }
}
