//! The language a message is written in: the script where it tells (kana, hangul, devanagari),
//! else whose common words and phrases it uses most. English when nothing tells.

use super::lexicon::Compiled;

pub fn guess(raw: &str, folded: &str, lexicons: &[Compiled]) -> &'static str {
    if let Some(tag) = by_script(raw) {
        return tag;
    }
    let mut best = ("en", 0usize);
    for lexicon in lexicons {
        let found = |list: &[super::text::Phrase]| list.iter().filter(|p| !p.find(folded).is_empty()).count();
        let score = found(&lexicon.common)
            + 2 * lexicon.reasons.iter().filter(|(_, _, p)| !p.find(folded).is_empty()).count()
            + 2 * lexicon.topics.iter().filter(|(_, p)| !p.find(folded).is_empty()).count();
        if score > best.1 {
            best = (lexicon.language, score);
        }
    }
    best.0
}

fn by_script(raw: &str) -> Option<&'static str> {
    let has = |range: std::ops::RangeInclusive<char>| raw.chars().any(|c| range.contains(&c));
    if has('\u{3040}'..='\u{30ff}') {
        return Some("ja");
    }
    if has('\u{ac00}'..='\u{d7af}') {
        return Some("ko");
    }
    if has('\u{0900}'..='\u{097f}') {
        return Some("hi");
    }
    if has('\u{4e00}'..='\u{9fff}') {
        return Some("zh");
    }
    if has('\u{0400}'..='\u{04ff}') {
        return Some("ru");
    }
    if has('\u{0600}'..='\u{06ff}') {
        return Some("ar");
    }
    None
}
