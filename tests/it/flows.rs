//! Whole cases through `refund-bot jsonl`, from the first message to their outcome.

use crate::support::*;
use serde_json::Value;

const AGENTS: &str = "channel:agents";
const MANAGERS: &str = "channel:managers";

/// Approves the draft, marks the refund, and returns the case id.
fn approve_and_refund(bot: &mut impl Chat, draft: &Value, customer: &str) -> i64 {
    let out = bot.click("agent-1", &button(draft, "approve"));
    let reply = one_to(&out, &format!("dm:{customer}"));
    assert!(!reply["text"].as_str().unwrap().is_empty());
    let edited = out.iter().find(|v| v["kind"] == "edit").expect("draft post edited");
    assert_eq!(edited["id"], draft["id"]);
    assert_eq!(edited["buttons"], serde_json::json!([]));
    let mark = one_to_agents(&out).clone();
    let out = bot.click("agent-1", &button(&mark, "mark_refunded"));
    let issued = one_to(&out, &format!("dm:{customer}"));
    assert!(issued["text"].as_str().unwrap().contains("$"), "{issued}");
    case_id(draft)
}

/// Runs a technical-issue request on the out-of-window ebook up to the managers' post: ✅ / ❌
/// invited, and the same decision as buttons.
pub(crate) fn escalate(bot: &mut impl Chat) -> Value {
    let post = request(bot, "cust-4", "ORD-1003", "carol@example.com", "technical_issue", "refund");
    assert_eq!(post["to"], MANAGERS);
    assert_eq!(post["mentions"], serde_json::json!(["role:managers"]));
    assert_eq!(post["reactions"], serde_json::json!(["✅", "❌"]));
    let actions: Vec<&Value> = post["buttons"].as_array().unwrap().iter().map(|b| &b["action"]).collect();
    assert_eq!(actions, ["approve_exception", "deny_exception"]);
    post
}

fn texts_to(out: &[Value], to: &str) -> String {
    sends_to(out, to).iter().filter_map(|v| v["text"].as_str()).collect::<Vec<_>>().join("\n")
}

fn texts_to_agents(out: &[Value]) -> String {
    to_agents(out).iter().filter_map(|v| v["text"].as_str()).collect::<Vec<_>>().join("\n")
}

