//! Scoring phrases: every language's phrases for a reason (or a resolution) add their weight,
//! a negated phrase ("it is not broken") adds nothing, and the confidence says how far the best
//! is ahead of the rest, not which keyword came first.

use super::lexicon::Compiled;
use super::text::{words_before, Phrase};
use crate::domain::{Reason, Resolution};

/// How many words before a phrase a negator may stand.
const NEGATION_WINDOW: usize = 3;
/// Below this a reason is not read at all.
const MIN_SCORE: f32 = 0.6;

/// The reason a message gives, with how sure the reading is and what else it could be.
#[derive(Debug, Clone, PartialEq)]
pub struct Guess {
    pub reason: Option<Reason>,
    /// 0 to 1; below `SURE` the customer is asked, with the likeliest first.
    pub confidence: f32,
    /// The next likeliest reasons, best first.
    pub alternatives: Vec<Reason>,
    /// The best reason's score, for telling a message that explains from one that does not.
    pub strength: f32,
}

/// From this confidence on, the bot takes the reason as given and asks the customer to confirm it.
pub const SURE: f32 = 0.6;

/// Sums the weights of the phrases of `table` found in `folded`, each phrase once.
pub fn scores<T: Copy + PartialEq>(
    folded: &str,
    lexicons: &[Compiled],
    table: impl Fn(&Compiled) -> &[(T, f32, Phrase)],
) -> Vec<(T, f32)> {
    let mut totals: Vec<(T, f32)> = vec![];
    for lexicon in lexicons {
        for (what, weight, phrase) in table(lexicon) {
            let counted = phrase.find(folded).into_iter().any(|at| !negated(folded, at, &lexicon.negators));
            if !counted {
                continue;
            }
            match totals.iter_mut().find(|(t, _)| t == what) {
                Some((_, total)) => *total += weight,
                None => totals.push((*what, *weight)),
            }
        }
    }
    totals
}

/// Whether a negator of the phrase's language stands just before it in its clause.
pub fn negated(folded: &str, at: usize, negators: &[String]) -> bool {
    words_before(folded, at, NEGATION_WINDOW).iter().any(|w| negators.iter().any(|n| n == w))
}

/// The customer's reason. Ties go to the more concrete reason (a double charge over taste).
pub fn guess(folded: &str, lexicons: &[Compiled]) -> Guess {
    if let Some(reason) = named(folded) {
        return Guess { reason: Some(reason), confidence: 1.0, alternatives: vec![], strength: 3.0 };
    }
    let mut ranked = scores(folded, lexicons, |l| &l.reasons);
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(rank(a.0).cmp(&rank(b.0))));
    let Some(&(best, top)) = ranked.first().filter(|(_, s)| *s >= MIN_SCORE) else {
        return Guess { reason: None, confidence: 0.0, alternatives: vec![], strength: 0.0 };
    };
    let second = ranked.get(1).map_or(0.0, |r| r.1);
    // Ahead of the rest, and enough evidence: one strong phrase alone is about 0.64.
    let confidence = (top / (top + second)) * (top / (top + 1.0));
    let alternatives = ranked.iter().skip(1).filter(|(_, s)| *s >= MIN_SCORE).map(|(r, _)| *r).take(2).collect();
    Guess { reason: Some(best), confidence: (confidence * 100.0).round() / 100.0, alternatives, strength: top }
}

/// A reason written as its code or its button label ("duplicate_purchase", "I was charged twice").
fn named(folded: &str) -> Option<Reason> {
    let said = folded.trim();
    Reason::ALL.iter().copied().find(|r| {
        said == r.code().replace('_', " ")
            || said == super::text::fold(r.label()).replace(super::text::BREAK, " ").trim()
    })
}

fn rank(reason: Reason) -> u8 {
    match reason {
        Reason::DuplicatePurchase => 0,
        Reason::AccidentalPurchase => 1,
        Reason::TechnicalIssue => 2,
        Reason::NotAsDescribed => 3,
        Reason::ChangedMind => 4,
        Reason::Other => 5,
    }
}

/// What the customer wants, when they say it; a refund wins a tie ("refund, or fix it").
pub fn resolution(folded: &str, lexicons: &[Compiled]) -> Option<Resolution> {
    let mut ranked = scores(folded, lexicons, |l| &l.resolutions);
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then((a.0 != Resolution::Refund).cmp(&(b.0 != Resolution::Refund))));
    ranked.first().filter(|(_, s)| *s >= 0.8).map(|(r, _)| *r)
}
