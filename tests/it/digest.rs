//! The weekly digest: it runs on schedule as the clock moves (`tick`), once a week, posts the
//! week's figures to managers with the chart attached as a PNG of the expected size, shows the
//! attachment by name in jsonl, and `report --chart` / `--format csv` give the same picture
//! and rows.

use crate::support::*;
use base64::Engine as _;
use serde_json::Value;

const DIGEST: &str = "[digest]\nenabled = true\nweekday = \"monday\"\nhour = 9\ntimezone = \"UTC\"\n";

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let reader = png::Decoder::new(bytes).read_info().expect("a PNG");
    (reader.info().width, reader.info().height)
}

fn digests(out: &[Value]) -> Vec<&Value> {
    sends_to(out, "channel:managers")
        .into_iter()
        .filter(|v| v["text"].as_str().unwrap().contains("Weekly refund digest"))
        .collect()
}

crate::on_both_backends! {
    fn the_digest_goes_out_weekly_with_its_chart(fixture: &Fixture) {
        let config = std::fs::read_to_string(fixture.config()).unwrap().replace("digest = { enabled = false }\n", "");
        let config = format!("{config}\n{DIGEST}");
        std::fs::write(fixture.config(), config).unwrap();
        let mut bot = fixture.local();
        // Monday 2026-11-23 12:00: a refund rated with a comment, and a denial.
        a_refund_and_a_denial(&mut bot, 2);
        bot.say("cust-1", "The refund was fine but the course videos kept buffering");
        // Monday 2026-11-30 08:59: not yet.
        let out = bot.tick(3 * 86400 + 20 * 3600 + 59 * 60);
        assert!(digests(&out).is_empty(), "{out:#?}");
        // 09:00: the digest, once.
        let out = bot.tick(60);
        let digest = digests(&out);
        assert_eq!(digest.len(), 1, "{out:#?}");
        let text = digest[0]["text"].as_str().unwrap();
        for part in ["2026-11-23 to 2026-11-30", "Requests: **2**", "refunded 1", "denied 1", "Refunded: **$49.00**", "I bought it by accident: 1 (new)", "Web Design Course: 1 (new)", "Feedback: 2.0 / 5", "kept buffering"] {
            assert!(text.contains(part), "{part:?} in {text}");
        }
        assert!(digest[0]["mentions"].as_array().unwrap().is_empty(), "a digest pings nobody");
        let file = &digest[0]["attachment"];
        assert_eq!(file["name"], "refunds-by-reason-2026-11-23.png");
        assert_eq!(file["content_type"], "image/png");
        let bytes = base64::engine::general_purpose::STANDARD.decode(file["data"].as_str().unwrap()).unwrap();
        assert_eq!(file["size"].as_u64(), Some(bytes.len() as u64));
        assert_eq!(png_size(&bytes), (960, 480));
        // Nothing more the same week; the next Monday, the next digest.
        assert!(digests(&bot.tick(6 * 86400)).is_empty());
        assert_eq!(digests(&bot.tick(86400)).len(), 1);
        bot.stop();

        // The jsonl adapter shows the attachment by name and size, without its bytes; a restart
        // does not send a week twice.
        let mut bot = fixture.start();
        let out = bot.tick(20 * 86400 + 20 * 3600);
        assert!(digests(&out).is_empty(), "{out:#?}");
        let out = bot.tick(3600);
        let digest = digests(&out);
        assert_eq!(digest.len(), 1, "{out:#?}");
        assert_eq!(digest[0]["attachment"]["name"], "refunds-by-reason-2026-12-07.png");
        assert!(digest[0]["attachment"]["size"].as_u64().unwrap() > 1000);
        assert!(digest[0]["attachment"].get("data").is_none());
        bot.stop();

        // `report --chart` draws the same picture, `--format csv` gives its rows.
        let chart = fixture.path().join("chart.png");
        let out = fixture.cli(&["report", "--since", "2026-11-01T00:00:00Z", "--until", "2026-12-01T00:00:00Z", "--chart", chart.to_str().unwrap()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(png_size(&std::fs::read(&chart).unwrap()), (960, 480));
        let out = fixture.cli(&["report", "--since", "2026-11-01T00:00:00Z", "--until", "2026-12-01T00:00:00Z", "--format", "csv"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let csv = String::from_utf8(out.stdout).unwrap();
        assert!(csv.starts_with("week_start,reason,requests,refunds,refunded\n"), "{csv}");
        assert!(csv.contains("2026-11-23,accidental_purchase,1,1,49.00 USD\n"), "{csv}");
        assert!(csv.contains("2026-11-23,changed_mind,1,0,\n"), "{csv}");
    }
}

/// A Spanish-speaking seller (`locale = "es"`) reads the whole digest in Spanish: the outcomes,
/// the reasons, the trends, the times and the feedback line are the template's words, not
/// English from the code.
#[test]
fn the_digest_speaks_the_seller_s_locale() {
    let fixture = Fixture::with_config(&format!("locale = \"es\"\n{DIGEST}"));
    let mut bot = fixture.local();
    let draft = request(&mut bot, "cust-1", "ORD-1001", "alice@example.com", "accidental_purchase", "refund");
    let out = bot.click("agent-1", &button(&draft, "approve"));
    let mark = one_to_agents(&out).clone();
    bot.click("agent-1", &button(&mark, "mark_refunded"));
    // From Monday 12:00 to the next Monday 09:00.
    let out = bot.tick(6 * 86400 + 21 * 3600);
    bot.stop();
    let digest = sends_to(&out, "channel:managers")
        .into_iter()
        .find(|v| v["text"].as_str().unwrap().contains("Resumen semanal de reembolsos"))
        .unwrap_or_else(|| panic!("a digest in Spanish: {out:#?}"));
    let text = digest["text"].as_str().unwrap();
    for part in [
        "reembolsadas 1",
        "Reembolsado: **$49.00**",
        "• Lo compré por error: 1 (nuevo)",
        "Web Design Course: 1 (nuevo)",
        "sin respuestas",
    ] {
        assert!(text.contains(part), "{part:?} in {text}");
    }
    for english in ["refunded 1", "(new)", "on the 4 weeks before", "no answers", "nothing", "days"] {
        assert!(!text.contains(english), "{english:?} in {text}");
    }
}
