//! Live conversations (CONTRACTS section 4, "Case threads and live conversations"): a thread per
//! case, staff taking over, the two-way relay, notes, hand-back and close, on the JSON-lines
//! chat and the console, on SQLite and PostgreSQL.

use crate::support::*;
use serde_json::{json, Value};

const CUSTOMER: &str = "cust-1";
const DM: &str = "dm:cust-1";

fn thread(case: i64) -> String {
    format!("thread:{case}")
}

/// A message written in a case's thread.
fn write(bot: &mut impl Chat, user: &str, case: i64, text: &str) -> Vec<Value> {
    bot.send(json!({"kind": "message", "user": user, "to": thread(case), "text": text}))
}

/// Like `write`, with the display name the platform gives.
fn write_as(bot: &mut impl Chat, user: &str, name: &str, case: i64, text: &str) -> Vec<Value> {
    bot.send(json!({"kind": "message", "user": user, "name": name, "to": thread(case), "text": text}))
}

fn text(message: &Value) -> &str {
    message["text"].as_str().unwrap_or_default()
}

fn sends(out: &[Value]) -> Vec<&Value> {
    out.iter().filter(|v| v["kind"] == "send").collect()
}

fn kinds(fixture: &Fixture, case: i64) -> Vec<String> {
    let shown = fixture.case(case);
    shown["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_string()).collect()
}

fn count(kinds: &[String], kind: &str) -> usize {
    kinds.iter().filter(|k| *k == kind).count()
}

/// The last edit of a message in `out`.
fn last_edit<'a>(out: &'a [Value], id: &Value) -> &'a Value {
    out.iter()
        .rev()
        .find(|v| v["kind"] == "edit" && v["id"] == *id)
        .unwrap_or_else(|| panic!("no edit of {id}: {out:#?}"))
}

/// Three order/email pairs that match nothing: the bot hands the conversation to people.
/// Returns the case's card.
fn hand_off_after_three_failed_proofs(bot: &mut impl Chat) -> Value {
    bot.say(CUSTOMER, "Hi, I want a refund");
    bot.say(CUSTOMER, "ORD-9001 someone@example.com");
    bot.say(CUSTOMER, "ORD-9002 someone@example.com");
    let out = bot.say(CUSTOMER, "ORD-9003 someone@example.com");
    assert!(text(one_to(&out, DM)).contains("A person will join you right here"), "{out:#?}");
    assert!(!text(one_to(&out, DM)).contains("reach out"), "{out:#?}");
    let card = one_to(&out, "channel:agents").clone();
    assert_eq!(card["mentions"], json!(["role:agents"]), "the agents' role pinged once: {card}");
    assert!(!text(&card).contains("reach out"), "{card}");
    assert!(text(&card).contains("🔴 live, waiting for an agent"), "{card}");
    let actions: Vec<&Value> = card["buttons"].as_array().unwrap().iter().map(|b| &b["action"]).collect();
    assert_eq!(actions, ["take_over", "hand_back", "close"], "{card}");
    card
}