fn bot_log_count(fixture: &Fixture, case: i64) -> usize {
    let shown = fixture.case(case);
    assert_eq!(shown["refunds"].as_array().unwrap().len(), 1);
    shown["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "approved").count()
}

crate::on_both_backends! {
    fn full_refund_from_first_message_to_feedback(fixture: &Fixture) {
        let mut bot = fixture.local();
        let draft = request(
            &mut bot,
            "cust-1",
            "ORD-1001",
            "alice@example.com",
            "accidental_purchase",
            "refund",
        );
        assert_eq!(draft["to"], AGENTS);
        assert!(draft["text"].as_str().unwrap().contains("ORD-1001"));
        let case = approve_and_refund(&mut bot, &draft, "cust-1");

        let shown = fixture.case(case);
        assert_eq!(shown["outcome"], "refunded");
        assert_eq!(shown["verdict"]["outcome"], "full_refund");
        assert_eq!(shown["verdict"]["amount_minor"], 4900);
        assert_eq!(shown["refunds"].as_array().unwrap().len(), 1);
        assert_eq!(shown["refunds"][0]["status"], "succeeded");

        // Nothing before the follow-up is due; then one feedback question.
        assert!(sends_to(&bot.tick(2 * 86400), "dm:cust-1").is_empty());
        let out = bot.tick(86400);
        let ask = one_to(&out, "dm:cust-1").clone();
        let out = bot.click("cust-1", &button(&ask, "feedback:5"));
        assert_eq!(one_to(&out, "dm:cust-1")["expects"], "feedback_comment");
        bot.say("cust-1", "Quick and kind, thank you");
        bot.stop();

        let shown = fixture.case(case);
        assert_eq!(shown["feedback"]["score"], 5);
        assert_eq!(shown["feedback"]["comment"], "Quick and kind, thank you");
        assert_eq!(shown["state"], "closed");
        let kinds: Vec<&str> = shown["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        for kind in [
            "opened",
            "order_proven",
            "confirmed",
            "verdict",
            "draft",
            "approved",
            "refunded",
            "followup",
            "feedback",
        ] {
            assert!(kinds.contains(&kind), "timeline lacks {kind}: {kinds:?}");
        }
    }

    fn partial_refund_for_a_course_half_watched(fixture: &Fixture) {
        let mut bot = fixture.local();
        let draft = request(
            &mut bot,
            "cust-2",
            "ORD-1002",
            "bob@example.com",
            "changed_mind",
            "refund",
        );
        let case = approve_and_refund(&mut bot, &draft, "cust-2");
        bot.stop();
        let shown = fixture.case(case);
        assert_eq!(shown["verdict"]["outcome"], "partial_refund");
        assert_eq!(shown["refunds"][0]["amount_minor"], 2450);
        assert_eq!(shown["outcome"], "partially_refunded");
    }

    fn denied_with_alternatives_then_store_credit(fixture: &Fixture) {
        let mut bot = fixture.local();
        let draft = request(
            &mut bot,
            "cust-3",
            "ORD-1003",
            "carol@example.com",
            "changed_mind",
            "refund",
        );
        let case = case_id(&draft);
        assert_eq!(fixture.case(case)["verdict"]["outcome"], "not_eligible");
        let out = bot.click("agent-1", &button(&draft, "approve"));
        let denial = one_to(&out, "dm:cust-3").clone();
        assert_eq!(fixture.case(case)["outcome"], "denied");
        let out = bot.click("cust-3", &button(&denial, "resolution:store_credit"));
        assert_eq!(sends_to(&out, "dm:cust-3").len(), 1);
        assert_eq!(
            to_agents(&out).len(),
            1,
            "agents hear about the store credit"
        );
        bot.stop();
        let shown = fixture.case(case);
        assert_eq!(shown["outcome"], "alternative");
        assert!(shown["refunds"].as_array().unwrap().is_empty());
    }

    fn escalation_approved_by_a_manager_reaction(fixture: &Fixture) {
        let mut bot = fixture.local();
        let post = escalate(&mut bot);
        let case = case_id(&post);
        assert_eq!(fixture.case(case)["state"], "awaiting_manager");
        let out = bot.react("manager-1", &id(&post), "✅");
        assert!(
            out.iter()
                .any(|v| v["kind"] == "react" && v["message"] == post["id"]),
            "bot confirms: {out:#?}"
        );
        assert!(
            sends_to(&out, "dm:cust-4").is_empty(),
            "the decision waits for an agent"
        );
        let draft = one_to_agents(&out).clone();
        approve_and_refund(&mut bot, &draft, "cust-4");
        // A second reaction after the decision changes nothing.
        let out = bot.react("manager-2", &id(&post), "❌");
        assert!(to_agents(&out).is_empty());
        bot.stop();
        let shown = fixture.case(case);
        assert_eq!(shown["outcome"], "refunded");
        assert_eq!(shown["refunds"][0]["amount_minor"], 1900);
    }

    fn escalation_denied_by_a_manager_reaction(fixture: &Fixture) {
        let mut bot = fixture.local();
        let post = escalate(&mut bot);
        let out = bot.react("manager-1", &id(&post), "❌");
        let draft = one_to_agents(&out).clone();
        let out = bot.click("agent-1", &button(&draft, "approve"));
        assert_eq!(sends_to(&out, "dm:cust-4").len(), 1);
        bot.stop();
        assert_eq!(fixture.case(case_id(&post))["outcome"], "denied");
    }

    fn a_non_manager_reaction_is_refused_and_recorded(fixture: &Fixture) {
        let mut bot = fixture.local();
        let post = escalate(&mut bot);
        let out = bot.react("cust-4", &id(&post), "✅");
        assert!(to_agents(&out).is_empty());
        assert_eq!(sends_to(&out, "dm:cust-4").len(), 1, "told why: {out:#?}");
        let out = bot.react("agent-1", &id(&post), "✅");
        assert!(to_agents(&out).is_empty());
        bot.stop();
        let shown = fixture.case(case_id(&post));
        assert_eq!(shown["state"], "awaiting_manager");
        let refused = shown["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "refused")
            .count();
        assert_eq!(refused, 2);
    }

    fn big_amount_needs_a_manager_even_in_policy(fixture: &Fixture) {
        let mut bot = fixture.local();
        let post = request(
            &mut bot,
            "cust-5",
            "ORD-1004",
            "dave@example.com",
            "changed_mind",
            "refund",
        );
        assert_eq!(post["to"], MANAGERS);
        let verdict = &fixture.case(case_id(&post))["verdict"];
        assert_eq!(verdict["outcome"], "manager_review");
        assert_eq!(verdict["amount_minor"], 24900);
    }

    fn double_clicked_approval_sends_one_message_and_one_refund(fixture: &Fixture) {
        let mut bot = fixture.local();
        let draft = request(
            &mut bot,
            "cust-1",
            "ORD-1001",
            "alice@example.com",
            "accidental_purchase",
            "refund",
        );
        let approve = button(&draft, "approve");
        let out = bot.click("agent-1", &approve);
        let mark = one_to_agents(&out).clone();
        let again = bot.click("agent-2", &approve);
        assert!(sends_to(&again, "dm:cust-1").is_empty(), "{again:#?}");
        let mark_button = button(&mark, "mark_refunded");
        bot.click("agent-1", &mark_button);
        let again = bot.click("agent-1", &mark_button);
        assert!(sends_to(&again, "dm:cust-1").is_empty());
        bot.stop();
        let replies = bot_log_count(fixture, case_id(&draft));
        assert_eq!(replies, 1);
    }

    fn an_edited_draft_is_what_the_customer_gets(fixture: &Fixture) {
        let mut bot = fixture.local();
        let draft = request(
            &mut bot,
            "cust-1",
            "ORD-1001",
            "alice@example.com",
            "accidental_purchase",
            "refund",
        );
        let out = bot.submit(
            "agent-1",
            &button(&draft, "edit"),
            "Hi Alice, your refund of $49.00 is approved.",
        );
        let edit = out
            .iter()
            .find(|v| v["kind"] == "edit")
            .expect("post updated");
        assert!(edit["text"].as_str().unwrap().contains("Hi Alice"));
        let actions: Vec<&Value> = edit["buttons"].as_array().unwrap().iter().map(|b| &b["action"]).collect();
        assert_eq!(actions, ["approve", "edit", "reject", "take_over"], "buttons stay live");
        let out = bot.click("agent-1", &button(&draft, "approve"));
        assert_eq!(
            one_to(&out, "dm:cust-1")["text"],
            "Hi Alice, your refund of $49.00 is approved."
        );
    }

    fn a_rejected_draft_is_rewritten_by_the_agent(fixture: &Fixture) {
        let mut bot = fixture.local();
        let draft = request(
            &mut bot,
            "cust-1",
            "ORD-1001",
            "alice@example.com",
            "accidental_purchase",
            "refund",
        );
        let out = bot.click("agent-1", &button(&draft, "reject"));
        assert!(sends_to(&out, "dm:cust-1").is_empty());
        let ask = one_to_agents(&out).clone();
        assert_eq!(ask["expects"], "text");
        let out = bot.submit(
            "agent-1",
            &button(&ask, "edit"),
            "Hello! Refund approved, in your account within a week.",
        );
        let new_draft = one_to_agents(&out).clone();
        // The agent says whether their reply comes with the refund.
        let labels = new_draft["buttons"].to_string();
        assert!(labels.contains("Send & refund $49.00") && labels.contains("Send, no refund"), "{labels}");
        let out = bot.click("agent-1", &button(&new_draft, "approve"));
        assert_eq!(
            one_to(&out, "dm:cust-1")["text"],
            "Hello! Refund approved, in your account within a week."
        );
        assert!(texts_to_agents(&out).contains("Refund to issue"), "{out:#?}");
        // The old draft's buttons are gone for good.
        let out = bot.click("agent-1", &button(&draft, "approve"));
        assert!(sends_to(&out, "dm:cust-1").is_empty());
    }

    fn an_agents_own_reply_can_say_no_to_a_refund_the_policy_allowed(fixture: &Fixture) {
        let mut bot = fixture.local();
        let draft = request(&mut bot, "cust-1", "ORD-1001", "alice@example.com", "accidental_purchase", "refund");
        let out = bot.click("agent-1", &button(&draft, "reject"));
        let ask = one_to_agents(&out).clone();
        let out = bot.submit("agent-1", &button(&ask, "edit"), "We can't refund this one, sorry: you finished it.");
        let new_draft = one_to_agents(&out).clone();
        let out = bot.click("agent-1", &button(&new_draft, "approve_no_refund"));
        assert_eq!(one_to(&out, "dm:cust-1")["text"], "We can't refund this one, sorry: you finished it.");
        assert!(!texts_to_agents(&out).contains("Refund to issue"), "no refund to issue: {out:#?}");
        bot.stop();
        let shown = fixture.case(case_id(&draft));
        assert_eq!((shown["state"].as_str(), shown["outcome"].as_str()), (Some("closed"), Some("denied")));
        assert!(shown["refunds"].as_array().unwrap().is_empty());
        let approved = shown["events"].as_array().unwrap().iter().find(|e| e["kind"] == "approved").unwrap().clone();
        assert!(approved["detail"].as_str().unwrap().contains("no refund"), "{approved}");
    }

    fn an_agents_own_reply_can_refund_what_the_policy_denied(fixture: &Fixture) {
        let mut bot = fixture.local();
        let draft = request(&mut bot, "cust-3", "ORD-1003", "carol@example.com", "changed_mind", "refund");
        assert_eq!(fixture.case(case_id(&draft))["verdict"]["outcome"], "not_eligible");
        let out = bot.click("agent-1", &button(&draft, "reject"));
        let ask = one_to_agents(&out).clone();
        let out = bot.submit("agent-1", &button(&ask, "edit"), "We'll make an exception and refund you.");
        let new_draft = one_to_agents(&out).clone();
        assert!(new_draft["buttons"].to_string().contains("Send & refund $19.00"), "{new_draft}");
        let out = bot.click("agent-1", &button(&new_draft, "approve_full_refund"));
        assert_eq!(one_to(&out, "dm:cust-3")["text"], "We'll make an exception and refund you.");
        let mark = one_to_agents(&out).clone();
        let out = bot.click("agent-1", &button(&mark, "mark_refunded"));
        assert!(texts_to(&out, "dm:cust-3").contains("$19.00"), "{out:#?}");
        bot.stop();
        let shown = fixture.case(case_id(&draft));
        assert_eq!(shown["outcome"], "refunded");
        assert_eq!(shown["refunds"][0]["amount_minor"], 1900);
    }

    fn only_agents_act_on_drafts(fixture: &Fixture) {
        let mut bot = fixture.local();
        let draft = request(
            &mut bot,
            "cust-1",
            "ORD-1001",
            "alice@example.com",
            "accidental_purchase",
            "refund",
        );
        let out = bot.click("cust-1", &button(&draft, "approve"));
        assert_eq!(
            sends_to(&out, "dm:cust-1").len(),
            1,
            "a refusal, not the draft"
        );
        assert!(!one_to(&out, "dm:cust-1")["text"]
            .as_str()
            .unwrap()
            .contains("approved"));
        bot.stop();
        let shown = fixture.case(case_id(&draft));
        assert_eq!(shown["state"], "awaiting_agent");
    }

    fn reminders_repeat_once_per_interval(fixture: &Fixture) {
        let mut bot = fixture.local();
        let draft = request(
            &mut bot,
            "cust-1",
            "ORD-1001",
            "alice@example.com",
            "accidental_purchase",
            "refund",
        );
        assert!(to_agents(&bot.tick(59 * 60)).is_empty());
        let out = bot.tick(60);
        let reminder = one_to_agents(&out);
        assert_eq!(reminder["mentions"], serde_json::json!(["role:agents"]));
        // A long pause brings one reminder, not a burst.
        assert_eq!(to_agents(&bot.tick(10 * 3600)).len(), 1);
        bot.click("agent-1", &button(&draft, "approve"));
        let later = bot.tick(5 * 3600);
        assert!(
            to_agents(&later).is_empty(),
            "no reminder after approval: {later:#?}"
        );

        let post = escalate(&mut bot);
        assert!(sends_to(&bot.tick(3 * 3600), MANAGERS).is_empty());
        let out = bot.tick(3600);
        assert_eq!(
            one_to(&out, MANAGERS)["mentions"],
            serde_json::json!(["role:managers"])
        );
        bot.react("manager-1", &id(&post), "✅");
        assert!(sends_to(&bot.tick(8 * 3600), MANAGERS).is_empty());
    }

    fn a_restart_mid_case_resumes_with_nothing_lost_or_repeated(fixture: &Fixture) {
        let mut bot = fixture.local();
        bot.say("cust-1", "Hi, I'd like a refund please");
        let out = bot.say("cust-1", "ORD-1001 alice@example.com");
        let ask_reason = one_to(&out, "dm:cust-1").clone();
        bot.stop();

        let mut bot = fixture.local();
        let out = bot.click("cust-1", &button(&ask_reason, "reason:accidental_purchase"));
        assert_eq!(
            one_to(&out, "dm:cust-1")["expects"],
            "details",
            "the conversation resumed: {out:#?}"
        );
        let out = bot.say("cust-1", "Clicked the wrong product");
        let ask = one_to(&out, "dm:cust-1").clone();
        let out = bot.click("cust-1", &button(&ask, "resolution:refund"));
        let summary = one_to(&out, "dm:cust-1").clone();
        let out = bot.click("cust-1", &button(&summary, "confirm"));
        let draft = one_to_agents(&out).clone();
        bot.stop();

        let mut bot = fixture.local();
        let out = bot.click("agent-1", &button(&draft, "approve"));
        assert_eq!(sends_to(&out, "dm:cust-1").len(), 1);
        let mark = one_to_agents(&out).clone();
        bot.stop();
        let mut bot = fixture.local();
        bot.click("agent-1", &button(&mark, "mark_refunded"));
        bot.stop();

        let shown = fixture.case(case_id(&draft));
        assert_eq!(shown["outcome"], "refunded");
        assert_eq!(shown["refunds"].as_array().unwrap().len(), 1);
        assert_eq!(fixture.cases().len(), 1);
    }

    fn the_same_order_twice_points_to_the_open_case(fixture: &Fixture) {
        let mut bot = fixture.local();
        let draft = request(
            &mut bot,
            "cust-1",
            "ORD-1001",
            "alice@example.com",
            "accidental_purchase",
            "refund",
        );
        // Another chat user who knows the pair gets pointed at the open case, not a second one.
        bot.say("cust-9", "refund please");
        let out = bot.say("cust-9", "ORD-1001 alice@example.com");
        let text = one_to(&out, "dm:cust-9")["text"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(text.contains(&format!("#{}", case_id(&draft))), "{text}");
        bot.stop();
        let open: Vec<Value> = fixture
            .cases()
            .into_iter()
            .filter(|c| c["outcome"] == "open")
            .collect();
        assert_eq!(open.len(), 1);
    }
}
