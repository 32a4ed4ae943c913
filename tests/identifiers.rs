//! Tests of `domain::identifiers` (A-numbers, receipt numbers, countries, language tags) and
//! `domain::courts` (the court CSV, including the real one shipped in `config/`).

use asylum_tracker::domain::courts::{court_by_code, parse_courts, COURTS_CSV_HEADER};
use asylum_tracker::domain::identifiers::{
    a_number_search_key, normalize_a_number, normalize_receipt_number, validate_country,
    validate_language_tag, IdentifierError, ISO_3166_1_ALPHA_2,
};
use proptest::prelude::*;

const COURTS_CSV: &str = include_str!("../config/immigration-courts.csv");

type Normaliser = fn(&str) -> Result<String, IdentifierError>;

/// Runs `f` over `(input, expected)` rows; an `Ok` row gives the normalised form.
fn check(f: Normaliser, rows: &[(&str, Result<&str, IdentifierError>)]) {
    for (input, expected) in rows {
        assert_eq!(f(input), expected.map(str::to_string), "{input:?}");
    }
}

#[test]
fn a_numbers() {
    use IdentifierError::*;
    check(
        normalize_a_number,
        &[
            ("A123456789", Ok("A123456789")),
            ("a 123-456-789", Ok("A123456789")),
            ("123-456-789", Ok("A123456789")),
            ("123.456.789", Ok("A123456789")),
            ("12345678", Ok("A012345678")),
            ("A1234567", Ok("A001234567")),
            ("A-12-345-678", Ok("A012345678")),
            ("  A 0 1 2 3 4 5 6 7 8  ", Ok("A012345678")),
            ("0000001", Ok("A000000001")),
            ("", Err(ANumberEmpty)),
            ("   ", Err(ANumberEmpty)),
            ("A", Err(ANumberLength)),
            ("A--", Err(ANumberLength)),
            ("123456", Err(ANumberLength)),
            ("A1234-56", Err(ANumberLength)),
            ("1234567890", Err(ANumberLength)),
            ("A0123456789", Err(ANumberLength)),
            ("000-000-000", Err(ANumberAllZeros)),
            ("A0000000", Err(ANumberAllZeros)),
            ("A#123456789", Err(ANumberCharacters)),
            ("AA123456789", Err(ANumberCharacters)),
            ("123456789A", Err(ANumberCharacters)),
            ("B123456789", Err(ANumberCharacters)),
            ("123/456/789", Err(ANumberCharacters)),
            ("A12345678\t9", Err(ANumberCharacters)),
            ("١٢٣٤٥٦٧٨٩", Err(ANumberCharacters)), // Arabic-Indic digits are not ASCII digits
            ("１２３４５６７８９", Err(ANumberCharacters)), // nor are full-width ones
        ],
    );
}

#[test]
fn a_number_errors_never_echo_the_input() {
    for input in ["A98765", "98765432101", "A9876543x", "000000000"] {
        let message = normalize_a_number(input).unwrap_err().to_string();
        assert!(
            !message.contains("98765") && !message.contains("0000"),
            "{message}"
        );
    }
    assert_eq!(
        IdentifierError::ANumberLength.to_string(),
        "an A-number has 7 to 9 digits, optionally preceded by A"
    );
}

#[test]
fn a_number_search_keys() {
    assert_eq!(
        a_number_search_key("a 123-456-789"),
        Some("A123456789".into())
    );
    assert_eq!(a_number_search_key(" 12345678 "), Some("A012345678".into()));
    let names = [
        "Maria",
        "Ana López",
        "A",
        "123",
        "",
        "A12345678901",
        "María 123456789",
    ];
    for q in names {
        assert_eq!(a_number_search_key(q), None, "{q:?}");
    }
}

#[test]
fn receipt_numbers() {
    use IdentifierError::*;
    check(
        normalize_receipt_number,
        &[
            ("EAC2212345678", Ok("EAC2212345678")),
            ("IOE0912345678", Ok("IOE0912345678")),
            ("eac-22-123-45678", Ok("EAC2212345678")),
            (" msc 22 123 45678 ", Ok("MSC2212345678")),
            ("ZZZ0000000000", Ok("ZZZ0000000000")), // unknown prefixes are accepted
            ("", Err(ReceiptNumberEmpty)),
            ("EAC221234567", Err(ReceiptNumberFormat)),
            ("EAC22123456789", Err(ReceiptNumberFormat)),
            ("EA22123456789", Err(ReceiptNumberFormat)),
            ("EAC.2212345678", Err(ReceiptNumberFormat)),
            ("1EAC212345678", Err(ReceiptNumberFormat)),
            ("EAC22123456O8", Err(ReceiptNumberFormat)),
            ("ÉAC2212345678", Err(ReceiptNumberFormat)),
        ],
    );
}

