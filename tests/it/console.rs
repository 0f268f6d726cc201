//! `refund-bot console` in a folder with nothing in it: one person plays customer and agent
//! through a whole case, on the built-in policy and demo orders.

use crate::support::BIN;
use std::io::Write;
use std::process::{Command, Stdio};

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
    let mut child = Command::new(BIN)
        .arg("console")
        .current_dir(dir.path())
        .env_remove("REFUND_BOT_CONFIG")
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{}\n", script.join("\n")).as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let shown = String::from_utf8(out.stdout).unwrap();
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
