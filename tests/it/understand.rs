//! `refund-bot understand` on the eval set (tests/data/understand/eval.jsonl): reasons, flags,
//! questions, order ids and emails, per language and for the blind and tuned parts, against the
//! floors agreed in BENCHMARKS.md. Run with `--nocapture` to see the table.

use crate::support::*;
use serde_json::Value;
use std::collections::BTreeMap;

const SELLER: &str = "[intake]\nseller_emails = [\"billing@brightcourses.com\", \"@brightcourses.com\"]\n";

/// Figures for one slice of the set.
#[derive(Default, Debug)]
struct Tally {
    messages: usize,
    with_reason: usize,
    reason_right: usize,
    not_understood: usize,
    questions: usize,
    question_right: usize,
    /// flag -> (expected, flagged right, flagged falsely)
    flags: BTreeMap<String, (usize, usize, usize)>,
    ids_right: usize,
    emails_right: usize,
}

impl Tally {
    fn add(&mut self, expected: &Value, read: &Value) {
        self.messages += 1;
        if !expected["reason"].is_null() {
            self.with_reason += 1;
            self.reason_right += usize::from(read["reason"] == expected["reason"]);
            self.not_understood += usize::from(read["reason"].is_null());
        }
        if !expected["question"].is_null() {
            self.questions += 1;
            self.question_right += usize::from(read["topic"] == expected["question"]);
        }
        let want = strings(&expected["flags"]);
        let got = strings(&read["flags"]);
        for flag in ["chargeback_risk", "legal_threat", "abusive"] {
            let entry = self.flags.entry(flag.into()).or_default();
            let (w, g) = (want.iter().any(|f| f == flag), got.iter().any(|f| f == flag));
            entry.0 += usize::from(w);
            entry.1 += usize::from(w && g);
            entry.2 += usize::from(g && !w);
        }
        self.ids_right += usize::from(strings(&read["order_ids"]) == strings(&expected["order_ids"]));
        self.emails_right += usize::from(strings(&read["emails"]) == strings(&expected["emails"]));
    }

    fn reason_accuracy(&self) -> f64 {
        ratio(self.reason_right, self.with_reason)
    }

    fn row(&self, name: &str) -> String {
        let flag = |f: &str| {
            let (want, right, false_) = self.flags.get(f).copied().unwrap_or_default();
            format!("{right}/{want}, {false_} false")
        };
        format!(
            "| {name} | {} | {}/{} ({:.0} %) | {} | {}/{} | {} | {} | {} | {}/{} | {}/{} |",
            self.messages,
            self.reason_right,
            self.with_reason,
            100.0 * self.reason_accuracy(),
            self.not_understood,
            self.question_right,
            self.questions,
            flag("chargeback_risk"),
            flag("legal_threat"),
            flag("abusive"),
            self.ids_right,
            self.messages,
            self.emails_right,
            self.messages,
        )
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

fn strings(value: &Value) -> Vec<String> {
    let mut list: Vec<String> = value
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_uppercase)).collect())
        .unwrap_or_default();
    list.sort();
    list
}

#[test]
fn the_eval_set_is_read_above_the_floors() {
    let fixture = Fixture::with_config(SELLER);
    let set = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/understand/eval.jsonl");
    let out = fixture.cli(&["understand", set]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let expected: Vec<Value> =
        std::fs::read_to_string(set).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let read: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(read.len(), expected.len(), "one reading per message");
    assert!(expected.len() >= 150, "the set holds at least 150 messages");

    let mut all = Tally::default();
    let mut by_set: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_language: BTreeMap<String, Tally> = BTreeMap::new();
    let mut misses = vec![];
    for (want, got) in expected.iter().zip(&read) {
        assert_eq!(want["id"], got["id"], "readings come back in order, with their id");
        all.add(want, got);
        by_set.entry(want["set"].as_str().unwrap().into()).or_default().add(want, got);
        by_language.entry(want["lang"].as_str().unwrap().into()).or_default().add(want, got);
        if want["reason"] != got["reason"] || strings(&want["flags"]) != strings(&got["flags"]) {
            misses.push(format!("{} {} -> {} {}", want["id"], want["reason"], got["reason"], got["flags"]));
        }
    }
    println!("| part | messages | reason right | not understood | questions | chargeback | legal threat | abusive | order ids | emails |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (name, tally) in by_set.iter().chain(&by_language) {
        println!("{}", tally.row(name));
    }
    println!("{}", all.row("all"));
    println!("misses:\n{}", misses.join("\n"));

    // The floors (BENCHMARKS.md, "Understanding customers").
    assert!(all.reason_accuracy() >= 0.80, "reason accuracy {:.2}", all.reason_accuracy());
    assert!(ratio(all.not_understood, all.with_reason) <= 0.10, "not understood {}", all.not_understood);
    assert!(ratio(all.question_right, all.questions) >= 0.85, "questions {}/{}", all.question_right, all.questions);
    let (want, right, false_) = all.flags["chargeback_risk"];
    assert!(right == want && false_ <= 1, "chargeback {right}/{want}, {false_} false");
    let (want, right, false_) = all.flags["abusive"];
    assert!(ratio(right, want) >= 0.85 && false_ == 0, "abusive {right}/{want}, {false_} false");
    let (want, right, false_) = all.flags["legal_threat"];
    assert!(ratio(right, want) >= 0.85 && false_ <= 1, "legal {right}/{want}, {false_} false");
    assert!(ratio(all.ids_right, all.messages) >= 0.95, "order ids {}/{}", all.ids_right, all.messages);
    assert!(ratio(all.emails_right, all.messages) >= 0.98, "emails {}/{}", all.emails_right, all.messages);
    for (language, tally) in &by_language {
        assert!(tally.reason_accuracy() >= 0.65, "{language}: reason accuracy {:.2}", tally.reason_accuracy());
    }
}

#[test]
fn plain_lines_and_json_lines_from_stdin() {
    let fixture = Fixture::with_config(SELLER);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_refund-bot"))
        .arg("--config")
        .arg(fixture.config())
        .arg("understand")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    let input = "I was charged twice, order ORD-1001, ALICE@example.com<mailto:alice@example.com>\n\n{\"text\":\"pay billing@brightcourses.com back? no: refund me or my bank will do a chargeback\",\"id\":7}\n";
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2, "blank lines are skipped");
    assert_eq!(lines[0]["reason"], "duplicate_purchase");
    assert_eq!(lines[0]["order_ids"], serde_json::json!(["ORD-1001"]));
    assert_eq!(lines[0]["emails"], serde_json::json!(["alice@example.com"]));
    for key in ["confidence", "alternatives", "resolution", "flags", "language", "question"] {
        assert!(lines[0].get(key).is_some(), "{key} in {}", lines[0]);
    }
    assert_eq!(lines[1]["id"], 7);
    assert_eq!(lines[1]["emails"], serde_json::json!([]), "the seller's address is not the customer's");
    assert_eq!(lines[1]["flags"], serde_json::json!(["chargeback_risk"]));
    assert_eq!(lines[1]["resolution"], "refund");
}

#[test]
fn a_broken_order_pattern_stops_with_exit_2() {
    let fixture = Fixture::with_config("[intake]\norder_patterns = [\"(unclosed\"]\n");
    let out = fixture.cli(&["understand", "/dev/null"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("order_patterns"));
}
