//! Snippets in a live conversation: an agent's `{{name}}` becomes the canned reply of
//! `replies/<locale>/snippets/`, in the customer's language, with the case's values; an unknown
//! name relays nothing and the agent is told which there are; customer text is never a template.

use crate::support::*;
use serde_json::{json, Value};

fn text(message: &Value) -> &str {
    message["text"].as_str().unwrap_or_default()
}

/// A message written in a case's thread.
fn write(bot: &mut impl Chat, user: &str, case: i64, text: &str) -> Vec<Value> {
    bot.send(json!({"kind": "message", "user": user, "name": "Mia", "to": format!("thread:{case}"), "text": text}))
}

/// `customer`'s request up to the draft, which agent-1 takes over. The case id.
fn live_with_a_draft(bot: &mut impl Chat, customer: &str) -> i64 {
    let draft = request(bot, customer, "ORD-1001", "alice@example.com", "accidental_purchase", "refund");
    let case = case_id(&draft);
    let out = bot.click("agent-1", &button(&draft, "take_over"));
    assert_eq!(sends_to(&out, &format!("dm:{customer}")).len(), 1, "a person joins: {out:#?}");
    case
}

fn events(fixture: &Fixture, case: i64, kind: &str) -> Vec<String> {
    let shown = fixture.case(case);
    let found = shown["events"].as_array().unwrap().iter().filter(|e| e["kind"] == kind);
    found.map(|e| e["detail"].as_str().unwrap().to_string()).collect()
}

crate::on_both_backends! {
    fn an_agents_snippets_are_relayed_filled_in_with_the_case(fixture: &Fixture) {
        let mut bot = fixture.local();
        let case = live_with_a_draft(&mut bot, "cust-1");
        let out = write(&mut bot, "agent-1", case, "{{hello}}\n{{refund_timeline}} Anything else? {{ not a snippet }}");
        let relayed = text(one_to(&out, "dm:cust-1")).to_string();
        let expected = format!(
            "Hi, thanks for waiting! I'm looking at your case #{case} about Web Design Course now.\n\
             Your refund of $49.00 goes back to your original payment method. Once it's sent, it usually arrives \
             within 5–10 business days, depending on your bank. Anything else? {{{{ not a snippet }}}}"
        );
        assert!(relayed.starts_with("**Mia** (our team):"), "signed as any relay: {relayed}");
        assert!(relayed.ends_with(&expected), "{relayed}");
        bot.stop();
        let relayed_out = events(fixture, case, "relayed_out");
        assert_eq!(relayed_out, [expected], "the timeline has what the customer got");
    }

    fn an_unknown_snippet_relays_nothing_and_the_agent_is_told_which_there_are(fixture: &Fixture) {
        let mut bot = fixture.local();
        let case = live_with_a_draft(&mut bot, "cust-1");
        let out = write(&mut bot, "agent-1", case, "{{hello}} {{refund_tiemline}}");
        assert!(sends_to(&out, "dm:cust-1").is_empty(), "nothing relayed: {out:#?}");
        let told = text(one_to(&out, &format!("thread:{case}"))).to_string();
        assert!(told.contains("no snippet called **refund\\_tiemline**"), "{told}");
        for name in ["• hello", "• refund\\_timeline", "• more\\_details", "• anything\\_else"] {
            assert!(told.contains(name), "{name} in {told}");
        }
        bot.stop();
        assert_eq!(events(fixture, case, "not_relayed"), ["no snippet is called refund_tiemline: nothing relayed"]);
        assert!(events(fixture, case, "relayed_out").is_empty());
    }

    fn customer_text_is_never_a_template(fixture: &Fixture) {
        let mut bot = fixture.local();
        let case = live_with_a_draft(&mut bot, "cust-1");
        // The customer's words go to the thread as written, braces and all.
        let out = bot.say("cust-1", "What does {{hello}} mean? {{#each x}}");
        let relayed = text(one_to(&out, &format!("thread:{case}"))).to_string();
        assert!(relayed.contains("> What does {{hello}} mean? {{#each x}}"), "{relayed}");
        // A snippet quoting the case never runs what the customer wrote either.
        let out = write(&mut bot, "agent-1", case, "{{more_details}}");
        let asked = text(one_to(&out, "dm:cust-1")).to_string();
        assert!(asked.ends_with("Could you tell me a bit more about what went wrong with Web Design Course? A screenshot or the exact error message helps a lot."), "{asked}");
        bot.stop();
    }

    fn a_spanish_customer_gets_the_spanish_snippet(fixture: &Fixture) {
        let mut bot = fixture.local();
        let dm = "dm:cust-es";
        bot.say("cust-es", "Hola, quiero un reembolso por favor");
        let out = bot.say("cust-es", "Pedido ORD-1001, lo compré con alice@example.com");
        let ask_reason = one_to(&out, dm).clone();
        bot.click("cust-es", &button(&ask_reason, "reason:accidental_purchase"));
        let out = bot.say("cust-es", "Pulsé el botón equivocado dos veces y no necesito el curso.");
        let ask_resolution = one_to(&out, dm).clone();
        let out = bot.click("cust-es", &button(&ask_resolution, "resolution:refund"));
        let summary = one_to(&out, dm).clone();
        let out = bot.click("cust-es", &button(&summary, "confirm"));
        let draft = one_to(&out, "channel:agents").clone();
        bot.click("agent-1", &button(&draft, "take_over"));
        let out = write(&mut bot, "agent-1", case_id(&draft), "{{refund_timeline}}");
        let relayed = text(one_to(&out, dm)).to_string();
        assert!(
            relayed.ends_with(
                "Tu reembolso de $49.00 vuelve a tu método de pago original. Una vez enviado, suele llegar en \
                 5–10 días hábiles, según tu banco."
            ),
            "{relayed}"
        );
        bot.stop();
    }
}
