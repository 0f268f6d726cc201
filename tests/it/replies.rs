//! Reply templates: every reply renders, overrides load, broken or loose templates are refused,
//! and customer text can never ping anyone.

use refund_bot::replies::{neutralise_mentions, Replies, RepliesError, Reply};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const ZWSP: char = '\u{200B}';

fn override_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("en")).unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join("en").join(name), text).unwrap();
    }
    dir
}

fn load_err(dir: &Path, locale: &str) -> String {
    match Replies::load(Some(dir), locale) {
        Ok(_) => panic!("expected {} to be refused", dir.display()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn every_sample_renders_non_empty_and_trimmed() {
    let replies = Replies::builtin();
    let samples = Reply::samples();
    for sample in &samples {
        let text = replies.render(sample).unwrap_or_else(|e| panic!("{sample:?}: {e}"));
        assert!(!text.trim().is_empty(), "{} rendered empty", sample.template_name());
        assert_eq!(text, text.trim_end(), "{} has trailing whitespace", sample.template_name());
        assert!(!text.contains("\n\n\n"), "{} has a run of blank lines:\n{text}", sample.template_name());
    }
    // At least one sample of every variant.
    let sampled: BTreeSet<_> = samples.iter().map(Reply::template_name).collect();
    let all: BTreeSet<_> = Reply::template_names().into_iter().collect();
    assert_eq!(sampled, all);
}

#[test]
fn template_name_is_the_serialized_tag() {
    for sample in Reply::samples() {
        let json = serde_json::to_value(&sample).unwrap();
        assert_eq!(json["template"], sample.template_name());
        let back: Reply = serde_json::from_value(json).unwrap();
        assert_eq!(back, sample);
    }
    assert_eq!(Reply::AskEmail { order_id: "ORD-1".into() }.template_name(), "ask_email");
}

#[test]
fn every_variant_has_a_file_and_no_file_is_stray() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("replies/en");
    // Besides the templates, only the snippets' folder.
    let files: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() || !p.ends_with("snippets"))
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let expected: BTreeSet<String> = Reply::template_names().iter().map(|n| format!("{n}.hbs")).collect();
    assert_eq!(files, expected);
}

#[test]
fn built_in_templates_never_use_triple_stash() {
    // Triple-stash skips the escape function, which is what keeps customer text from pinging.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("replies/en");
    for name in Reply::template_names() {
        let text = std::fs::read_to_string(dir.join(format!("{name}.hbs"))).unwrap();
        assert!(!text.contains("{{{"), "{name}.hbs uses {{{{{{ }}}}}}");
        assert!(!text.contains("!!"), "{name}.hbs shouts");
    }
}

#[test]
fn folder_override_replaces_only_that_template() {
    let dir = override_dir(&[("ask_email.hbs", "Order {{order_id}}: which email did you buy it with?\n\n")]);
    let replies = Replies::load(Some(dir.path()), "en").unwrap();
    let text = replies.render(&Reply::AskEmail { order_id: "ORD-7".into() }).unwrap();
    assert_eq!(text, "Order ORD-7: which email did you buy it with?");
    let builtin = Replies::builtin().render(&Reply::Cancelled {}).unwrap();
    assert_eq!(replies.render(&Reply::Cancelled {}).unwrap(), builtin);
}

#[test]
fn missing_folder_for_en_falls_back_to_built_ins() {
    let dir = tempfile::tempdir().unwrap();
    let replies = Replies::load(Some(&dir.path().join("nope")), "en").unwrap();
    assert!(replies.render(&Reply::IdleClosed {}).unwrap().contains("closed"));
}

#[test]
fn other_locale_needs_its_folder_and_falls_back_per_template() {
    // French ships built in; Italian needs a folder.
    assert!(Replies::load(None, "fr").unwrap().render(&Reply::Cancelled {}).unwrap().starts_with("C'est fait"));
    let err = Replies::load(None, "it").unwrap_err().to_string();
    assert!(err.contains("\"it\""), "{err}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("it")).unwrap();
    std::fs::write(dir.path().join("it/cancelled.hbs"), "Annullato.").unwrap();
    let replies = Replies::load(Some(dir.path()), "it").unwrap();
    assert_eq!(replies.render(&Reply::Cancelled {}).unwrap(), "Annullato.");
    let builtin = Replies::builtin().render(&Reply::IdleClosed {}).unwrap();
    assert_eq!(replies.render(&Reply::IdleClosed {}).unwrap(), builtin);
    assert!(matches!(Replies::load(Some(dir.path()), "../en"), Err(RepliesError::Locale { .. })));
}

#[test]
fn broken_override_is_refused_naming_file_and_position() {
    let dir = override_dir(&[("summary.hbs", "Order {{order_id}}\nProduct {{#if product}}x\n")]);
    let err = Replies::load(Some(dir.path()), "en").unwrap_err();
    let text = err.to_string();
    assert!(text.contains("summary.hbs"), "{text}");
    assert!(matches!(err, RepliesError::Template { .. }), "{err:?}");

    let dir = override_dir(&[("summary.hbs", "Order {{order_id}}\nProduct {{product)}}\nThanks\n")]);
    let err = Replies::load(Some(dir.path()), "en").unwrap_err();
    match &err {
        RepliesError::Template { file, line, column, .. } => {
            assert!(file.ends_with("summary.hbs"), "{err}");
            assert_eq!(*line, Some(2), "{err}");
            assert!(column.is_some(), "{err}");
        }
        other => panic!("expected a template error, got {other:?}"),
    }
}

#[test]
fn unknown_variable_is_refused_at_load() {
    let dir = override_dir(&[("submitted.hbs", "Case #{{case_id}}, reply within {{reply_whithin}}.")]);
    let text = load_err(dir.path(), "en");
    assert!(text.contains("submitted.hbs"), "{text}");
    assert!(text.contains("reply_whithin"), "{text}");
}

#[test]
fn misspelt_condition_is_refused_at_load() {
    // The stock `if` would treat a typo as false and silently drop the branch.
    let dir = override_dir(&[("refund_issued.hbs", "{{#if parital}}Part of {{/if}}{{amount}} is on its way.")]);
    let text = load_err(dir.path(), "en");
    assert!(text.contains("refund_issued.hbs") && text.contains("parital"), "{text}");
}

#[test]
fn stray_template_file_is_refused() {
    let dir = override_dir(&[("ask_emial.hbs", "Which email?"), ("README.md", "notes")]);
    let text = load_err(dir.path(), "en");
    assert!(text.contains("ask_emial.hbs"), "{text}");
}

#[test]
fn customer_text_cannot_ping() {
    let replies = Replies::builtin();
    let nasty = "hey @everyone and @here, <@123> <@!456> <@&789> <#42> <!channel> @Everyone";
    let summary = Reply::Summary {
        order_id: "ORD-1001".into(),
        product: "Web Design Course".into(),
        amount_paid: "$49.00".into(),
        reason_label: "Other".into(),
        details: nasty.into(),
        resolution_label: "Refund".into(),
    };
    let alert = Reply::AgentAlert {
        case_id: 3,
        customer: "cust-1".into(),
        kind: "chargeback_risk".into(),
        excerpt: nasty.into(),
    };
    for reply in [summary, alert] {
        let text = replies.render(&reply).unwrap();
        for token in ["@everyone", "@here", "<@", "<#", "<!", "@Everyone"] {
            assert!(!text.contains(token), "{token} survived in:\n{text}");
        }
        assert!(text.contains("@\u{200B}everyone") && text.contains("<\u{200B}@123>"), "{text}");
    }
}

#[test]
fn neutralising_is_idempotent_and_leaves_plain_text_alone() {
    let plain = "alice@example.com paid $49.00 for \"Web Design\" <3 & more";
    assert_eq!(neutralise_mentions(plain), plain);
    let once = neutralise_mentions("@here <@1>");
    assert_eq!(once.matches(ZWSP).count(), 2);
    assert_eq!(neutralise_mentions(&once), once);
}

#[test]
fn system_text_is_shown_as_it_came_but_cannot_ping() {
    let replies = Replies::builtin();
    let text = replies
        .render(&Reply::ManagerPolicyRefused { error: "unknown field `window_dayz` @everyone <@1>".into() })
        .unwrap();
    assert!(text.ends_with("\nunknown field `window_dayz` @\u{200B}everyone <\u{200B}@1>"), "{text}");
}

#[test]
fn multi_line_customer_text_is_quoted_line_by_line() {
    let replies = Replies::builtin();
    let text = replies
        .render(&Reply::AgentSupportRequest {
            case_id: 9,
            customer: "cust-9".into(),
            product: "Web Design Course".into(),
            details: "first line\nsecond line".into(),
            live: true,
        })
        .unwrap();
    assert!(text.starts_with("🛠️ **Case #9**"), "{text}");
    assert!(text.contains("> first line\n> second line"), "{text}");
}

#[test]
fn staff_posts_lead_with_flags_then_case() {
    let replies = Replies::builtin();
    let draft = Reply::samples()
        .into_iter()
        .find(|r| matches!(r, Reply::AgentDraft { flags, .. } if !flags.is_empty()))
        .unwrap();
    let text = replies.render(&draft).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("⚠️ **chargeback\\_risk**"), "{text}");
    assert!(lines.next().unwrap().starts_with("**Case #12**"), "{text}");
}