#[test]
fn country_list_is_sorted_unique_and_complete() {
    assert!(ISO_3166_1_ALPHA_2.windows(2).all(|w| w[0] < w[1]));
    for code in ISO_3166_1_ALPHA_2 {
        assert_eq!(validate_country(code).as_deref(), Ok(code));
    }
}

#[test]
fn countries() {
    use IdentifierError::*;
    check(
        validate_country,
        &[
            ("SV", Ok("SV")),
            ("hn", Ok("HN")),
            (" gt ", Ok("GT")),
            ("Af", Ok("AF")),
            ("", Err(CountryFormat)),
            ("S", Err(CountryFormat)),
            ("SLV", Err(CountryFormat)),
            ("S1", Err(CountryFormat)),
            ("ÉS", Err(CountryFormat)),
            ("XK", Ok("XK")), // user-assigned (Kosovo), accepted: USCIS and Kosovar passports use it
            ("UK", Err(CountryUnassigned)), // exceptionally reserved; GB is assigned
            ("AN", Err(CountryUnassigned)), // withdrawn (Netherlands Antilles)
            ("ZZ", Err(CountryUnassigned)),
            ("EU", Err(CountryUnassigned)),
        ],
    );
}

#[test]
fn language_tags() {
    use IdentifierError::*;
    check(
        validate_language_tag,
        &[
            ("cmn", Ok("cmn")),
            ("yue", Ok("yue")),
            ("es", Ok("es")),
            ("en-US", Ok("en-US")),
            ("en-us", Ok("en-US")),
            ("zh-Hant-TW", Ok("zh-Hant-TW")),
            ("ZH-HANT-TW", Ok("zh-Hant-TW")),
            ("mam", Ok("mam")), // Mam, a Mayan language
            ("quc", Ok("quc")),
            ("prs", Ok("prs")),
            ("es-419", Ok("es-419")),
            (" ti ", Ok("ti")),
            ("", Err(LanguageTagMalformed)),
            ("en_US", Err(LanguageTagMalformed)),
            ("en-", Err(LanguageTagMalformed)),
            ("español", Err(LanguageTagMalformed)),
            ("toolongsubtag", Err(LanguageTagMalformed)),
            ("spanish", Err(LanguageTagUnregistered)), // well-formed, but a word, not a code
            ("zz", Err(LanguageTagUnregistered)),
            ("en-ZQ", Err(LanguageTagUnregistered)),
            // Private-use subtags make a well-formed tag of any length: 35 is the most stored.
            (
                "x-abcdefgh-abcdefgh-abcdefgh-abcdef",
                Ok("x-abcdefgh-abcdefgh-abcdefgh-abcdef"),
            ),
            (
                "x-abcdefgh-abcdefgh-abcdefgh-abcdefg",
                Err(LanguageTagTooLong),
            ),
        ],
    );
}

#[test]
fn real_court_list_parses_with_domain_facts() {
    let courts = parse_courts(COURTS_CSV).expect("config/immigration-courts.csv is valid");
    assert!(courts.len() >= 60);
    let zone = |code: &str| court_by_code(&courts, code).map(|c| c.time_zone_name());
    assert_eq!(zone("el-paso"), Some("America/Denver"));
    assert_eq!(zone("phoenix"), Some("America/Phoenix"));
    assert_eq!(zone("detroit"), Some("America/Detroit"));
    assert_eq!(zone("guaynabo"), Some("America/Puerto_Rico"));
    assert_eq!(zone("honolulu"), Some("Pacific/Honolulu"));
    assert_eq!(zone("new-york-broadway"), Some("America/New_York"));
    assert_eq!(zone("no-such-court"), None);
    let guaynabo = court_by_code(&courts, "guaynabo").unwrap();
    assert!(guaynabo.name.contains("San Juan"));
    assert!(court_by_code(&courts, "otero").unwrap().detained_only);
    assert!(!court_by_code(&courts, "el-paso").unwrap().detained_only);
}

#[test]
fn court_serialises_time_zone_as_iana_name() {
    let courts = parse_courts(COURTS_CSV).unwrap();
    let phoenix = court_by_code(&courts, "phoenix").unwrap();
    // The csv writer is a serde serializer at hand; the API's JSON uses the same derive.
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.serialize(phoenix).unwrap();
    let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
    assert_eq!(
        text,
        "code,name,city,state,time_zone,detained_only\n\
         phoenix,Phoenix Immigration Court,Phoenix,AZ,America/Phoenix,false\n"
    );
}

fn csv_with(rows: &[&str]) -> String {
    let mut text = COURTS_CSV_HEADER.join(",");
    for row in rows {
        text.push('\n');
        text.push_str(row);
    }
    text
}

