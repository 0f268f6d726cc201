//! The reader on typical messages; the eval set (tests/data/understand) measures it at scale.

use super::*;

fn read(text: &str) -> Reading {
    Understanding::builtin().read(text)
}

#[test]
fn reads_the_whole_first_message() {
    let r = read("I was charged twice for the web design course, order ORD-1001, alice@example.com");
    assert_eq!(r.reason, Some(Reason::DuplicatePurchase));
    assert!(r.sure(), "{r:?}");
    assert_eq!(r.order_ids, [OrderId::parse("ORD-1001").unwrap()]);
    assert_eq!(r.emails, [Email::parse("alice@example.com").unwrap()]);
    assert_eq!(r.language, "en");
}

#[test]
fn negation_and_two_reasons() {
    assert_eq!(read("It isn't broken, I just changed my mind").reason, Some(Reason::ChangedMind));
    let r = read("too basic, and I was double-charged");
    assert_eq!(r.reason, Some(Reason::DuplicatePurchase));
    assert_eq!(r.alternatives, [Reason::NotAsDescribed]);
    assert_eq!(read("banana").reason, None);
}

#[test]
fn reasons_in_every_language() {
    for (text, reason, language) in [
        ("me cobraron dos veces el curso", Reason::DuplicatePurchase, "es"),
        ("Ich habe es aus Versehen gekauft", Reason::AccidentalPurchase, "de"),
        ("je n'arrive pas à me connecter, ça ne marche pas", Reason::TechnicalIssue, "fr"),
        ("o curso não é o que foi prometido", Reason::NotAsDescribed, "pt"),
        ("気が変わりました", Reason::ChangedMind, "ja"),
    ] {
        let r = read(text);
        assert_eq!((r.reason, r.language.as_str()), (Some(reason), language), "{text}");
    }
}

#[test]
fn flags_chargebacks_legal_threats_and_abuse_at_staff() {
    assert!(read("I'll file a chargeback with my bank").has(Signal::ChargebackRisk));
    assert!(!read("my bank statement shows two charges").has(Signal::ChargebackRisk));
    assert!(read("my lawyer will be in touch").has(Signal::LegalThreat));
    assert!(read("great job, you scammers").has(Signal::Abusive));
    assert!(read("your support is f*cking useless").has(Signal::Abusive));
    assert!(!read("I feel like an idiot, I bought it twice").has(Signal::Abusive));
    assert!(!read("this app is useless on my phone").has(Signal::Abusive));
}

#[test]
fn questions_without_a_request() {
    assert_eq!(read("What is your refund policy?").topic, Some(Topic::RefundPolicy));
    assert_eq!(read("how long does a refund take?").topic, Some(Topic::RefundTime));
    assert_eq!(read("where is my refund??").topic, Some(Topic::RefundStatus));
    assert_eq!(read("I was charged twice, what's your refund policy?").topic, None);
}
