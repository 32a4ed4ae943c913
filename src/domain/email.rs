//! The one form in which account e-mail addresses are compared and stored, so that an address
//! written another way (decomposed accents, full-width letters, upper case, `ß`) can neither
//! open a second account beside the first nor miss it at sign-in.
//!
//! Pure, no I/O. Unicode NFKC, then full case folding (Unicode's `CaseFolding.txt`, C and F
//! mappings, via the `caseless` crate), then NFKC again (folding can leave a string that is not
//! normalised), trimmed of white space (NFKC turns the ideographic space into a plain one).
//! Lower-casing alone is not enough: it keeps `ß` apart from `ss` and `ς` from `σ`.

use unicode_normalization::UnicodeNormalization;

/// The normal form of an e-mail address; validity is checked elsewhere.
pub fn normalise(email: &str) -> String {
    let compatible: String = email.nfkc().collect();
    let folded = caseless::default_case_fold_str(&compatible);
    folded.nfkc().collect::<String>().trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn look_alikes_share_one_form() {
        for (input, normal) in [
            // Precomposed é, decomposed e + U+0301, upper case: one form (NFC's é).
            ("jos\u{e9}@example.org", "jos\u{e9}@example.org"),
            ("jose\u{301}@example.org", "jos\u{e9}@example.org"),
            ("JOS\u{c9}@Example.ORG", "jos\u{e9}@example.org"),
            ("JOSE\u{301}@example.org", "jos\u{e9}@example.org"),
            // Full-width letters, at sign and full stop (NFKC).
            ("\u{ff4a}\u{ff4f}\u{ff53}\u{ff45}@example.org", "jose@example.org"),
            (
                "\u{ff2a}\u{ff2f}\u{ff33}\u{ff25}\u{ff20}\u{ff45}\u{ff58}\u{ff41}\u{ff4d}\u{ff50}\u{ff4c}\u{ff45}\u{ff0e}\u{ff4f}\u{ff52}\u{ff47}",
                "jose@example.org",
            ),
            // Full case folding, not lower-casing: ß and ẞ are ss, final sigma is sigma.
            ("Stra\u{df}e@example.de", "strasse@example.de"),
            ("STRA\u{1e9e}E@example.de", "strasse@example.de"),
            ("\u{39f}\u{394}\u{3a5}\u{3a3}\u{3a3}\u{395}\u{3a5}\u{3a3}@example.gr", "\u{3bf}\u{3b4}\u{3c5}\u{3c3}\u{3c3}\u{3b5}\u{3c5}\u{3c3}@example.gr"),
            ("\u{3bf}\u{3b4}\u{3c5}\u{3c3}\u{3c3}\u{3b5}\u{3c5}\u{3c2}@example.gr", "\u{3bf}\u{3b4}\u{3c5}\u{3c3}\u{3c3}\u{3b5}\u{3c5}\u{3c3}@example.gr"),
            // Ligatures and the Kelvin sign are compatibility forms.
            ("\u{fb01}n@example.org", "fin@example.org"),
            ("\u{212a}im@example.org", "kim@example.org"),
            // White space around, the ideographic space included; none inside is touched.
            ("  Ana@Example.org\t", "ana@example.org"),
            ("\u{3000}ana@example.org\u{3000}", "ana@example.org"),
            ("plain@example.org", "plain@example.org"),
        ] {
            assert_eq!(normalise(input), normal, "{input:?}");
        }
    }

    #[test]
    fn different_addresses_stay_different() {
        assert_ne!(
            normalise("jose@example.org"),
            normalise("jos\u{e9}@example.org")
        );
        assert_ne!(normalise("ana@example.org"), normalise("anna@example.org"));
    }

    proptest! {
        #[test]
        fn normalising_is_idempotent(s in "\\PC{0,40}") {
            let once = normalise(&s);
            prop_assert_eq!(normalise(&once), once.clone());
        }

        #[test]
        fn case_and_composition_never_matter(s in "[a-z\u{df}-\u{ff}\u{3b1}-\u{3c9}]{1,20}") {
            let upper = s.to_uppercase();
            let decomposed: String = s.nfd().collect();
            prop_assert_eq!(normalise(&upper), normalise(&s));
            prop_assert_eq!(normalise(&decomposed), normalise(&s));
        }
    }
}