crate::on_both_backends! {
    fn a_hand_off_is_a_live_conversation_with_notes_that_stay_internal(fixture: &Fixture) {
        let mut bot = fixture.local();
        let card = hand_off_after_three_failed_proofs(&mut bot);
        let case = case_id(&card);

        // The customer writes: it goes to the thread, quoted and attributed, and the bot stays quiet.
        let out = bot.say(CUSTOMER, "Hello? I bought it last week\nwith my work email");
        let relayed = one_to(&out, &thread(case));
        assert!(text(relayed).contains("**cust-1** wrote:\n> Hello? I bought it last week\n> with my work email"), "{relayed}");
        assert_eq!(relayed["mentions"], json!([]));
        assert!(sends_to(&out, DM).is_empty(), "the bot does not answer by itself: {out:#?}");

        // The first agent to answer holds the case; the customer gets it signed.
        let out = write_as(&mut bot, "agent-1", "Mia", case, "Hi, I'm Mia. Which email did you use?");
        assert_eq!(text(one_to(&out, DM)), "**Mia** (our team):\nHi, I'm Mia. Which email did you use?");
        assert!(text(last_edit(&out, &card["id"])).contains("🔴 live with Mia"), "{out:#?}");

        // A note stays in the thread: nothing is sent anywhere.
        let out = write(&mut bot, "agent-1", case, "!note probably bought it on the shop's old domain");
        assert!(sends(&out).is_empty(), "a note is never relayed: {out:#?}");

        let out = bot.say(CUSTOMER, "bob@work.example");
        assert!(text(one_to(&out, &thread(case))).contains("bob@work.example"));
        let out = write_as(&mut bot, "agent-1", "Mia", case, "Found it, thanks. Anything else?");
        assert!(text(one_to(&out, DM)).contains("Found it"));

        // Close: the customer is told, and their next message starts a new request.
        let out = bot.click("agent-1", &button(&card, "close"));
        assert!(text(one_to(&out, DM)).contains("closed this conversation (case #1)"), "{out:#?}");
        assert!(text(one_to(&out, &thread(case))).contains("closed by agent-1"), "{out:#?}");
        assert_eq!(last_edit(&out, &card["id"])["buttons"], json!([]), "a closed case's card has no buttons");
        let out = bot.say(CUSTOMER, "one more thing");
        let greeting = one_to(&out, DM);
        assert_eq!(greeting["case"], 2, "a new request: {greeting}");
        bot.stop();

        let shown = fixture.case(case);
        assert_eq!(shown["state"], "closed");
        assert_eq!(shown["outcome"], "cancelled");
        let events: Vec<(&str, &str, &str)> = shown["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["kind"].as_str().unwrap(), e["actor"].as_str().unwrap(), e["detail"].as_str().unwrap()))
            .filter(|(kind, _, _)| ["relayed_in", "relayed_out", "note", "taken_over", "closed"].contains(kind))
            .collect();
        assert_eq!(
            events,
            [
                ("taken_over", "bot", "live: to agents after 3 failed order checks"),
                ("relayed_in", "cust-1", "Hello? I bought it last week\nwith my work email"),
                ("relayed_out", "agent-1", "Hi, I'm Mia. Which email did you use?"),
                ("note", "agent-1", "probably bought it on the shop's old domain"),
                ("relayed_in", "cust-1", "bob@work.example"),
                ("relayed_out", "agent-1", "Found it, thanks. Anything else?"),
                ("closed", "agent-1", "conversation closed by agent-1 (cancelled)"),
            ]
        );
        // `case show` prints them in order, in words.
        let printed = String::from_utf8(fixture.cli(&["case", "show", "1"]).stdout).unwrap();
        let note = printed.find("probably bought it").expect("the note in case show");
        let relayed = printed.find("Found it, thanks").expect("the relayed message in case show");
        assert!(note < relayed, "{printed}");
    }

    fn taking_over_a_waiting_draft_then_handing_back_and_approving(fixture: &Fixture) {
        let mut bot = fixture.local();
        let draft = request(&mut bot, CUSTOMER, "ORD-1001", "alice@example.com", "accidental_purchase", "refund");
        assert_eq!(draft["to"], "channel:agents", "the case's first post is its card");
        let case = case_id(&draft);
        assert!(text(&draft).contains("📍 Status: waiting for an agent"), "{draft}");

        let out = bot.send(json!({"kind": "click", "user": "agent-1", "name": "Mia", "button": button(&draft, "take_over")}));
        assert!(text(one_to(&out, DM)).contains("Mia from our team is joining"), "{out:#?}");
        let started = one_to(&out, &thread(case)).clone();
        assert!(text(&started).contains("is live with Mia"), "{started}");
        let card = last_edit(&out, &draft["id"]);
        let actions: Vec<&Value> = card["buttons"].as_array().unwrap().iter().map(|b| &b["action"]).collect();
        assert_eq!(actions, ["approve", "edit", "reject", "hand_back", "close"], "the draft stays to approve: {card}");

        let out = bot.click("agent-1", &button(&started, "hand_back"));
        let status = sends_to(&out, DM);
        assert!(text(status[0]).contains("back with the refund assistant"), "{out:#?}");
        assert_eq!(status.len(), 2, "hand-back, then where the case stands: {out:#?}");
        assert!(text(status[1]).contains("a member of our team is reviewing it"), "{out:#?}");
        let card = last_edit(&out, &draft["id"]).clone();
        assert!(text(&card).ends_with("📍 Status: waiting for an agent"), "{card}");

        // Back with the bot: a question gets the status again, not a relay.
        let out = bot.say(CUSTOMER, "ok, any news?");
        assert!(text(one_to(&out, DM)).contains("Here's where case #1 stands"), "{out:#?}");
        assert!(sends_to(&out, &thread(case)).is_empty());
        let out = bot.click("agent-1", &button(&card, "take_over"));
        let out_dm = one_to(&out, DM);
        assert!(text(out_dm).contains("agent-1 from our team"), "{out:#?}");
        let out = bot.say(CUSTOMER, "Great, thanks!");
        assert!(text(one_to(&out, &thread(case))).contains("Great, thanks!"));
        let out = write(&mut bot, "agent-1", case, "You're welcome, approving it now.");
        assert!(text(one_to(&out, DM)).contains("approving it now"));
        let out = bot.click("agent-1", &button(&draft, "approve"));
        assert!(text(one_to(&out, DM)).contains("$49.00"), "{out:#?}");
        let mark = one_to(&out, &thread(case)).clone();
        let out = bot.click("agent-1", &button(&mark, "mark_refunded"));
        assert!(text(one_to(&out, DM)).contains("on its way"), "{out:#?}");
        bot.stop();

        let shown = fixture.case(case);
        assert_eq!(shown["outcome"], "refunded");
        let kinds = kinds(fixture, case);
        assert_eq!(count(&kinds, "taken_over"), 2, "{kinds:?}");
        assert_eq!(count(&kinds, "handed_back"), 1, "{kinds:?}");
        assert_eq!(count(&kinds, "relayed_in"), 1, "{kinds:?}");
        assert_eq!(count(&kinds, "relayed_out"), 1, "{kinds:?}");
    }

    fn support_instead_of_a_refund_is_live_and_closes_as_an_alternative(fixture: &Fixture) {
        let mut bot = fixture.local();
        bot.say(CUSTOMER, "hello");
        bot.say(CUSTOMER, "ORD-1001 alice@example.com");
        let out = bot.say(CUSTOMER, "the videos don't play, it's broken");
        assert_eq!(one_to(&out, DM)["expects"], "details");
        let out = bot.say(CUSTOMER, "Video 3 never loads on Firefox");
        let offer = one_to(&out, DM).clone();
        let out = bot.click(CUSTOMER, &button(&offer, "resolution:support"));
        assert!(text(one_to(&out, DM)).contains("a person will join you right here"), "{out:#?}");
        let card = one_to(&out, "channel:agents").clone();
        assert_eq!(card["mentions"], json!(["role:agents"]));
        let case = case_id(&card);

        let out = write(&mut bot, "agent-1", case, "Hi! Try clearing the cache, then reload lesson 3.");
        assert!(text(one_to(&out, DM)).starts_with("**agent-1** (our team):"), "{out:#?}");
        let out = bot.say(CUSTOMER, "That fixed it, thank you!");
        assert!(text(one_to(&out, &thread(case))).contains("That fixed it"));
        let out = bot.click("agent-1", &button(&card, "close"));
        assert!(text(one_to(&out, DM)).contains("closed this conversation"), "{out:#?}");
        bot.stop();
        let shown = fixture.case(case);
        assert_eq!(shown["state"], "closed");
        assert_eq!(shown["outcome"], "alternative");
    }

    fn a_non_agent_in_the_thread_is_told_why_and_not_relayed(fixture: &Fixture) {
        let mut bot = fixture.local();
        let card = hand_off_after_three_failed_proofs(&mut bot);
        let case = case_id(&card);
        let out = write(&mut bot, "passer-by", case, "Hi, I can help you!");
        assert!(sends_to(&out, DM).is_empty(), "never relayed: {out:#?}");
        assert!(text(one_to(&out, "dm:passer-by")).contains("Only agents can talk to the customer"), "{out:#?}");
        // A platform role listed in `[roles] agents` is enough.
        let out = bot.send(json!({"kind": "message", "user": "helper-7", "roles": ["agent-1"], "to": thread(case), "text": "Hello from the team"}));
        assert!(text(one_to(&out, DM)).contains("Hello from the team"), "{out:#?}");
        // A click on the card by someone else is refused too.
        let out = bot.click("passer-by", &button(&card, "close"));
        assert!(text(one_to(&out, "dm:passer-by")).contains("Only agents"), "{out:#?}");
        bot.stop();
        let kinds = kinds(fixture, case);
        assert_eq!(count(&kinds, "not_relayed"), 1, "{kinds:?}");
        assert_eq!(count(&kinds, "refused"), 1, "{kinds:?}");
        assert_eq!(fixture.case(case)["state"], "awaiting_agent");
    }

    fn relayed_text_pings_nobody_either_way(fixture: &Fixture) {
        let mut bot = fixture.local();
        let card = hand_off_after_three_failed_proofs(&mut bot);
        let case = case_id(&card);
        let out = bot.say(CUSTOMER, "@everyone @here <@123> <@&456> look [here](https://evil.example)");
        let relayed = one_to(&out, &thread(case));
        assert_eq!(relayed["mentions"], json!([]));
        for raw in ["@everyone", "@here", "<@123>", "<@&456>", "[here](https"] {
            assert!(!text(relayed).contains(raw), "`{raw}` reached the thread as written: {relayed}");
        }
        let out = write(&mut bot, "agent-1", case, "@everyone hi <@789>");
        let sent = one_to(&out, DM);
        assert_eq!(sent["mentions"], json!([]));
        assert!(!text(sent).contains("@everyone") && !text(sent).contains("<@789>"), "{sent}");
        bot.stop();
    }

    fn a_relay_the_platform_refuses_is_reported_once(fixture: &Fixture) {
        let mut bot = fixture.local();
        let card = hand_off_after_three_failed_proofs(&mut bot);
        let case = case_id(&card);
        let out = write(&mut bot, "agent-1", case, "Are you still there?");
        let relayed = one_to(&out, DM).clone();
        let refusal = json!({"kind": "refused", "message": relayed["id"], "error": "50007 Cannot send messages to this user"});
        let out = bot.send(refusal.clone());
        let report = one_to(&out, &thread(case));
        assert!(text(report).contains("could not reach cust-1 (50007 Cannot send messages to this user)"), "{report}");
        assert!(text(report).contains("> Are you still there?"), "{report}");
        // Told once: the same refusal again changes nothing.
        assert!(sends(&bot.send(refusal)).is_empty());
        bot.stop();
        let kinds = kinds(fixture, case);
        assert_eq!(count(&kinds, "relay_failed"), 1, "{kinds:?}");
        let shown = fixture.case(case);
        let dead = shown["dead_letters"].as_array().map_or(0, Vec::len);
        assert_eq!(dead, 1, "kept as undeliverable, not retried: {shown:#}");
    }

    fn an_idle_live_case_reminds_the_agents_in_the_thread(fixture: &Fixture) {
        let mut bot = fixture.local();
        let card = hand_off_after_three_failed_proofs(&mut bot);
        let case = case_id(&card);
        assert!(to_agents(&bot.tick(59 * 60)).is_empty(), "not yet");
        let out = bot.tick(2 * 60);
        let reminder = one_to(&out, &thread(case));
        assert!(text(reminder).contains("waiting"), "{reminder}");
        assert_eq!(reminder["mentions"], json!(["role:agents"]));
        // One reminder per interval, not a burst after a long pause.
        assert_eq!(sends_to(&bot.tick(5 * 3600), &thread(case)).len(), 1);
        write(&mut bot, "agent-1", case, "Sorry for the wait!");
        assert!(to_agents(&bot.tick(3 * 3600)).is_empty(), "answered: no more reminders");
        // The customer writes again: the agent who holds it is reminded.
        bot.say(CUSTOMER, "Hello?");
        let out = bot.tick(61 * 60);
        assert_eq!(one_to(&out, &thread(case))["mentions"], json!(["user:agent-1"]));
        bot.stop();
    }

    fn a_second_case_for_another_order_while_the_first_waits(fixture: &Fixture) {
        let mut bot = fixture.local();
        let draft = request(&mut bot, CUSTOMER, "ORD-1001", "alice@example.com", "accidental_purchase", "refund");
        assert_eq!(case_id(&draft), 1);
        // The same order: where its case stands, with a way to ask about another one.
        let out = bot.say(CUSTOMER, "what about ORD-1001?");
        let status = one_to(&out, DM).clone();
        assert!(text(&status).contains("Here's where case #1 stands"), "{status}");
        // Another order: a new case, asked about the order straight away.
        let out = bot.say(CUSTOMER, "Also ORD-1005 please, alice@example.com");
        let new_case: Vec<&Value> = sends_to(&out, DM).into_iter().filter(|s| s["case"] == 2).collect();
        assert!(new_case.iter().any(|s| s["buttons"].as_array().unwrap().iter().any(|b| b["action"] == "reason:changed_mind")), "{out:#?}");
        // The first case is approved meanwhile: its reply still reaches the customer.
        let out = bot.click("agent-1", &button(&draft, "approve"));
        assert_eq!(one_to(&out, DM)["case"], 1);
        // `new_request` on a status answer opens a third case once the second one waits too.
        let post = {
            let out = bot.click(CUSTOMER, &button(new_case.last().unwrap(), "reason:changed_mind"));
            assert_eq!(one_to(&out, DM)["expects"], "details");
            bot.say(CUSTOMER, "Not for me");
            let out = bot.say(CUSTOMER, "a refund please");
            let summary = one_to(&out, DM).clone();
            let out = bot.click(CUSTOMER, &button(&summary, "confirm"));
            one_to_agents(&out).clone()
        };
        assert_eq!(post["case"], 2);
        assert_eq!(post["to"], "channel:agents", "case 2 has its own card");
        let out = bot.say(CUSTOMER, "any news?");
        let status = one_to(&out, DM).clone();
        let out = bot.click(CUSTOMER, &button(&status, "new_request"));
        assert_eq!(one_to(&out, DM)["case"], 3, "{out:#?}");
        bot.stop();
        assert_eq!(fixture.cases().len(), 3);
        assert_eq!(fixture.case(2)["state"], "awaiting_agent");
    }

}

fn anonymous_relays_sign_as_the_team(fixture: &Fixture) {
    let mut bot = fixture.local();
    let card = hand_off_after_three_failed_proofs(&mut bot);
    let case = case_id(&card);
    let out = write_as(&mut bot, "agent-1", "Mia", case, "Hello!");
    assert_eq!(text(one_to(&out, DM)), "**Our team:**\nHello!");
    assert!(sends(&write(&mut bot, "agent-1", case, "// internal")).is_empty());
    bot.stop();
    assert_eq!(count(&kinds(fixture, case), "note"), 1);
}

const ANONYMOUS: &str = "[live]\nanonymous = true\nnote_prefix = \"//\"\n";

#[test]
fn anonymous_relays_sign_as_the_team_sqlite() {
    anonymous_relays_sign_as_the_team(&Fixture::with_config(ANONYMOUS));
}

#[test]
fn anonymous_relays_sign_as_the_team_postgres() {
    if let Some(fixture) = Fixture::postgres_with_config(ANONYMOUS) {
        anonymous_relays_sign_as_the_team(&fixture);
    }
}

#[test]
fn the_console_shows_a_cases_thread_as_its_own_view() {
    let dir = tempfile::tempdir().unwrap();
    let script = [
        "Hi, I'd like a refund",
        "ORD-9001 nobody@example.com",
        "ORD-9002 nobody@example.com",
        "ORD-9003 nobody@example.com",
        "I really need help",
        "/as agent",
        "/thread 1",
        "Hello from the team, let me look.",
        "!note checking the old shop",
        "/as customer",
        "/quit",
    ];
    let shown = play_console(dir.path(), None, &[], &script);
    for expected in [
        "agent-1 in thread:1 >",
        "thread:1 │ [m-",
        "cust-1 wrote:",
        "> I really need help",
        "agent-1 (our team):\n                 │ Hello from the team, let me look.",
    ] {
        assert!(shown.contains(expected), "`{expected}` missing from:\n{shown}");
    }
    assert!(!shown.contains("checking the old shop\n"), "a note is never shown to the customer:\n{shown}");
}

/// A live conversation through `refund-bot jsonl`: a hand-off, messages both ways, a note,
/// then the close.
fn live_script() -> Vec<crate::crash::Step> {
    use crate::crash::Step;
    let say = |text| Step::Say(CUSTOMER, text);
    let write = |text| Step::Write { user: "agent-1", text };
    vec![
        say("Hi, I want a refund"),
        say("ORD-9001 someone@example.com"),
        say("ORD-9002 someone@example.com"),
        say("ORD-9003 someone@example.com"),
        say("Is anyone there?"),
        write("Hi, I'm here. Which email did you buy with?"),
        say("bob@work.example I think"),
        write("!note bought on the old shop"),
        write("Found it: ORD-1002."),
        say("Great, thank you"),
        write("Anything else?"),
        say("No, that's all"),
        Step::Click { user: "agent-1", to: "channel:agents", action: "close" },
    ]
}

crate::on_both_backends! {
    fn sigkill_between_a_relays_commit_and_its_delivery_loses_and_repeats_nothing(fixture: &Fixture) {
        use crate::crash::{distinct_per_destination, run};
        let reference = Fixture::new();
        let calm = run(&reference, &mut Rng(0x5EED_1234), 0, &live_script());
        let crashed = run(fixture, &mut Rng(0x5EED_1234), 70, &live_script());
        assert!(crashed.kills >= 5, "only {} kills", crashed.kills);
        let expected = distinct_per_destination(&calm.seen);
        assert_eq!(expected.get("thread:*"), Some(&5), "4 customer messages and the close: {expected:?}");
        assert_eq!(distinct_per_destination(&crashed.seen), expected, "a kill changed what was relayed");
        let cases = fixture.cases();
        assert_eq!(cases.len(), 1, "{cases:#?}");
        let case = cases[0]["id"].as_i64().unwrap();
        let kinds = kinds(fixture, case);
        assert_eq!(count(&kinds, "relayed_in"), 4, "{kinds:?}");
        assert_eq!(count(&kinds, "relayed_out"), 3, "{kinds:?}");
        assert_eq!(count(&kinds, "note"), 1, "{kinds:?}");
        assert_eq!(fixture.case(case)["outcome"], "cancelled");
    }
}
