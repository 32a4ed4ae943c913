//! Owns the normalisation and validation of client identifiers: A-numbers, USCIS receipt numbers,
//! ISO 3166-1 country codes and BCP 47 language tags.
//!
//! Pure functions, no I/O. Error messages are fixed sentences fit for an API field message and never
//! repeat the input: an A-number is identifying data and must not reach logs or responses.

use std::fmt;

use language_tags::LanguageTag;

/// Why an identifier was rejected. `Display` (and [`IdentifierError::message`]) gives a sentence
/// suitable for a problem+json `detail` or a field `message`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentifierError {
    ANumberEmpty,
    ANumberCharacters,
    ANumberLength,
    ANumberAllZeros,
    ReceiptNumberEmpty,
    ReceiptNumberFormat,
    CountryFormat,
    CountryUnassigned,
    LanguageTagMalformed,
    LanguageTagUnregistered,
    LanguageTagTooLong,
}

impl IdentifierError {
    /// The human sentence for this error (never contains the rejected input).
    pub fn message(&self) -> &'static str {
        match self {
            Self::ANumberEmpty => {
                "the A-number is empty; an A-number has 7 to 9 digits, optionally preceded by A"
            }
            Self::ANumberCharacters => {
                "an A-number may contain only digits, an optional leading A, \
                 and dashes, dots or spaces between the digits"
            }
            Self::ANumberLength => "an A-number has 7 to 9 digits, optionally preceded by A",
            Self::ANumberAllZeros => "an A-number cannot be all zeros",
            Self::ReceiptNumberEmpty => {
                "the receipt number is empty; a USCIS receipt number has 3 letters \
                 followed by 10 digits, such as EAC2212345678"
            }
            Self::ReceiptNumberFormat => {
                "a USCIS receipt number has 3 letters followed by 10 digits, such as EAC2212345678"
            }
            Self::CountryFormat => "a country is a two-letter ISO 3166-1 code, such as MX or AF",
            Self::CountryUnassigned => "this is not an assigned ISO 3166-1 country code",
            Self::LanguageTagMalformed => {
                "a language is a BCP 47 language tag, such as es, cmn, yue or en-US"
            }
            Self::LanguageTagUnregistered => {
                "this language tag uses a subtag that is not in the IANA Language Subtag Registry; \
                 use a code such as es, cmn, yue or en-US"
            }
            Self::LanguageTagTooLong => "a language tag has at most 35 characters",
        }
    }
}

impl fmt::Display for IdentifierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for IdentifierError {}

/// Characters people put between the digits of an A-number (as on EOIR and USCIS notices).
fn is_a_number_separator(c: char) -> bool {
    matches!(c, '-' | '.' | ' ')
}

/// Normalises an A-number to `A` plus 9 digits (`A012345678`), the form EOIR looks cases up by.
///
/// Accepts 7 to 9 digits, an optional leading `A`/`a`, and dashes, dots and spaces anywhere after
/// it (`A123456789`, `a 123-456-789`, `123.456.789`, `12345678`). Surrounding whitespace is ignored.
pub fn normalize_a_number(input: &str) -> Result<String, IdentifierError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(IdentifierError::ANumberEmpty);
    }
    let body = trimmed
        .strip_prefix('A')
        .or_else(|| trimmed.strip_prefix('a'))
        .unwrap_or(trimmed);

    let mut digits = String::with_capacity(9);
    for c in body.chars() {
        if c.is_ascii_digit() {
            // Ten digits are enough to know it is too long; keep no more of a long input.
            if digits.len() <= 9 {
                digits.push(c);
            }
        } else if !is_a_number_separator(c) {
            return Err(IdentifierError::ANumberCharacters);
        }
    }
    if !(7..=9).contains(&digits.len()) {
        return Err(IdentifierError::ANumberLength);
    }
    if digits.bytes().all(|b| b == b'0') {
        return Err(IdentifierError::ANumberAllZeros);
    }
    Ok(format!("A{digits:0>9}"))
}

/// If a free-text search query is an A-number in any accepted form, its normalised form; the
/// client search then matches it exactly instead of as a name.
pub fn a_number_search_key(q: &str) -> Option<String> {
    normalize_a_number(q).ok()
}

/// Normalises a USCIS receipt number: 3 letters and 10 digits (`EAC2212345678`), dashes and
/// spaces stripped, letters upper-cased. Unknown service-centre prefixes are accepted, since
/// USCIS adds new ones (IOE for online filings) without notice.
pub fn normalize_receipt_number(input: &str) -> Result<String, IdentifierError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(IdentifierError::ReceiptNumberEmpty);
    }
    let mut out = String::with_capacity(13);
    for c in trimmed.chars().filter(|&c| c != '-' && c != ' ') {
        let position = out.len();
        let ok = if position < 3 {
            c.is_ascii_alphabetic()
        } else {
            position < 13 && c.is_ascii_digit()
        };
        if !ok {
            return Err(IdentifierError::ReceiptNumberFormat);
        }
        out.push(c.to_ascii_uppercase());
    }
    if out.len() != 13 {
        return Err(IdentifierError::ReceiptNumberFormat);
    }
    Ok(out)
}

/// The officially assigned ISO 3166-1 alpha-2 codes (249), sorted for binary search.
/// User-assigned codes such as XK (Kosovo) are not officially assigned and are not listed.
pub const ISO_3166_1_ALPHA_2: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// Validates an ISO 3166-1 alpha-2 country code (any case, surrounding whitespace ignored) and
/// returns it upper-cased. Officially assigned codes pass, and `XK` (Kosovo): user-assigned in the
/// standard, but used by USCIS, the EU and the passports Kosovar clients carry.
pub fn validate_country(code: &str) -> Result<String, IdentifierError> {
    let code = code.trim();
    if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(IdentifierError::CountryFormat);
    }
    let upper = code.to_ascii_uppercase();
    if upper != "XK" && ISO_3166_1_ALPHA_2.binary_search(&upper.as_str()).is_err() {
        return Err(IdentifierError::CountryUnassigned);
    }
    Ok(upper)
}

/// Validates a BCP 47 language tag (`cmn`, `yue`, `es`, `en-US`, `zh-Hant-TW`) and returns it in
/// canonical case (`en-us` becomes `en-US`), otherwise as given: no subtag is replaced, so what
/// the caseworker chose is what is stored.
///
/// Beyond well-formedness, every subtag must be in the IANA registry, so that a word typed in
/// place of a code (`spanish` is well-formed as a 7-letter subtag) is caught.
/// The longest language tag accepted.
pub const MAX_LANGUAGE_TAG: usize = 35;

pub fn validate_language_tag(tag: &str) -> Result<String, IdentifierError> {
    let tag = tag.trim();
    // RFC 5646 4.4.1: 35 characters hold any registered tag a person would use; private-use
    // subtags could otherwise make one of any length, stored and shown on every case page.
    if tag.len() > MAX_LANGUAGE_TAG {
        return Err(IdentifierError::LanguageTagTooLong);
    }
    // Only ASCII letters, digits and dashes can form a tag; checking first keeps odd input
    // (non-ASCII, control characters) away from the parser altogether.
    if !tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(IdentifierError::LanguageTagMalformed);
    }
    let parsed = LanguageTag::parse(tag).map_err(|_| IdentifierError::LanguageTagMalformed)?;
    parsed
        .validate()
        .map_err(|_| IdentifierError::LanguageTagUnregistered)?;
    Ok(parsed.into_string())
}
