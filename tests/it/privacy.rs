//! `customer forget` and `[retention] days`: afterwards no text column of any table (read from
//! the schema, so tables added later are searched too) holds the customer's email, chat user
//! id or words, while the ledger and the report's figures stay as they were.

use crate::support::*;
use refund_bot::app::open;
use refund_bot::domain::Platform;
use serde_json::Value;

/// Words only this customer wrote.
const WORDS: &str = "my hamster Brunhilde ate the coupon";

/// Every `table.column` holding text, as the database describes itself.
async fn text_columns(conn: &mut sqlx::AnyConnection, postgres: bool) -> Vec<(String, String)> {
    let sql = if postgres {
        "SELECT CAST(table_name AS TEXT) AS t, CAST(column_name AS TEXT) AS c FROM information_schema.columns
         WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')"
    } else {
        "SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'"
    };
    let rows = sqlx::query(sql).fetch_all(conn).await.unwrap();
    rows.iter().map(|r| (sqlx::Row::get(r, "t"), sqlx::Row::get(r, "c"))).collect()
}

/// The `table.column`s where any of `needles` occurs, in any case.
fn holding(fixture: &Fixture, needles: &[&str]) -> Vec<String> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let app = open(Some(&fixture.config()), Platform::Local, false).await.unwrap();
        let store = app.engine.store();
        let postgres = store.backend() == refund_bot::store::Backend::Postgres;
        let mut tx = store.begin().await.unwrap();
        let columns = text_columns(tx.connection(), postgres).await;
        assert!(columns.len() > 40, "the schema has its text columns: {columns:?}");
        let mut found = Vec::new();
        for (table, column) in columns {
            for needle in needles {
                // Every column as text, whatever SQLite's declared type: nothing hides in a BLOB-typed one.
                let sql = format!(
                    "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM \"{table}\" WHERE lower(CAST(\"{column}\" AS TEXT)) LIKE $1"
                );
                let row = sqlx::query(&sql).bind(format!("%{}%", needle.to_lowercase())).fetch_one(tx.connection()).await.unwrap();
                let n: i64 = sqlx::Row::get(&row, "n");
                if n > 0 {
                    found.push(format!("{table}.{column} has {n} row(s) with {needle}"));
                }
            }
        }
        found
    })
}

