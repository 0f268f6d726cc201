//! Abuse aimed at staff, not swearing about a product or at oneself. A clause insults the staff
//! when it calls someone a name (an insult) and is not about the writer ("I feel like an
//! idiot"), or when it swears or puts down (rude words, `rustrict` for `f*ck` and `s h i t`,
//! the seller's list) and is aimed at staff ("your support is useless").

use super::lexicon::Compiled;
use super::text::{fold, Phrase};
use rustrict::{Censor, Type};

/// The seller's words (`[moderation] abusive_words`), folded.
#[derive(Debug, Default)]
pub struct SellerWords(Vec<Phrase>);

impl SellerWords {
    pub fn new(words: &[String]) -> SellerWords {
        SellerWords(words.iter().filter(|w| !w.trim().is_empty()).map(|w| Phrase::new(w)).collect())
    }
}

/// Whether a message insults the staff.
pub fn is_abusive(raw: &str, lexicons: &[Compiled], seller: &SellerWords) -> bool {
    raw.split(['.', ',', ';', '!', '?', '\n', '。', '、', '！', '？'])
        .any(|piece| clause_is_abusive(piece, lexicons, seller))
}

fn clause_is_abusive(raw: &str, lexicons: &[Compiled], seller: &SellerWords) -> bool {
    let folded = fold(raw);
    if folded.trim().is_empty() {
        return false;
    }
    let hit = |list: fn(&Compiled) -> &Vec<Phrase>| {
        lexicons.iter().any(|l| list(l).iter().any(|p| !p.find(&folded).is_empty()))
    };
    if hit(|l| &l.at_self) {
        return false;
    }
    if hit(|l| &l.insults) {
        return true;
    }
    let rude = hit(|l| &l.rude) || seller.0.iter().any(|p| !p.find(&folded).is_empty()) || swears(raw);
    rude && hit(|l| &l.at_staff)
}

/// `rustrict` reads through spacing and symbols (`f*ck`, `s h i t`); mild words ("damn") do not count.
/// Amounts and ids are left out: `rustrict` reads digits and `$` as letters ("of $49").
fn swears(raw: &str) -> bool {
    let threshold =
        ((Type::PROFANE | Type::OFFENSIVE | Type::MEAN) & Type::MODERATE_OR_HIGHER) | (Type::SEXUAL & Type::SEVERE);
    let words: Vec<&str> = raw.split_whitespace().filter(|w| !is_number(w)).collect();
    Censor::from_str(&words.join(" ")).analyze().is(threshold)
}

/// "$49", "69.50", "#1001", "2026-11-03": no letters, at least one digit.
fn is_number(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_digit()) && !word.chars().any(char::is_alphabetic)
}
