//! Answers that bring nothing new: the same order id again, several orders at once.

use super::*;

#[test]
fn the_same_order_id_again_is_a_miss_that_ends_with_a_person() {
    let ask_email = || ask(Reply::AskEmail { order_id: "ORD-1001".into() }, Some("email"), vec![]);
    let explain = ask(Reply::StillMissing { order_id: "ORD-1001".into(), email: String::new() }, Some("email"), vec![]);
    check(vec![
        row(
            "the id again is asked once more",
            identify_st(Some("ORD-1001"), None, 0, 0),
            text("ORD-1001"),
            Some(identify_st(Some("ORD-1001"), None, 0, 1)),
            vec![ask_email()],
        ),
        row(
            "the id a third time says what is missing and why",
            identify_st(Some("ORD-1001"), None, 0, 1),
            text("it's #ord-1001"),
            Some(identify_st(Some("ORD-1001"), None, 0, 2)),
            vec![explain],
        ),
        row(
            "and once more hands to a person",
            identify_st(Some("ORD-1001"), None, 0, 2),
            text("ORD-1001"),
            None,
            handed_off(HandOffWhy::StillMissing),
        ),
        row(
            "another id is no repeat",
            identify_st(Some("ORD-1001"), None, 0, 1),
            text("ORD-1002"),
            Some(identify_st(Some("ORD-1002"), None, 0, 1)),
            vec![ask(Reply::AskEmail { order_id: "ORD-1002".into() }, Some("email"), vec![])],
        ),
        row(
            "the email after the explanation is checked",
            identify_st(Some("ORD-1001"), None, 0, 2),
            text("alice@example.com"),
            Some(identify_st(Some("ORD-1001"), Some("alice@example.com"), 0, 2)),
            vec![check_order("ORD-1001")],
        ),
        row(
            "the same email again asks for the order id once more",
            identify_st(None, Some("alice@example.com"), 0, 0),
            text("alice@example.com"),
            Some(identify_st(None, Some("alice@example.com"), 0, 1)),
            vec![ask(Reply::AskOrderId { email: "alice@example.com".into() }, Some("order_id"), vec![])],
        ),
    ]);
}

#[test]
fn several_orders_in_one_message_are_asked_about_not_guessed() {
    let which = |unclear| {
        let buttons = buttons(&[("order:ORD-1001", "ORD-1001"), ("order:ORD-1005", "ORD-1005"), ("cancel", "Cancel")]);
        (
            Some(identify_st(None, Some("alice@example.com"), 0, unclear)),
            vec![ask(Reply::WhichOrder { order_ids: "ORD-1001, ORD-1005".into() }, Some("order_id"), buttons)],
        )
    };
    let (state, effects) = which(1);
    let (state_again, effects_again) = which(2);
    check(vec![
        row(
            "two ids and an email: which one?",
            fresh(),
            text("refund ORD-1001 and ORD-1005 please, alice@example.com"),
            state,
            effects,
        ),
        row(
            "the same two again: asked once more",
            identify_st(None, Some("alice@example.com"), 0, 1),
            text("ORD-1001, ORD-1005"),
            state_again,
            effects_again,
        ),
        row(
            "a third time: a person takes over",
            identify_st(None, Some("alice@example.com"), 0, 2),
            text("ORD-1001 ORD-1005"),
            None,
            handed_off(HandOffWhy::Unclear),
        ),
        row(
            "the picked order is checked with the email given",
            identify_st(None, Some("alice@example.com"), 0, 1),
            click("order:ORD-1005"),
            Some(identify_st(Some("ORD-1005"), Some("alice@example.com"), 0, 1)),
            vec![Effect::CheckOrder { order_id: oid("ORD-1005"), email: alice() }],
        ),
        row(
            "without an email the picked order's email is asked",
            identify_st(None, None, 0, 1),
            click("order:ORD-1005"),
            Some(identify_st(Some("ORD-1005"), None, 0, 1)),
            vec![ask(Reply::AskEmail { order_id: "ORD-1005".into() }, Some("email"), vec![])],
        ),
        row(
            "a typed pick works too",
            identify_st(None, Some("alice@example.com"), 0, 1),
            text("the second one, ORD-1005"),
            Some(identify_st(Some("ORD-1005"), Some("alice@example.com"), 0, 1)),
            vec![Effect::CheckOrder { order_id: oid("ORD-1005"), email: alice() }],
        ),
    ]);
}
