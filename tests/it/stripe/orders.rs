//! Orders found on Stripe when they are not among the imported ones: a guest checkout's charge
//! by its id, a Stripe customer's charges by the purchase email. The proof (id and email) is
//! checked as for imported orders.

use super::mock::StripeMock;
use super::*;

/// The mock stamps charges with the real time, so these bots run on the real clock.
fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}

fn created(mock: &StripeMock, path: &str, form: &[(&str, &str)]) -> String {
    let (status, object) = mock.call("POST", path, form, None);
    assert_eq!(status, 200, "{object}");
    object["id"].as_str().unwrap().to_string()
}

fn text(post: &Value) -> &str {
    post["text"].as_str().unwrap_or_default()
}

crate::on_both_backends! {
    fn an_order_only_on_stripe_is_found_by_its_charge_id(fixture: &Fixture) {
        let mock = StripeMock::start();
        // A guest checkout: no Stripe customer, the email only on the receipt.
        let charge = created(&mock, "/v1/charges", &[
            ("amount", "2900"), ("currency", "usd"), ("source", "tok_visa"), ("receipt_email", "Erin@Example.com"),
            ("description", "Icon Pack"), ("metadata[usage_progress_percent]", "5"),
        ]);
        use_stripe(fixture, &mock.base);
        let mut bot = fixture.start_env(&now(), &[KEY]);
        let draft = request(&mut bot, "cust-7", &charge, "erin@example.com", "accidental_purchase", "refund");
        assert!(text(&draft).contains("Icon Pack"), "{draft}");
        let case = case_id(&draft);
        let out = approve(&mut bot, &draft, "cust-7");
        assert!(issued(&out, "dm:cust-7"), "{out:#?}");
        assert!(texts(&out, "dm:cust-7").contains("$29.00"), "{out:#?}");
        bot.stop();
        let refunds = mock.refunds(&charge);
        assert_eq!(refunds.len(), 1, "refunded on the charge the customer named: {refunds:#?}");
        assert_eq!(refunds[0]["amount"], 2900);
        let shown = fixture.case(case);
        assert_eq!(shown["order_id"], charge.to_uppercase());
        assert_eq!(shown["outcome"], "refunded");
        assert!(kinds(&shown).contains(&"order_proven".to_string()));
    }

    fn a_stripe_customers_charges_are_found_by_email_and_order_id(fixture: &Fixture) {
        let mock = StripeMock::start();
        let customer = created(&mock, "/v1/customers", &[("email", "frank@example.com"), ("source", "tok_visa")]);
        for order in ["SHOP-5001", "SHOP-5002"] {
            created(&mock, "/v1/charges", &[
                ("amount", "4900"), ("currency", "usd"), ("customer", &customer),
                ("metadata[order_id]", order), ("metadata[sku]", "course-webdesign"),
                ("metadata[product]", "Web Design Course"), ("metadata[usage_progress_percent]", "3"),
            ]);
        }
        use_stripe(fixture, &mock.base);
        let mut bot = fixture.start_env(&now(), &[KEY]);
        let post = request(&mut bot, "cust-8", "SHOP-5002", "Frank@Example.com", "duplicate_purchase", "refund");
        // The other charge of that email came along, so the duplicate is confirmed.
        assert!(text(&post).contains("SHOP-5001"), "{post}");
        bot.stop();
        let shown = fixture.case(case_id(&post));
        assert_eq!(shown["order_id"], "SHOP-5002");
    }

    fn stripe_orders_still_need_the_purchase_email(fixture: &Fixture) {
        let mock = StripeMock::start();
        let charge = created(&mock, "/v1/charges", &[
            ("amount", "2900"), ("currency", "usd"), ("source", "tok_visa"), ("receipt_email", "grace@example.com"),
        ]);
        use_stripe(fixture, &mock.base);
        let mut bot = fixture.start_env(&now(), &[KEY]);
        bot.say("cust-9", "Hi, I'd like a refund please");
        for attempt in [format!("Order {charge}, email mallory@example.com"), "Order ch_NoSuchCharge1 grace@example.com".into()] {
            let out = bot.say("cust-9", &attempt);
            let reply = one_to(&out, "dm:cust-9");
            assert_eq!(reply["expects"], "order_id", "{attempt}: {reply}");
            assert!(!text(reply).contains("2900") && !text(reply).contains("29.00"), "{reply}");
        }
        // The right pair is proven at once: the order was stored by the first look-up.
        let out = bot.say("cust-9", &format!("Order {charge}, email grace@example.com"));
        let ask_reason = one_to(&out, "dm:cust-9");
        assert!(ask_reason["buttons"].to_string().contains("reason:accidental_purchase"), "{ask_reason}");
        bot.stop();
    }

    fn stripe_down_is_not_the_customers_mistake(fixture: &Fixture) {
        // Nothing listens there: every look-up goes unanswered.
        use_stripe_unreachable(fixture);
        let mut bot = fixture.start_env(&now(), &[KEY]);
        bot.say("cust-9", "Hi, I'd like a refund please");
        let out = bot.say("cust-9", "Order ch_3AbCdEfGhIjK, email ivy@example.com");
        let reply = one_to(&out, "dm:cust-9");
        assert!(text(reply).contains("can't reach our order records"), "{reply}");
        assert_eq!(reply["expects"], "order_id");
        // A second time, a person takes over instead of asking again.
        let out = bot.say("cust-9", "Order ch_3AbCdEfGhIjK, email ivy@example.com");
        let handoff = one_to_agents(&out);
        assert!(text(handoff).contains("did not answer"), "{handoff}");
        bot.stop();
        let cases: Value = serde_json::from_slice(&fixture.cli(&["case", "list", "--json"]).stdout).unwrap();
        let shown = fixture.case(cases[0]["id"].as_i64().unwrap());
        assert_eq!(shown["state"], "awaiting_agent");
        assert!(!kinds(&shown).contains(&"order_not_matched".to_string()), "no failed attempt counted");
    }

    fn an_order_is_found_by_its_charge_id_too(fixture: &Fixture) {
        // Imported with its charge; the customer has only the charge id at hand.
        import_order(fixture, "ORD-1001", "ch_3AbCdEf123", "0.00");
        let mut bot = fixture.start();
        let draft = request(&mut bot, "cust-1", "ch_3AbCdEf123", "alice@example.com", "accidental_purchase", "refund");
        bot.stop();
        assert_eq!(fixture.case(case_id(&draft))["order_id"], "ORD-1001");
    }
}
