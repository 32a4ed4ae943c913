//! How names are matched by client search: folded (Unicode NFKD, combining marks dropped,
//! lower-cased), split into words, and each word stored with its prefixes, so that a query's
//! words are found by exact, index-backed lookups whatever the accents, case or name order.
//! Han, kana and hangul characters are words of their own (names in those scripts are written
//! without spaces, and a search for `秀英` must find `王秀英`).

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// A word longer than this is matched on its first `MAX_WORD` characters.
pub const MAX_WORD: usize = 32;

/// `García` -> `garcia`, `Ｚｈａｎｇ` -> `zhang`.
pub fn fold(text: &str) -> String {
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Ideographic and syllabic scripts written without spaces.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF     // hiragana, katakana
        | 0x3400..=0x4DBF   // CJK extension A
        | 0x4E00..=0x9FFF   // CJK unified ideographs
        | 0xAC00..=0xD7AF   // hangul syllables
        | 0xF900..=0xFAFF   // CJK compatibility ideographs
        | 0x20000..=0x3FFFF // CJK extensions B and later
    )
}

/// The folded words of a text: runs of letters and digits, each CJK character on its own, at
/// most `MAX_WORD` characters each.
pub fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<String>| {
        if !word.is_empty() {
            out.push(word.chars().take(MAX_WORD).collect());
            word.clear();
        }
    };
    for c in fold(text).chars() {
        if is_cjk(c) {
            flush(&mut word, &mut out);
            out.push(c.to_string());
        } else if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// What is stored for a client's names: every prefix of every word, once each. A query word
/// matches a name when it is one of these.
pub fn name_tokens(names: &[&str]) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    for name in names {
        for word in words(name) {
            let mut prefix = String::new();
            for c in word.chars() {
                prefix.push(c);
                tokens.push(prefix.clone());
            }
        }
    }
    tokens.sort();
    tokens.dedup();
    tokens
}

/// The folded names as one string (the `search_key` column), for reading and for debugging.
pub fn search_key(names: &[&str]) -> String {
    let all: Vec<String> = names.iter().flat_map(|n| words(n)).collect();
    all.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_accents_and_case() {
        for (input, folded) in [
            ("García", "garcia"),
            ("NÚÑEZ", "nunez"),
            ("Zhāng-Lǐ", "zhang-li"),
            ("Ｗｅｉ", "wei"),
            ("Ærø", "ærø"),
            ("王秀英", "王秀英"),
        ] {
            assert_eq!(fold(input), folded, "{input}");
        }
    }

    #[test]
    fn words_split_on_punctuation_and_cjk_characters() {
        assert_eq!(words("María José"), ["maria", "jose"]);
        assert_eq!(words("García, María"), ["garcia", "maria"]);
        assert_eq!(words("王秀英"), ["王", "秀", "英"]);
        assert_eq!(words("O'Brien-Smith"), ["o", "brien", "smith"]);
        assert!(words("%_ -").is_empty());
        assert_eq!(words(&"x".repeat(40))[0].len(), MAX_WORD);
    }

    #[test]
    fn tokens_are_the_prefixes_of_every_word() {
        assert_eq!(name_tokens(&["Wei", "Li"]), ["l", "li", "w", "we", "wei"]);
        assert_eq!(name_tokens(&["王秀英", "Wang"]).len(), 3 + 4);
    }
}
