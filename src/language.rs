//! The customer's language: read from their words (`whatlang`, a script check, and a small
//! lexicon for messages too short for statistics) or from the platform's locale, as typed values.

use crate::domain::code::codes;
use std::collections::HashMap;
use std::sync::OnceLock;

codes! {
    /// A language customers write in, by its ISO 639-1 code, which is also the name of its
    /// `replies/<locale>/` folder.
    pub enum Language ("language") {
        English => "en",
        Spanish => "es",
        German => "de",
        French => "fr",
        Portuguese => "pt",
        Japanese => "ja",
        Chinese => "zh",
        Korean => "ko",
        Hindi => "hi",
        Italian => "it",
        Dutch => "nl",
        Russian => "ru",
        Polish => "pl",
        Turkish => "tr",
        Arabic => "ar",
        Vietnamese => "vi",
        Indonesian => "id",
    }
}

impl Language {
    /// The English name, as staff read it in the note "Customer writes in Spanish" (the
    /// seller's `labels.toml` translates it like any other label).
    pub fn name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::Spanish => "Spanish",
            Language::German => "German",
            Language::French => "French",
            Language::Portuguese => "Portuguese",
            Language::Japanese => "Japanese",
            Language::Chinese => "Chinese",
            Language::Korean => "Korean",
            Language::Hindi => "Hindi",
            Language::Italian => "Italian",
            Language::Dutch => "Dutch",
            Language::Russian => "Russian",
            Language::Polish => "Polish",
            Language::Turkish => "Turkish",
            Language::Arabic => "Arabic",
            Language::Vietnamese => "Vietnamese",
            Language::Indonesian => "Indonesian",
        }
    }

    /// The language of a locale tag as platforms write it: `es-ES`, `pt-BR`, `en_US`, `ja`.
    pub fn from_tag(tag: &str) -> Option<Language> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Language::parse(&primary)
    }

    fn from_whatlang(lang: whatlang::Lang) -> Option<Language> {
        use whatlang::Lang as W;
        Some(match lang {
            W::Eng => Language::English,
            W::Spa => Language::Spanish,
            W::Deu => Language::German,
            W::Fra => Language::French,
            W::Por => Language::Portuguese,
            W::Jpn => Language::Japanese,
            W::Cmn => Language::Chinese,
            W::Kor => Language::Korean,
            W::Hin => Language::Hindi,
            W::Ita => Language::Italian,
            W::Nld => Language::Dutch,
            W::Rus => Language::Russian,
            W::Pol => Language::Polish,
            W::Tur => Language::Turkish,
            W::Ara => Language::Arabic,
            W::Vie => Language::Vietnamese,
            W::Ind => Language::Indonesian,
            _ => return None,
        })
    }
}

codes! {
    /// Where a case's language came from, weakest first: a later, stronger reading replaces it,
    /// so a "hola" guess gives way to the platform's locale or to a long message.
    pub enum LanguageSource ("language source") {
        /// One or two telling words of a short message ("danke", "obrigado").
        Guess => "guess",
        /// The locale the chat platform reports for the person (Discord interactions).
        Platform => "platform",
        /// Enough of the customer's own words to be sure.
        Text => "text",
    }
}

/// A reading of someone's language, with how it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detection {
    pub language: Language,
    pub source: LanguageSource,
}

impl Detection {
    /// Whether this reading should replace `current` (the case's so far): a stronger source
    /// always does, a same-strength one does unless the customer's words already settled it.
    pub fn replaces(&self, current: Option<Detection>) -> bool {
        match current {
            None => true,
            Some(current) if current.language == self.language => self.source > current.source,
            Some(current) => {
                self.source > current.source || (self.source == current.source && self.source != LanguageSource::Text)
            }
        }
    }
}

/// Fewer letters than this and the statistics of `whatlang` are not trusted on their own.
const MIN_LETTERS_FOR_STATISTICS: usize = 16;
const MIN_WORDS_FOR_STATISTICS: usize = 3;

