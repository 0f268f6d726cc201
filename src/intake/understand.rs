//! Reading customers' typed answers in the intake: which order, yes and no, cancel and restart.
//! The rest of a message (reason, resolution, flags) is read by `crate::understanding`.

use crate::domain::{Email, OrderId};
use crate::understanding::{answer_form, answer_forms, AnswerForms, Reading};

/// The order id and email found in a message, if any.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Identity {
    pub order_id: Option<OrderId>,
    pub email: Option<Email>,
}

/// The order id and email of a message: the first of each the reader found, and when it found
/// no id in a short answer to "which order?", any token that looks like one ("1001", "A7X9").
pub fn identity(text: &str, reading: &Reading) -> Identity {
    let order_id = reading.order_ids.first().cloned().or_else(|| short_answer_id(text));
    Identity { order_id, email: reading.emails.first().cloned() }
}

/// An answer of a few words is an answer to the question asked, so a bare token with a digit
/// is taken as the id; amounts, ordinals and times are not.
fn short_answer_id(text: &str) -> Option<OrderId> {
    let words: Vec<&str> =
        text.split(|c: char| c.is_whitespace() || c == ',' || c == ';').filter(|w| !w.is_empty()).collect();
    if words.len() > 4 {
        return None;
    }
    words.iter().find_map(|raw| {
        if raw.contains('@') || raw.starts_with(['$', '€', '£', '¥']) {
            return None;
        }
        let token = raw.trim_matches(|c: char| "()[]<>\"'!?:.`*".contains(c)).trim_start_matches('#');
        let digits = token.chars().filter(char::is_ascii_digit).count();
        let letters = token.len() - digits;
        let unit = ["st", "nd", "rd", "th", "am", "pm", "h", "hrs", "min", "gb", "mb", "%"]
            .iter()
            .any(|u| token.to_ascii_lowercase().ends_with(u) && letters <= u.len());
        let money = token.contains('.') && token.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',');
        (token.len() >= 3 && digits > 0 && !unit && !money).then(|| OrderId::parse(token)).flatten()
    })
}

/// Whether a whole message is one of the answers `pick` lists, in any language the bot reads
/// (the words are in each language's lexicon, `src/understanding/lexicon/`).
fn answers(text: &str, pick: fn(&AnswerForms) -> &Vec<String>) -> bool {
    let form = answer_form(text);
    !form.is_empty() && pick(answer_forms()).contains(&form)
}

pub fn is_cancel(text: &str) -> bool {
    answers(text, |a| &a.cancel)
}

pub fn is_restart(text: &str) -> bool {
    answers(text, |a| &a.restart)
}

pub fn is_yes(text: &str) -> bool {
    answers(text, |a| &a.yes)
}

pub fn is_no(text: &str) -> bool {
    answers(text, |a| &a.no)
}

/// Nothing to add; a lone dash counts too.
pub fn is_skip(text: &str) -> bool {
    text.trim() == "-" || answers(text, |a| &a.skip)
}

/// Removes control characters (keeping line breaks and tabs) so they never reach staff or logs.
pub fn clean(text: &str) -> String {
    text.chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').collect::<String>().trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::understanding::Understanding;

    fn identity_of(text: &str) -> Identity {
        identity(text, &Understanding::builtin().read(text))
    }

    #[test]
    fn finds_both_answers_in_one_message() {
        let found = identity_of("Order ORD-1001, I bought it with Alice@Example.com.");
        assert_eq!(found.order_id.unwrap().as_str(), "ORD-1001");
        assert_eq!(found.email.unwrap().as_str(), "alice@example.com");
        let found = identity_of("Hi, I'd like a refund please");
        assert_eq!(found, Identity::default());
        assert_eq!(identity_of("it's #ord-7 ").order_id.unwrap().as_str(), "ORD-7");
        // Stripe ids are random letters and digits; some have no digit at all.
        assert_eq!(identity_of("charge ch_AbCdEfGhIjKl please").order_id.unwrap().as_str(), "CH_ABCDEFGHIJKL");
        assert_eq!(identity_of("a cheap one").order_id, None);
    }

    #[test]
    fn a_short_answer_is_the_id() {
        assert_eq!(identity_of("1001").order_id.unwrap().as_str(), "1001");
        assert_eq!(identity_of("it's A7X9").order_id.unwrap().as_str(), "A7X9");
        assert_eq!(identity_of("on the 3rd"), Identity::default());
        assert_eq!(identity_of("$49.00"), Identity::default());
        assert_eq!(identity_of("I paid 49.00 on the 3rd of November for the course"), Identity::default());
    }

    #[test]
    fn yes_no_cancel_and_skip_in_every_language() {
        for yes in ["Yes", "Sí.", "si", "ja!", "Oui", "d'accord", "sim", "はい", "はい。", "是的", "네"] {
            assert!(is_yes(yes) && !is_no(yes) && !is_cancel(yes), "{yes}");
        }
        for no in ["no", "Nein", "non", "não", "nao", "いいえ", "不是", "아니요"] {
            assert!(is_no(no) && !is_yes(no), "{no}");
        }
        for cancel in ["Cancel.", "cancelar", "Abbrechen", "annuler", "laisse tomber", "キャンセル", "取消"] {
            assert!(is_cancel(cancel), "{cancel}");
        }
        for restart in ["start over", "empezar de nuevo", "von vorne", "recommencer", "começar de novo", "最初から"]
        {
            assert!(is_restart(restart), "{restart}");
        }
        for skip in ["-", "nada", "nein, danke", "non merci", "não, obrigado", "特にありません"] {
            assert!(is_skip(skip), "{skip}");
        }
        // Only a whole message is an answer: a sentence that contains the word is not.
        for sentence in ["yes but the video still doesn't load", "sí, pero no funciona", "", "?"] {
            assert!(!is_yes(sentence) && !is_skip(sentence) && !is_cancel(sentence), "{sentence}");
        }
    }
}
