//! `refund-bot console` in a folder with nothing in it: one person plays customer and agent
//! through a whole case, on the built-in policy and demo orders.

use crate::support::play_console;

#[test]
fn a_whole_case_in_the_console_of_an_empty_folder() {
    let dir = tempfile::tempdir().unwrap();
    let script = [
        "Hi, I'd like a refund for ORD-1001, alice@example.com",
        "3", // I bought it by accident
        "I clicked buy by mistake",
        "1", // a refund
        "1", // yes, send it
        "/as agent",
        "1", // approve & send
        "1", // mark refunded
        "/cases",
        "/tick 3d",
        "/as customer",
        "5", // five stars
        "/quit",
    ];
    let shown = play_console(dir.path(), None, &[], &script);
    for expected in [
        "using the built-in example policy",
        "added demo orders",
        "your request is with our team as case #1",
        "Verdict: Full refund · $49.00",
        "#1 cust-1 ORD-1001 awaiting_feedback refunded",
        "Your refund of $49.00 is on its way",
        "How did we do?",
        "Thanks for rating us 5/5.",
    ] {
        assert!(shown.contains(expected), "`{expected}` missing from:\n{shown}");
    }
    // Chat markdown (`**$49.00**` in the customer's message) is not printed raw to a pipe.
    assert!(shown.contains("Your refund of $49.00 for Web Design Course (order ORD-1001) is approved"), "{shown}");
    assert!(dir.path().join("refund-bot.db").exists());
}
