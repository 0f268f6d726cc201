//! Bad input of every kind gets a clear answer and loses nothing.

use crate::support::*;

#[test]
fn unknown_and_foreign_buttons_are_refused_clearly() {
    let fixture = Fixture::new();
    let mut bot = fixture.local();
    bot.say("cust-1", "hello");
    let out = bot.say("cust-1", "ORD-1001 alice@example.com");
    let ask = one_to(&out, "dm:cust-1").clone();
    // A button that never existed is unknown, not "updated".
    for never in ["b-99999", "not-a-button"] {
        let out = bot.click("cust-1", never);
        let told = one_to(&out, "dm:cust-1")["text"].as_str().unwrap().to_string();
        assert!(told.contains("I don't know that button"), "{told}");
    }
    // Another customer pressing cust-1's button is refused and changes nothing.
    let out = bot.click("cust-2", &button(&ask, "reason:changed_mind"));
    assert_eq!(sends_to(&out, "dm:cust-2").len(), 1);
    assert!(sends_to(&out, "dm:cust-1").is_empty());
    let out = bot.click("cust-1", &button(&ask, "reason:changed_mind"));
    assert_eq!(one_to(&out, "dm:cust-1")["expects"], "details", "cust-1's conversation is intact");
}

#[test]
fn a_huge_message_with_control_characters_is_kept_whole_and_clean() {
    let fixture = Fixture::new();
    let mut bot = fixture.local();
    up_to_details(&mut bot);
    let long = format!("{}\u{7}\u{1b}[31m end", "very long story ".repeat(625));
    let out = bot.say("cust-1", &long);
    assert!(sends_to(&out, "dm:cust-1").len() >= 2, "acknowledged as long, then the next question");
    bot.stop();
    let case = fixture.case(1);
    let messages: Vec<&str> = case["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "message")
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    let details = messages.last().unwrap();
    assert!(details.chars().count() >= 10_000);
    assert!(!details.contains('\u{7}') && !details.contains('\u{1b}'));
    assert!(details.ends_with("end"));
}

#[test]
fn customer_text_never_pings() {
    let fixture = Fixture::new();
    let mut bot = fixture.local();
    up_to_details(&mut bot);
    let out = bot.say("cust-1", "@everyone look <@123> @here");
    let ask = one_to(&out, "dm:cust-1").clone();
    let out = bot.click("cust-1", &button(&ask, "resolution:refund"));
    let summary = one_to(&out, "dm:cust-1").clone();
    let out = bot.click("cust-1", &button(&summary, "confirm"));
    let post = one_to(&out, "channel:agents");
    assert_eq!(post["mentions"], serde_json::json!([]));
    let text = post["text"].as_str().unwrap();
    assert!(!text.contains("@everyone") && !text.contains("<@123>") && !text.contains("@here"), "{text}");
}

/// cust-1 proves ORD-1001 and names a reason by typing: the bot now waits for the story.
fn up_to_details(bot: &mut impl Chat) {
    bot.say("cust-1", "hello");
    bot.say("cust-1", "ORD-1001 alice@example.com");
    let out = bot.say("cust-1", "other");
    assert_eq!(one_to(&out, "dm:cust-1")["expects"], "details");
}
