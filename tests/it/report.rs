//! `refund-bot report` over cases made through the bot: outcomes, reasons, money, feedback, weeks.

use crate::support::*;
use serde_json::Value;

fn report(fixture: &Fixture, args: &[&str]) -> std::process::Output {
    let mut all = vec!["report", "--since", "2026-11-01T00:00:00Z", "--until", "2026-12-01T00:00:00Z"];
    all.extend_from_slice(args);
    fixture.cli(&all)
}

crate::on_both_backends! {
    fn a_report_counts_what_the_cases_did(fixture: &Fixture) {
        let mut bot = fixture.local();
        // A full refund the customer rates 4, and a denial.
        a_refund_and_a_denial(&mut bot, 4);
        bot.stop();

        let out = report(fixture, &["--json"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let figures: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(figures["cases"], 2, "{figures:#}");
        assert_eq!((figures["outcomes"]["refunded"].as_i64(), figures["outcomes"]["denied"].as_i64()), (Some(1), Some(1)));
        let reasons = figures["reasons"].as_array().unwrap();
        let changed_mind = reasons.iter().find(|r| r["reason"] == "changed_mind").unwrap();
        assert_eq!((changed_mind["cases"].as_i64(), changed_mind["denied"].as_i64()), (Some(1), Some(1)));
        let accidental = reasons.iter().find(|r| r["reason"] == "accidental_purchase").unwrap();
        assert_eq!(accidental["refunded"], 1);
        assert_eq!(figures["refunded"][0]["amount"], "$49.00");
        let products = figures["products"].as_array().unwrap();
        let course = products.iter().find(|p| p["product"] == "Web Design Course").unwrap();
        assert_eq!((course["cases"].as_i64(), course["refunded"].as_i64()), (Some(1), Some(1)));
        assert_eq!(figures["refunded"][0]["processor"], "manual");
        assert_eq!(figures["feedback"]["average"], 4.0);
        // The cases were opened on Monday 2026-11-23.
        let week = figures["weeks"].as_array().unwrap().iter().find(|w| w["starts"] == "2026-11-23").unwrap();
        assert_eq!((week["opened"].as_i64(), week["refunds"].as_i64()), (Some(2), Some(1)));

        let text = String::from_utf8(report(fixture, &[]).stdout).unwrap();
        assert!(text.contains("Cases opened: 2") && text.contains("$49.00 in 1 refund(s) by manual"), "{text}");

        let backwards = fixture.cli(&["report", "--since", "2026-12-01T00:00:00Z", "--until", "2026-11-01T00:00:00Z"]);
        assert_eq!(backwards.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&backwards.stderr).contains("--since"));
    }
}
