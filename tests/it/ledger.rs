//! `refund-bot ledger export`: exactly the refunds that went back, with who approved them, and
//! the totals per currency; a draft, a denial or an approval not yet paid is not in it.

use crate::support::*;

fn export(fixture: &Fixture, args: &[&str]) -> Vec<csv::StringRecord> {
    let mut all = vec!["ledger", "export", "--format", "csv"];
    all.extend_from_slice(args);
    let out = fixture.cli(&all);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "date");
    assert_eq!(header.len(), 13, "{header:?}");
    reader.records().map(|r| r.unwrap()).collect()
}

crate::on_both_backends! {
    fn the_ledger_export_lists_what_went_back(fixture: &Fixture) {
        let mut bot = fixture.local();
        // Refunded by hand after an agent's approval.
        let draft = request(&mut bot, "cust-1", "ORD-1001", "alice@example.com", "accidental_purchase", "refund");
        let refunded = case_id(&draft);
        approve_and_mark_refunded(&mut bot, &draft);
        // An exception a manager approved, then an agent, then paid.
        let post = request(&mut bot, "cust-4", "ORD-1003", "carol@example.com", "technical_issue", "refund");
        let exception = case_id(&post);
        let out = bot.react("manager-1", &id(&post), "✅");
        approve_and_mark_refunded(&mut bot, one_to_agents(&out));
        // Approved but not paid yet, and a draft nobody approved: neither went back.
        let draft = request(&mut bot, "cust-2", "ORD-1002", "bob@example.com", "accidental_purchase", "refund");
        bot.click("agent-1", &button(&draft, "approve"));
        request(&mut bot, "cust-5", "ORD-1005", "alice@example.com", "changed_mind", "refund");
        bot.stop();

        let rows = export(fixture, &[]);
        assert_eq!(rows.len(), 3, "two refunds and one total: {rows:#?}");
        let first = &rows[0];
        assert_eq!(
            (&first[1], &first[2], &first[3], &first[4], &first[5], &first[6]),
            ("ORD-1001", "alice@example.com", "Web Design Course", "49.00", "USD", "manual")
        );
        assert_eq!((&first[8], &first[9], &first[10], &first[11], &first[12]), ("succeeded", &*refunded.to_string(), "agent-1", "", "agent-1"));
        assert!(first[0].starts_with("2026-11-23T"), "{first:?}");
        let second = &rows[1];
        assert_eq!((&second[1], &second[4], &second[9], &second[11]), ("ORD-1003", "19.00", &*exception.to_string(), "manager-1"));
        assert_eq!((&rows[2][0], &rows[2][1], &rows[2][4], &rows[2][5]), ("total", "2 refunds", "68.00", "USD"));

        // The period bounds the rows and the totals.
        assert!(export(fixture, &["--since", "2026-11-24T00:00:00Z"]).is_empty());
        let out = fixture.cli(&["ledger", "export", "--since", "2026-12-01T00:00:00Z", "--until", "2026-11-01T00:00:00Z"]);
        assert_eq!(out.status.code(), Some(2));
        let file = fixture.path().join("ledger.csv");
        let out = fixture.cli(&["ledger", "export", "--until", "2026-12-01T00:00:00Z", "-o", file.to_str().unwrap()]);
        assert!(out.status.success());
        assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 4);
    }
}