/// The language of a customer's message, or `None` when it does not tell (an order id and an
/// email, "ok", an emoji). Order ids, emails and links are left out before reading.
pub fn detect(text: &str) -> Option<Detection> {
    let words: Vec<String> = text
        .split_whitespace()
        .filter(|w| !w.contains('@') && !w.starts_with("http") && !w.chars().any(|c| c.is_ascii_digit()))
        .map(|w| w.trim_matches(|c: char| !c.is_alphabetic() && c != '\'').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect();
    // The whole text: Japanese has no spaces, so "2回購入" is one word with a digit in it.
    if let Some(language) = by_script(text) {
        return Some(Detection { language, source: LanguageSource::Text });
    }
    let letters: usize = words.iter().map(|w| w.chars().filter(|c| c.is_alphabetic()).count()).sum();
    let lexicon = by_lexicon(text, &words);
    if words.len() >= MIN_WORDS_FOR_STATISTICS && letters >= MIN_LETTERS_FOR_STATISTICS {
        if let Some(info) = detector().detect(&words.join(" ")) {
            let language = Language::from_whatlang(info.lang());
            // Statistics agreeing with the lexicon, or sure of themselves where the lexicon
            // says nothing or the message is long enough for statistics to beat a few words
            // ("Qual é a política de reembolso de vocês?" reads as French to trigrams).
            let trusted = |l: &Language| match lexicon {
                Some(word_language) if word_language == *l => true,
                Some(_) => info.is_reliable() && words.len() >= LONG_ENOUGH_TO_OVERRULE_WORDS,
                None => info.is_reliable(),
            };
            if let Some(language) = language.filter(trusted) {
                return Some(Detection { language, source: LanguageSource::Text });
            }
        }
    }
    lexicon.map(|language| Detection { language, source: LanguageSource::Guess })
}

/// From this many words on, `whatlang` sure of itself overrules the lexicon.
const LONG_ENOUGH_TO_OVERRULE_WORDS: usize = 10;

/// Japanese kana, Korean hangul, Chinese characters, Devanagari, Cyrillic and Arabic script
/// each tell the language from a single word.
fn by_script(text: &str) -> Option<Language> {
    let mut han = 0;
    for c in text.chars() {
        match c as u32 {
            0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => return Some(Language::Japanese),
            0xAC00..=0xD7AF | 0x1100..=0x11FF | 0x3130..=0x318F => return Some(Language::Korean),
            0x0900..=0x097F => return Some(Language::Hindi),
            0x0400..=0x04FF => return Some(Language::Russian),
            0x0600..=0x06FF => return Some(Language::Arabic),
            0x4E00..=0x9FFF | 0x3400..=0x4DBF => han += 1,
            _ => {}
        }
    }
    // Han without any kana: Japanese text nearly always has kana, so this is Chinese.
    (han > 0).then_some(Language::Chinese)
}

/// Words that, alone, say which language a short message is in. Words shared by two
/// languages ("reembolso" in Spanish and Portuguese) are left out on purpose.
const LEXICON: &[(Language, &[&str])] = &[
    (
        Language::Spanish,
        &[
            "hola",
            "gracias",
            "quiero",
            "quisiera",
            "dinero",
            "devolución",
            "devolucion",
            "reembolsar",
            "compré",
            "compre",
            "cobraron",
            "necesito",
            "ayuda",
            "pero",
            "buenos",
            "buenas",
            "días",
            "vale",
            "favor",
            "sí",
            "mi",
            "el",
            "los",
            "las",
            "y",
            "muchas",
            "funciona",
            "reembolsen",
            "pedí",
            "cuánto",
            "tarda",
            "dónde",
            "qué",
            "cómo",
            "usted",
            "ustedes",
            "abogado",
            "voy",
            "tengo",
            "hace",
            "todavía",
            "nunca",
            "cobro",
            "cobrado",
        ],
    ),
    (
        Language::Portuguese,
        &[
            "olá",
            "oi",
            "obrigado",
            "obrigada",
            "quero",
            "dinheiro",
            "devolução",
            "devolucao",
            "reembolsar",
            "comprei",
            "cobraram",
            "preciso",
            "ajuda",
            "não",
            "nao",
            "você",
            "voce",
            "bom",
            "dia",
            "sim",
            "meu",
            "minha",
            "estorno",
            "funciona",
            "valeu",
            "tchau",
            "vocês",
            "cadê",
            "já",
            "faz",
            "quanto",
            "demora",
            "vou",
            "qual",
            "advogado",
            "estou",
            "isso",
            "muito",
            "ainda",
            "nunca",
            "é",
            "um",
            "uma",
            "cobrado",
            "cobrança",
        ],
    ),
    (
        Language::German,
        &[
            "hallo",
            "danke",
            "bitte",
            "rückerstattung",
            "erstattung",
            "geld",
            "zurück",
            "bestellung",
            "ich",
            "möchte",
            "nicht",
            "gekauft",
            "guten",
            "tag",
            "funktioniert",
            "ja",
            "nein",
            "und",
            "mein",
            "meine",
            "vielen",
            "dank",
            "servus",
            "tschüss",
            "wie",
            "lange",
            "dauert",
            "wo",
            "ist",
            "ihre",
            "anwalt",
            "wann",
            "was",
            "noch",
            "schon",
            "habe",
            "sie",
        ],
    ),
    (
        Language::French,
        &[
            "bonjour",
            "bonsoir",
            "salut",
            "merci",
            "remboursement",
            "rembourser",
            "commande",
            "je",
            "veux",
            "voudrais",
            "argent",
            "pas",
            "s'il",
            "plaît",
            "plait",
            "acheté",
            "achete",
            "aide",
            "oui",
            "non",
            "mon",
            "ma",
            "et",
            "fonctionne",
            "beaucoup",
            "combien",
            "temps",
            "où",
            "est",
            "votre",
            "vos",
            "avocat",
            "c'est",
            "ça",
            "quelle",
            "quel",
            "politique",
            "toujours",
            "j'ai",
            "rien",
        ],
    ),
    (
        Language::Italian,
        &["ciao", "grazie", "rimborso", "vorrei", "soldi", "acquistato", "aiuto", "buongiorno", "prego"],
    ),
    (
        Language::English,
        &[
            "hello", "hi", "hey", "thanks", "thank", "please", "refund", "money", "back", "bought", "want", "yes",
            "my", "the", "and", "i'd", "i'm", "need", "help", "how", "long", "where", "is", "your", "policy", "what",
            "lawyer", "still", "charged", "it",
        ],
    ),
];

/// The lexicon's verdict: the one language with the most telling words, or `None` on a tie.
/// Spanish and Portuguese punctuation (¿ ¡) and letters (ñ, ß, ç, ã) count as a word each.
fn by_lexicon(text: &str, words: &[String]) -> Option<Language> {
    let index = lexicon_index();
    let mut hits: HashMap<Language, u32> = HashMap::new();
    for word in words {
        for language in index.get(word.as_str()).into_iter().flatten() {
            *hits.entry(*language).or_default() += 1;
        }
    }
    let letters: &[(Language, &[char])] = &[
        (Language::Spanish, &['¿', '¡', 'ñ']),
        (Language::German, &['ß', 'ä', 'ö', 'ü']),
        (Language::Portuguese, &['ã', 'õ']),
        (Language::French, &['è', 'ê', 'à', 'û', 'œ']),
    ];
    for (language, chars) in letters {
        if text.chars().any(|c| chars.contains(&c.to_lowercase().next().unwrap_or(c))) {
            *hits.entry(*language).or_default() += 1;
        }
    }
    let best = hits.values().copied().max()?;
    let mut winners = hits.iter().filter(|(_, n)| **n == best).map(|(l, _)| *l);
    let winner = winners.next()?;
    winners.next().is_none().then_some(winner)
}

fn lexicon_index() -> &'static HashMap<&'static str, Vec<Language>> {
    static INDEX: OnceLock<HashMap<&'static str, Vec<Language>>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index: HashMap<&str, Vec<Language>> = HashMap::new();
        for (language, words) in LEXICON {
            for word in *words {
                index.entry(word).or_default().push(*language);
            }
        }
        index
    })
}