#[test]
fn court_parsing_accepts_a_minimal_list() {
    let text = csv_with(&[
        "a-1,A Court,City,ST,UTC,FALSE",
        " b , B Court , City , ST , Europe/Paris , true ",
    ]);
    let courts = parse_courts(&text).unwrap();
    assert_eq!(courts.len(), 2);
    assert_eq!(courts[1].code, "b");
    assert_eq!(courts[1].name, "B Court");
    assert_eq!(courts[1].time_zone_name(), "Europe/Paris");
    assert!(courts[1].detained_only);
}

#[test]
fn court_row_errors_name_the_line() {
    let ok = "el-paso,El Paso Immigration Court,El Paso,TX,America/Denver,false";
    // Each bad row follows a good one, so its error must name line 3.
    let cases = [
        (
            "x,X,City,ST,America/Denvr,false",
            "unknown time zone \"America/Denvr\"",
        ),
        (ok, "duplicate slug \"el-paso\""),
        ("x,X,City,ST,UTC", "expected 6 fields"),
        ("x,X,City,ST,UTC,false,extra", "expected 6 fields"),
        ("x,X,City,ST,UTC,yes", "detained_only must be true or false"),
        ("x,,City,ST,UTC,false", "`name` is empty"),
        ("El-Paso,X,City,ST,UTC,false", "slug \"El-Paso\" must be"),
        ("-a,X,City,ST,UTC,false", "slug"),
        ("a-,X,City,ST,UTC,false", "slug"),
        ("a--b,X,City,ST,UTC,false", "slug"),
        ("a_b,X,City,ST,UTC,false", "slug"),
        ("é,X,City,ST,UTC,false", "slug"),
    ];
    for (row, expected) in cases {
        let error = parse_courts(&csv_with(&[ok, row])).unwrap_err();
        let rest = error.strip_prefix("line 3: ").unwrap_or_default();
        assert!(rest.starts_with(expected), "{row:?}: {error}");
    }
}

#[test]
fn court_header_errors() {
    let ok = "\nel-paso,El Paso Immigration Court,El Paso,TX,America/Denver,false";
    let wrong = [
        "code,name,city,state,time_zone,detained_only",
        "slug,name,city,state,time_zone",
    ];
    for text in [
        format!("{}{ok}", wrong[0]),
        format!("{}{ok}", wrong[1]),
        String::new(),
    ] {
        let error = parse_courts(&text).unwrap_err();
        let expected =
            "line 1: the header must be exactly `slug,name,city,state,time_zone,detained_only`";
        assert_eq!(error, expected);
    }
    let error = parse_courts(&csv_with(&[])).unwrap_err();
    assert_eq!(error, "the court list has no courts");
}

/// 7 to 9 ASCII digits, not all zeros.
fn a_number_digits() -> impl Strategy<Value = String> {
    "[0-9]{7,9}".prop_filter("not all zeros", |d| d.bytes().any(|b| b != b'0'))
}

proptest! {
    #[test]
    fn decorated_a_numbers_normalise(
        digits in a_number_digits(),
        prefix in prop::sample::select(vec!["", "A", "a", "A ", "a-", "A."]),
        seps in prop::collection::vec(prop::sample::select(vec!["", "", "-", ".", " ", "- "]), 9),
        outer in prop::sample::select(vec!["", " ", "  "]),
    ) {
        let mut input = format!("{outer}{prefix}");
        for (i, d) in digits.chars().enumerate() {
            if i > 0 {
                input.push_str(seps[i]);
            }
            input.push(d);
        }
        input.push_str(outer);
        let normalised = normalize_a_number(&input).unwrap();
        prop_assert_eq!(&normalised, &format!("A{digits:0>9}"));
        prop_assert_eq!(normalize_a_number(&normalised), Ok(normalised.clone()));
        prop_assert_eq!(a_number_search_key(&input), Some(normalised));
    }

    #[test]
    fn any_input_is_handled_without_panic(
        input in prop_oneof![any::<String>(), "[Aa0-9 .#-]{0,14}", "[a-zA-Z0-9 -]{0,20}"],
    ) {
        if let Ok(n) = normalize_a_number(&input) {
            prop_assert!(n.len() == 10 && n.starts_with('A') && n[1..].bytes().all(|b| b.is_ascii_digit()));
            prop_assert_eq!(normalize_a_number(&n), Ok(n.clone()));
        }
        if let Ok(r) = normalize_receipt_number(&input) {
            prop_assert_eq!(normalize_receipt_number(&r), Ok(r.clone()));
        }
        if let Ok(c) = validate_country(&input) {
            prop_assert_eq!(validate_country(&c), Ok(c.clone()));
        }
        if let Ok(t) = validate_language_tag(&input) {
            prop_assert_eq!(validate_language_tag(&t), Ok(t.clone()));
        }
        let _ = parse_courts(&input);
    }
}