fn report(fixture: &Fixture) -> Value {
    let out = fixture.cli(&["report", "--since", "2026-11-01T00:00:00Z", "--until", "2027-03-01T00:00:00Z", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut report: Value = serde_json::from_slice(&out.stdout).unwrap();
    report.as_object_mut().unwrap().remove("weeks");
    report
}

/// A refund for cust-alice, paid and rated with a comment in her own words; the agents' post.
fn refunded_with_feedback(bot: &mut impl Chat) -> i64 {
    let draft = request(bot, "cust-alice", "ORD-1001", "Alice@Example.com", "accidental_purchase", "refund");
    let case = case_id(&draft);
    // An agent talks with her in the case's thread for a moment: her words are relayed there.
    let out = bot.click("agent-1", &button(&draft, "take_over"));
    let started = one_to(&out, &format!("thread:{case}")).clone();
    let out = bot.say("cust-alice", "Brunhilde says hi from Alice's kitchen");
    assert!(one_to(&out, &format!("thread:{case}"))["text"].as_str().unwrap().contains("Brunhilde"));
    bot.click("agent-1", &button(&started, "hand_back"));
    approve_and_mark_refunded(bot, &draft);
    let out = bot.tick(3 * 86400);
    let ask = one_to(&out, "dm:cust-alice").clone();
    bot.click("cust-alice", &button(&ask, "feedback:4"));
    bot.say("cust-alice", &format!("{WORDS}, write to alice@example.com"));
    case_id(&draft)
}

crate::on_both_backends! {
    fn forget_erases_a_customer_everywhere_and_keeps_the_figures(fixture: &Fixture) {
        let mut bot = fixture.local();
        let paid = refunded_with_feedback(&mut bot);
        // Another customer, who stays.
        request(&mut bot, "cust-bob", "ORD-1002", "bob@example.com", "accidental_purchase", "refund");
        // Alice's second request is still open: forgetting her is refused and names it.
        let out = bot.say("cust-alice", "Also ORD-1005 please, alice@example.com");
        let asked = (*sends_to(&out, "dm:cust-alice").last().unwrap()).clone();
        let open_case = fixture.cases().iter().rev().find(|c| c["customer"] == "cust-alice").unwrap()["id"].as_i64().unwrap();
        let out = fixture.cli(&["customer", "forget", "alice@example.com"]);
        assert_eq!(out.status.code(), Some(2));
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains(&format!("case {open_case} is still open")) && said.contains("nothing was erased"), "{said}");
        assert!(!holding(fixture, &["alice@example.com"]).is_empty());
        bot.click("cust-alice", &button(&asked, "cancel"));
        let cases = fixture.cases();
        let open_case = cases.iter().find(|c| c["id"] == open_case).unwrap();
        assert_ne!(open_case["outcome"], "open", "{open_case:#}");
        bot.stop();

        let before = report(fixture);
        let out = fixture.cli(&["customer", "forget", "ALICE@example.com"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(said.contains("erasure 1") && said.contains("2 closed cases") && !said.contains("alice"), "{said}");

        let left = holding(fixture, &["alice@example.com", "cust-alice", "hamster brunhilde", "brunhilde says"]);
        assert!(left.is_empty(), "personal data left: {left:#?}");
        assert!(!holding(fixture, &["bob@example.com"]).is_empty(), "the search finds what is there");
        assert_eq!(report(fixture), before, "the figures stay");
        let shown = fixture.case(paid);
        assert_eq!(shown["customer"], "erased:1");
        assert_eq!((shown["refunds"][0]["amount_minor"].as_i64(), shown["outcome"].as_str()), (Some(4900), Some("refunded")));
        assert_eq!(shown["feedback"]["score"], 4);
        let erased: Vec<&Value> = shown["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "erased").collect();
        assert_eq!(erased.len(), 1, "{shown:#}");
        assert!(erased[0]["detail"].as_str().unwrap().contains("request"));

        // Once forgotten, there is nothing more to forget; the customer can come back as new.
        let again = fixture.cli(&["customer", "forget", "alice@example.com"]);
        assert!(String::from_utf8_lossy(&again.stdout).contains("nothing is stored"));
        assert_eq!(fixture.cli(&["customer", "forget", "not-an-email"]).status.code(), Some(2));
        let mut bot = fixture.local();
        let out = bot.say("cust-alice", "Hi, I'd like a refund please");
        assert_eq!(one_to(&out, "dm:cust-alice")["expects"], "order_id");
    }

    fn retention_forgets_customers_whose_cases_ended_long_ago(fixture: &Fixture) {
        std::fs::write(fixture.config(), format!("{}\n[retention]\ndays = 30\n", std::fs::read_to_string(fixture.config()).unwrap())).unwrap();
        let mut bot = fixture.local();
        let paid = refunded_with_feedback(&mut bot);
        // Bob's draft waits: his case is open and he is kept.
        request(&mut bot, "cust-bob", "ORD-1002", "bob@example.com", "accidental_purchase", "refund");
        bot.tick(20 * 86400);
        assert_eq!(fixture.case(paid)["customer"], "cust-alice", "not yet: 30 days after the case ended");
        bot.tick(11 * 86400);
        let left = holding(fixture, &["alice@example.com", "cust-alice", "hamster brunhilde", "brunhilde says"]);
        assert!(left.is_empty(), "personal data left: {left:#?}");
        assert!(!holding(fixture, &["bob@example.com", "cust-bob"]).is_empty(), "an open case keeps its customer");
        let shown = fixture.case(paid);
        let erased = shown["events"].as_array().unwrap().iter().find(|e| e["kind"] == "erased").unwrap().clone();
        assert!(erased["detail"].as_str().unwrap().contains("retention"), "{erased:#}");
        bot.stop();
    }
}