/// `whatlang` limited to the languages above, so a Spanish message is not read as Catalan.
fn detector() -> &'static whatlang::Detector {
    static DETECTOR: OnceLock<whatlang::Detector> = OnceLock::new();
    DETECTOR.get_or_init(|| {
        let allowed = whatlang::Lang::all().iter().copied().filter(|l| Language::from_whatlang(*l).is_some()).collect();
        whatlang::Detector::with_allowlist(allowed)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(text: &str) -> Option<Language> {
        detect(text).map(|d| d.language)
    }

    #[test]
    fn long_messages_are_read_with_statistics() {
        let cases = [
            ("Hola, compré el curso de diseño la semana pasada y no funciona. Quiero que me devuelvan el dinero.", Language::Spanish),
            ("Hallo, ich habe den Kurs letzte Woche gekauft und er funktioniert nicht. Ich möchte mein Geld zurück.", Language::German),
            ("Bonjour, j'ai acheté le cours la semaine dernière et il ne fonctionne pas. Je voudrais être remboursé.", Language::French),
            ("Olá, comprei o curso na semana passada e não funciona. Quero o meu dinheiro de volta, por favor.", Language::Portuguese),
            ("Hi, I bought the web design course last week and it does not work at all. I want my money back.", Language::English),
        ];
        for (text, expected) in cases {
            let found = detect(text).unwrap_or_else(|| panic!("nothing read from {text:?}"));
            assert_eq!(found, Detection { language: expected, source: LanguageSource::Text }, "{text}");
        }
    }

    #[test]
    fn scripts_tell_at_once() {
        assert_eq!(lang("返金してください"), Some(Language::Japanese));
        assert_eq!(lang("환불해 주세요"), Some(Language::Korean));
        assert_eq!(lang("我要退款"), Some(Language::Chinese));
    }

    #[test]
    fn short_messages_use_the_lexicon_as_a_guess() {
        for (text, expected) in [
            ("hola", Language::Spanish),
            ("danke!", Language::German),
            ("obrigado", Language::Portuguese),
            ("merci beaucoup", Language::French),
            ("¿Y ahora?", Language::Spanish),
        ] {
            assert_eq!(detect(text), Some(Detection { language: expected, source: LanguageSource::Guess }), "{text}");
        }
    }

    #[test]
    fn ids_emails_and_shared_words_tell_nothing() {
        assert_eq!(detect("ORD-1001 alice@example.com"), None);
        assert_eq!(detect("ok"), None);
        assert_eq!(detect("reembolso"), None, "Spanish and Portuguese alike");
        assert_eq!(detect("👍"), None);
    }

    #[test]
    fn platform_tags_name_their_language() {
        assert_eq!(Language::from_tag("es-ES"), Some(Language::Spanish));
        assert_eq!(Language::from_tag("pt-BR"), Some(Language::Portuguese));
        assert_eq!(Language::from_tag("en_US"), Some(Language::English));
        assert_eq!(Language::from_tag("ja"), Some(Language::Japanese));
        assert_eq!(Language::from_tag("xx-YY"), None);
    }

    #[test]
    fn stronger_readings_replace_weaker_ones() {
        let guess = Detection { language: Language::Spanish, source: LanguageSource::Guess };
        let platform = Detection { language: Language::German, source: LanguageSource::Platform };
        let text = Detection { language: Language::French, source: LanguageSource::Text };
        assert!(guess.replaces(None));
        assert!(platform.replaces(Some(guess)));
        assert!(!guess.replaces(Some(platform)));
        assert!(text.replaces(Some(platform)));
        assert!(!platform.replaces(Some(text)));
        let other_text = Detection { language: Language::Spanish, source: LanguageSource::Text };
        assert!(!other_text.replaces(Some(text)), "the customer's words, once sure, stay");
        assert!(!guess.replaces(Some(guess)));
    }
}
