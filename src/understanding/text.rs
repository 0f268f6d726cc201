//! Customer text folded for matching: case, Latin accents, full-width forms, markdown and
//! English contractions evened out, so that one phrase list matches what people actually type.

use unicode_normalization::UnicodeNormalization;

/// Where one clause ends: phrases never match across it, and negation never reaches over it.
pub const BREAK: char = '|';

/// Lower case, full-width forms as ASCII (NFKC), Latin accents dropped ("débité" is "debite"),
/// "n't" as "nt" and every other apostrophe a space ("l'argent" is "l argent"), sentence
/// punctuation as a clause break, anything else that is no letter or digit a space.
pub fn fold(raw: &str) -> String {
    let plain: String =
        raw.nfkc().collect::<String>().to_lowercase().nfd().filter(|c| !is_latin_mark(*c)).nfc().collect();
    let chars: Vec<char> = plain.chars().collect();
    let mut out = String::with_capacity(plain.len() + 2);
    out.push(' ');
    for (i, &c) in chars.iter().enumerate() {
        let mapped = if c.is_alphanumeric() {
            c
        } else if is_apostrophe(c) {
            let contraction = i > 0 && chars[i - 1] == 'n' && chars.get(i + 1) == Some(&'t');
            if contraction {
                continue;
            }
            ' '
        } else if ".,;:!?\n()。、！？「」…".contains(c) {
            BREAK
        } else {
            ' '
        };
        let last = out.chars().next_back().unwrap_or(' ');
        match mapped {
            ' ' if last == ' ' => {}
            BREAK if last == BREAK => {}
            BREAK if last == ' ' => {
                out.pop();
                if !out.ends_with(BREAK) {
                    out.push(BREAK);
                }
            }
            _ => out.push(mapped),
        }
    }
    let mut folded = out.split(BREAK).map(str::trim).filter(|c| !c.is_empty()).collect::<Vec<_>>().join(" | ");
    folded = format!(" {folded} ");
    // "did not" and "didn't" are one phrase to the lexicons.
    for (long, short) in CONTRACTIONS {
        folded = folded.replace(long, short);
    }
    folded
}

const CONTRACTIONS: &[(&str, &str)] = &[
    (" do not ", " dont "),
    (" does not ", " doesnt "),
    (" did not ", " didnt "),
    (" cannot ", " cant "),
    (" can not ", " cant "),
    (" is not ", " isnt "),
    (" was not ", " wasnt "),
    (" are not ", " arent "),
    (" were not ", " werent "),
    (" will not ", " wont "),
    (" would not ", " wouldnt "),
    (" could not ", " couldnt "),
    (" have not ", " havent "),
    (" has not ", " hasnt "),
];

fn is_latin_mark(c: char) -> bool {
    ('\u{0300}'..='\u{036f}').contains(&c)
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | '´' | '`')
}

/// A phrase of a lexicon, folded like the text. `*` at the end matches any word ending
/// ("refund*" is also "refunded"); ` ~ ` between words allows up to three words in between
/// ("charged ~ twice" is also "charged my card twice"). Phrases in scripts without spaces
/// (Japanese) match anywhere.
#[derive(Debug, Clone)]
pub struct Phrase {
    parts: Vec<String>,
    prefix: bool,
    spaced: bool,
}

/// How many words ` ~ ` may skip.
const GAP_WORDS: usize = 3;

impl Phrase {
    pub fn new(written: &str) -> Phrase {
        let prefix = written.trim_end().ends_with('*');
        let written = written.trim_end().trim_end_matches('*');
        let parts: Vec<String> = written
            .split('~')
            .map(|p| fold(p).replace(BREAK, " ").trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        let spaced = !parts.iter().any(|p| p.chars().any(is_unspaced_script));
        Phrase { parts, prefix, spaced }
    }

    /// The byte offsets in `folded` where the phrase starts.
    pub fn find(&self, folded: &str) -> Vec<usize> {
        let Some(first) = self.parts.first() else {
            return vec![];
        };
        let mut hits = vec![];
        for (start, _) in folded.match_indices(first.as_str()) {
            if !self.starts_word(folded, start) {
                continue;
            }
            if self.rest_matches(folded, start + first.len(), 1) {
                hits.push(start);
            }
        }
        hits
    }

    fn starts_word(&self, folded: &str, start: usize) -> bool {
        !self.spaced || folded[..start].ends_with(' ')
    }

    /// Whether the parts from `part` on follow at `at`, each within a few words of the last.
    fn rest_matches(&self, folded: &str, at: usize, part: usize) -> bool {
        let last = part == self.parts.len();
        if last {
            return !self.spaced || self.prefix || folded[at..].starts_with(' ');
        }
        if self.spaced && !folded[at..].starts_with(' ') {
            return false;
        }
        let next = &self.parts[part];
        let mut pos = at;
        for _ in 0..=GAP_WORDS {
            let rest = &folded[pos..];
            let rest_trimmed = rest.trim_start_matches(' ');
            if rest_trimmed.starts_with(BREAK) {
                return false;
            }
            let from = pos + (rest.len() - rest_trimmed.len());
            if rest_trimmed.starts_with(next.as_str()) && self.rest_matches(folded, from + next.len(), part + 1) {
                return true;
            }
            if !self.spaced {
                // Without spaces a gap is a few characters.
                let skip = rest_trimmed.chars().take(4).map(char::len_utf8).sum::<usize>();
                if let Some(found) = rest_trimmed[..skip.min(rest_trimmed.len())].find(next.as_str()) {
                    return self.rest_matches(folded, from + found + next.len(), part + 1);
                }
                return false;
            }
            // Skip one word.
            match rest_trimmed.find(' ') {
                Some(space) => pos = from + space,
                None => return false,
            }
        }
        false
    }
}

/// Scripts written without spaces between words (Japanese, Chinese).
fn is_unspaced_script(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{9fff}' | '\u{ff66}'..='\u{ff9f}')
}

/// The words just before `at` in the same clause, nearest first.
pub fn words_before(folded: &str, at: usize, count: usize) -> Vec<&str> {
    let clause_start = folded[..at].rfind(BREAK).map_or(0, |b| b + 1);
    folded[clause_start..at].split_whitespace().rev().take(count).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_widths_and_contractions() {
        assert_eq!(fold("Débité DEUX fois!"), " debite deux fois ");
        assert_eq!(fold("ＯＲＤ－１００１"), " ord 1001 ");
        assert_eq!(fold("I didn’t mean it. It does not load"), " i didnt mean it | it doesnt load ");
        assert_eq!(fold("l'argent"), " l argent ");
    }

    #[test]
    fn phrases_match_words_gaps_and_prefixes() {
        let text = fold("They charged my card twice, and it's broken-ish");
        assert_eq!(Phrase::new("charged ~ twice").find(&text).len(), 1);
        assert_eq!(Phrase::new("charge").find(&text).len(), 0);
        assert_eq!(Phrase::new("charge*").find(&text).len(), 1);
        assert!(Phrase::new("twice ~ broken").find(&text).is_empty(), "not across a clause break");
        assert_eq!(Phrase::new("二重").find(&fold("二重に請求されました")).len(), 1);
        assert_eq!(Phrase::new("説明と~違").find(&fold("説明と内容が違います")).len(), 1);
        assert_eq!(Phrase::new("2回購入").find(&fold("同じ商品を2回購入しました")).len(), 1);
    }

    #[test]
    fn words_before_stay_in_the_clause() {
        let text = fold("No. It is not broken");
        let at = text.find("broken").unwrap();
        assert_eq!(words_before(&text, at, 3), vec!["isnt", "it"]);
    }
}
