//! A single-pass strict JSON scanner for the usual shapes of JOSE headers and JWT claims: the
//! fast path in front of the serde visitors of [`strict_json`](crate::strict_json).
//!
//! The scanner never rejects anything by itself. It either *accepts* an input, and then the
//! serde path accepts it too with the very same result, or it *gives up* (`None`) and the caller
//! runs the serde path, which stays the single authority on every error and on every unusual
//! input. So no check can be weaker here than there; the tests of the header and claims fast
//! paths (and the `jose_claims_validate` fuzz target) check that one-sided agreement on
//! generated and mutated JSON.
//!
//! What it accepts, exactly as serde_json would:
//! - RFC 8259 JSON with whitespace ` `, `\t`, `\n`, `\r`;
//! - strings without control characters; escapes are validated as serde_json does for strings
//!   (`\" \\ \/ \b \f \n \r \t \uXXXX`, with UTF-16 surrogates paired), but a member *name* with
//!   an escape is given up on, so duplicate detection compares names exactly as written;
//! - numbers of the RFC 8259 grammar with at most 18 integer digits and no exponent (anything
//!   longer, or with an exponent, is where serde_json's range checks decide: given up on);
//! - `true`, `false`, `null`;
//! - objects whose member names are all distinct (at every level), at most [`MAX_NAMES`] names
//!   open at once and nesting at most [`MAX_LEVEL`] deep.
//!
//! Strings are scanned eight bytes at a time; duplicate names are found with a 64-bit filter per
//! object, comparing names only on a filter hit.

/// The most member names of all open objects the scanner keeps; more, and it gives up.
pub(crate) const MAX_NAMES: usize = 64;

/// The deepest nesting the scanner follows (serde_json's own limit is 128); deeper, it gives up.
pub(crate) const MAX_LEVEL: usize = 32;

/// A string as read by [`Scanner::string_unescaped`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Text<'a> {
    /// The string had no escape: its content, borrowed from the input.
    Borrowed(&'a str),
    /// The string had escapes: its unescaped content is in the scratch buffer.
    Copied,
}

/// What a value turned out to be, as read by [`Scanner::value_kind`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Anything else: a string with escapes, another number, an array, an object. (First, so
    /// that an all-zero tape is an empty one.)
    #[default]
    Other,
    /// A string without escapes.
    PlainString,
    /// An integer serde_json reads as `u64`/`i64`.
    Integer(i64),
    /// `true`.
    True,
    /// `false`.
    False,
    /// `null`.
    Null,
}

/// An integer as read by [`Scanner::json_integer`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JsonInteger {
    /// Non-negative: serde_json calls `visit_u64`.
    Unsigned(u64),
    /// Negative: serde_json calls `visit_i64`.
    Signed(i64),
}

/// A span of the input: `start..end`, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// A strict JSON scanner over one input; see the module documentation.
pub(crate) struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    level: usize,
    /// The member names of the open objects, innermost last, as `[start, end]`.
    names: [[u32; 2]; MAX_NAMES],
    names_len: usize,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// A mask with the high bit of each byte of `word` that is `"`, `\` or below 0x20. Bits above the
/// lowest one may be spurious (borrows), the lowest one is exact.
#[inline(always)]
pub(crate) fn special_bytes(word: u64) -> u64 {
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    zero(word ^ (ONES * u64::from(b'"')))
        | zero(word ^ (ONES * u64::from(b'\\')))
        | (word.wrapping_sub(ONES * 0x20) & !word & HIGH)
}

/// The position of the first `"`, `\` or control character of `bytes` at or after `from`: the
/// bytes a JSON string cannot hold as they are (RFC 8259 §7), which are also exactly those
/// serde_json escapes when it writes a string.
#[inline(always)]
pub(crate) fn find_special(bytes: &[u8], mut from: usize) -> Option<usize> {
    while let Some(chunk) = bytes
        .get(from..from + 8)
        .and_then(|s| <[u8; 8]>::try_from(s).ok())
    {
        let mask = special_bytes(u64::from_le_bytes(chunk));
        if mask != 0 {
            return Some(from + (mask.trailing_zeros() / 8) as usize);
        }
        from += 8;
    }
    while let Some(&byte) = bytes.get(from) {
        if byte == b'"' || byte == b'\\' || byte < 0x20 {
            return Some(from);
        }
        from += 1;
    }
    None
}

/// Which bit of an object's 64-bit name filter `name` sets.
#[inline(always)]
fn filter_bit(name: &[u8]) -> u64 {
    let first = name.first().copied().unwrap_or(0);
    let last = name.last().copied().unwrap_or(0);
    let len = name.len() as u8;
    let key = u32::from_le_bytes([first, last, len, 0x5a]);
    1 << (key.wrapping_mul(0x9e37_79b1) >> 26)
}

impl<'a> Scanner<'a> {
    /// A scanner at the start of `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        Scanner {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            level: 0,
            names: [[0; 2]; MAX_NAMES],
            names_len: 0,
        }
    }

    /// The bytes of `span`.
    pub(crate) fn bytes(&self, span: Span) -> &'a [u8] {
        self.bytes.get(span.start..span.end).unwrap_or(&[])
    }

    #[inline(always)]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Skips whitespace (RFC 8259 §2; serde_json's set).
    #[inline(always)]
    pub(crate) fn skip_whitespace(&mut self) {
        // Compact JSON has none: one comparison in the usual case.
        if self.peek().is_some_and(|byte| byte > b' ') {
            return;
        }
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    #[inline(always)]
    pub(crate) fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek() == Some(byte)).then(|| self.pos += 1)
    }

    /// Whitespace, then the end of the input.
    pub(crate) fn end(&mut self) -> Option<()> {
        self.skip_whitespace();
        (self.pos == self.bytes.len()).then_some(())
    }

    /// The position of the first `"`, `\` or control character at or after `from`.
    #[inline(always)]
    fn find_special(&self, from: usize) -> Option<usize> {
        find_special(self.bytes, from)
    }

    /// A string without escapes; the span of its content. Gives up on an escape.
    pub(crate) fn plain_string(&mut self) -> Option<Span> {
        self.eat(b'"')?;
        let start = self.pos;
        let end = self.find_special(start)?;
        (self.bytes.get(end) == Some(&b'"')).then_some(())?;
        self.pos = end + 1;
        Some(Span { start, end })
    }

    /// Any string, escapes validated as serde_json validates them for a `str`; whether it had
    /// none.
    fn string(&mut self) -> Option<bool> {
        self.eat(b'"')?;
        let mut plain = true;
        loop {
            let at = self.find_special(self.pos)?;
            self.pos = at + 1;
            match self.bytes.get(at) {
                Some(b'"') => return Some(plain),
                Some(b'\\') => {
                    self.escape()?;
                    plain = false;
                }
                _ => return None, // A control character.
            }
        }
    }

    /// A string as serde_json hands it to a visitor: borrowed from the input when it has no
    /// escape, else unescaped into `scratch`.
    pub(crate) fn string_unescaped(&mut self, scratch: &mut String) -> Option<Text<'a>> {
        self.eat(b'"')?;
        let start = self.pos;
        let mut at = self.find_special(start)?;
        if self.bytes.get(at) == Some(&b'"') {
            self.pos = at + 1;
            return self.text.get(start..at).map(Text::Borrowed);
        }
        scratch.clear();
        let mut run = start;
        loop {
            scratch.push_str(self.text.get(run..at)?);
            self.pos = at + 1;
            match self.bytes.get(at) {
                Some(b'"') => return Some(Text::Copied),
                Some(b'\\') => scratch.push(self.escape()?),
                _ => return None, // A control character.
            }
            run = self.pos;
            at = self.find_special(run)?;
        }
    }

    /// The rest of an escape, after its backslash: the character it stands for.
    fn escape(&mut self) -> Option<char> {
        let byte = self.peek()?;
        self.pos += 1;
        match byte {
            b'"' => Some('"'),
            b'\\' => Some('\\'),
            b'/' => Some('/'),
            b'b' => Some('\u{8}'),
            b'f' => Some('\u{c}'),
            b'n' => Some('\n'),
            b'r' => Some('\r'),
            b't' => Some('\t'),
            b'u' => match self.hex4()? {
                // A lone trailing surrogate.
                0xdc00..=0xdfff => None,
                // A leading surrogate must be followed by an escaped trailing one.
                high @ 0xd800..=0xdbff => {
                    self.eat(b'\\')?;
                    self.eat(b'u')?;
                    let low = self.hex4()?;
                    if !(0xdc00..=0xdfff).contains(&low) {
                        return None;
                    }
                    let code =
                        0x1_0000 + ((u32::from(high) - 0xd800) << 10) + (u32::from(low) - 0xdc00);
                    char::from_u32(code)
                }
                other => char::from_u32(u32::from(other)),
            },
            _ => None,
        }
    }

    fn hex4(&mut self) -> Option<u16> {
        let digits = self.bytes.get(self.pos..self.pos + 4)?;
        let mut value = 0u16;
        for &digit in digits {
            let nibble = match digit {
                b'0'..=b'9' => digit - b'0',
                b'a'..=b'f' => digit - b'a' + 10,
                b'A'..=b'F' => digit - b'A' + 10,
                _ => return None,
            };
            value = value << 4 | u16::from(nibble);
        }
        self.pos += 4;
        Some(value)
    }

    /// A number; `Some(Some(n))` when it is an integer serde_json reads as `i64`/`u64`,
    /// `Some(None)` for another number serde_json accepts without a range check.
    fn number(&mut self) -> Option<Option<i64>> {
        let bytes = self.bytes;
        let mut pos = self.pos;
        let negative = bytes.get(pos) == Some(&b'-');
        pos += usize::from(negative);
        let start = pos;
        let mut value: i64 = 0;
        while let Some(&digit) = bytes.get(pos) {
            if !digit.is_ascii_digit() {
                break;
            }
            // 18 digits cannot overflow an i64 (nor reach serde_json's float fallback): more,
            // and serde_json decides.
            if pos - start == 18 {
                return None;
            }
            value = value * 10 + i64::from(digit - b'0');
            pos += 1;
        }
        match pos - start {
            0 => return None,
            // serde_json refuses leading zeros.
            1 => {}
            _ if bytes.get(start) == Some(&b'0') => return None,
            _ => {}
        }
        let mut integer = true;
        if bytes.get(pos) == Some(&b'.') {
            pos += 1;
            let fraction = pos;
            while bytes.get(pos).is_some_and(u8::is_ascii_digit) {
                pos += 1;
            }
            if pos == fraction {
                return None;
            }
            integer = false;
        }
        if let Some(b'e' | b'E') = bytes.get(pos) {
            return None; // Range checks are serde_json's business.
        }
        self.pos = pos;
        // serde_json reads `-0` as the float -0.0.
        if !integer || (negative && value == 0) {
            return Some(None);
        }
        Some(Some(if negative { -value } else { value }))
    }

    /// An integer serde_json would hand a visitor as `i64`/`u64`; gives up on anything else.
    pub(crate) fn integer(&mut self) -> Option<i64> {
        self.number()?
    }

    /// A number as serde_json hands it to a visitor: `visit_u64` for a non-negative integer,
    /// `visit_i64` for a negative one; gives up on what serde_json reads as a float (fractions,
    /// `-0`) and on everything [`number`](Self::number) gives up on.
    pub(crate) fn json_integer(&mut self) -> Option<JsonInteger> {
        let value = self.number()??;
        Some(match u64::try_from(value) {
            Ok(unsigned) => JsonInteger::Unsigned(unsigned),
            Err(_) => JsonInteger::Signed(value),
        })
    }

    /// Exactly `word` (`true`, `false`, `null`).
    pub(crate) fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.pos + word.len();
        (self.bytes.get(self.pos..end)? == word).then(|| self.pos = end)
    }

    /// Any value; arrays and objects need `budget` ≥ 1 and their contents get `budget - 1`
    /// (the serde visitors' depth rule).
    pub(crate) fn value(&mut self, budget: usize) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' => {
                let inner = budget.checked_sub(1)?;
                self.object(|scanner, _| scanner.value(inner))
            }
            b'[' => {
                let inner = budget.checked_sub(1)?;
                self.array(|scanner| scanner.value(inner))
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number().map(|_| ()),
            _ => None,
        }
    }

    /// Any value, as [`value`](Self::value), and what kind it was.
    pub(crate) fn value_kind(&mut self, budget: usize) -> Option<Kind> {
        Some(match self.peek()? {
            b'"' => {
                if self.string()? {
                    Kind::PlainString
                } else {
                    Kind::Other
                }
            }
            b'-' | b'0'..=b'9' => match self.number()? {
                Some(value) => Kind::Integer(value),
                None => Kind::Other,
            },
            b't' => {
                self.literal(b"true")?;
                Kind::True
            }
            b'f' => {
                self.literal(b"false")?;
                Kind::False
            }
            b'n' => {
                self.literal(b"null")?;
                Kind::Null
            }
            _ => {
                self.value(budget)?;
                Kind::Other
            }
        })
    }

    /// How many arrays and objects are open.
    pub(crate) fn level(&self) -> usize {
        self.level
    }

    /// The current position.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Moves to `pos` (a position this scanner or another over the same text reported).
    pub(crate) fn seek(&mut self, pos: usize) {
        self.pos = pos;
    }

    /// Enters an array or object: gives up beyond [`MAX_LEVEL`].
    pub(crate) fn enter(&mut self) -> Option<()> {
        self.level += 1;
        (self.level <= MAX_LEVEL).then_some(())
    }

    /// Leaves an array or object.
    pub(crate) fn leave(&mut self) {
        self.level = self.level.saturating_sub(1);
    }

    /// An array; `element` reads each element (whitespace around it is skipped here).
    pub(crate) fn array(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        self.enter()?;
        self.skip_whitespace();
        if self.eat(b']').is_none() {
            loop {
                element(self)?;
                self.skip_whitespace();
                match self.peek()? {
                    b',' => {
                        self.pos += 1;
                        self.skip_whitespace();
                    }
                    b']' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.level -= 1;
        Some(())
    }

    /// An object; `member` reads each value, given the name's span (whitespace around values is
    /// skipped here). Gives up on an escaped name or a name seen before in this object.
    pub(crate) fn object(
        &mut self,
        mut member: impl FnMut(&mut Self, Span) -> Option<()>,
    ) -> Option<()> {
        self.eat(b'{')?;
        self.enter()?;
        let first_name = self.names_len;
        let mut filter = 0u64;
        self.skip_whitespace();
        if self.eat(b'}').is_none() {
            loop {
                let name = self.plain_string()?;
                let bytes = self.bytes.get(name.start..name.end)?;
                let bit = filter_bit(bytes);
                if filter & bit != 0 {
                    let seen = self.names.get(first_name..self.names_len)?;
                    if seen.iter().any(|&[start, end]| {
                        self.bytes.get(start as usize..end as usize) == Some(bytes)
                    }) {
                        return None;
                    }
                }
                filter |= bit;
                *self.names.get_mut(self.names_len)? = [
                    u32::try_from(name.start).ok()?,
                    u32::try_from(name.end).ok()?,
                ];
                self.names_len += 1;
                self.skip_whitespace();
                self.eat(b':')?;
                self.skip_whitespace();
                member(self, name)?;
                self.skip_whitespace();
                match self.peek()? {
                    b',' => {
                        self.pos += 1;
                        self.skip_whitespace();
                    }
                    b'}' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.names_len = first_name;
        self.level -= 1;
        Some(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Whether the scanner accepts `json` as one value with the given budget.
    fn accepts(json: &str, budget: usize) -> bool {
        let mut scanner = Scanner::new(json);
        scanner.skip_whitespace();
        scanner.value(budget).is_some() && scanner.end().is_some()
    }

    /// What serde_json (through the strict visitors) says of `json` as one value.
    fn reference(json: &str, budget: usize) -> bool {
        use serde::de::DeserializeSeed as _;
        let mut stash = None;
        let mut de = serde_json::Deserializer::from_str(json);
        crate::strict_json::StrictIgnore {
            stash: &mut stash,
            depth: budget,
        }
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .is_ok()
    }

    /// The one-sided agreement: whatever the scanner accepts, the reference accepts.
    pub(crate) fn check(json: &str) {
        for budget in [0, 1, 2, 16] {
            if accepts(json, budget) {
                assert!(reference(json, budget), "{json:?} at budget {budget}");
            }
        }
    }

    #[test]
    fn accepts_usual_json() {
        for json in [
            r#"{"a":[1,{"b":true}],"c":null,"d":1.5,"e":-0,"f":"x\u00e9\ud83d\ude00\n"}"#,
            " { \"a\" : [ ] , \"b\" : { } } \n",
            "[]",
            "0",
            "-12.50",
            r#""\"\\\/\b\f\n\r\t""#,
            "123456789012345678",
        ] {
            assert!(accepts(json, 16), "{json}");
            assert!(reference(json, 16), "{json}");
        }
    }

    #[test]
    fn gives_up_on_what_serde_json_refuses() {
        for json in [
            r#"{"a":1,"a":2}"#,
            r#"{"x":{"k":1,"k":2}}"#,
            r#"{"a":1,}"#,
            "[1,]",
            "01",
            "1.",
            "-",
            ".5",
            "+1",
            "\"\u{1}\"",
            r#""\ud800""#,
            r#""\udc00""#,
            r#""\ud800\u0041""#,
            r#""\x""#,
            r#""\u12G4""#,
            "tru",
            "nul",
            "{\"a\" 1}",
            "{'a':1}",
            "[1 2]",
            "{\"a\":1} x",
            "\u{a0}1",
        ] {
            assert!(!accepts(json, 16), "{json}");
        }
    }

    #[test]
    fn gives_up_where_range_checks_or_escaped_names_decide() {
        for json in [
            "1e5",
            "1E5",
            "1.0e-5",
            "1234567890123456789",
            "-1234567890123456789",
            r#"{"\u0061":1}"#,
        ] {
            assert!(!accepts(json, 16), "{json}");
            check(json);
        }
        assert!(!reference("1e400", 16));
    }

    #[test]
    fn depth_budget_follows_the_visitors() {
        assert!(accepts("1", 0));
        assert!(!accepts("[]", 0));
        assert!(accepts("[[]]", 2));
        assert!(!accepts("[[]]", 1));
        let deep = format!("{}{}", "[".repeat(MAX_LEVEL + 1), "]".repeat(MAX_LEVEL + 1));
        assert!(!accepts(&deep, 1000));
        assert!(reference(&deep, 1000));
    }

    #[test]
    fn integers_are_read_exactly() {
        for (json, value) in [
            ("0", Some(Some(0))),
            ("-0", Some(None)),
            ("-5", Some(Some(-5))),
            ("999999999999999999", Some(Some(999_999_999_999_999_999))),
            ("-999999999999999999", Some(Some(-999_999_999_999_999_999))),
            ("1.5", Some(None)),
            ("1e3", None),
        ] {
            let mut scanner = Scanner::new(json);
            assert_eq!(scanner.number(), value, "{json}");
        }
    }

    #[test]
    fn many_names_and_filter_collisions_are_exact() {
        let names: Vec<String> = (0..MAX_NAMES).map(|i| format!("\"n{i}\":{i}")).collect();
        let json = format!("{{{}}}", names.join(","));
        assert!(accepts(&json, 2));
        let too_many = format!("{{{},\"last\":0}}", names.join(","));
        assert!(!accepts(&too_many, 2));
        // Names with the same first byte, last byte and length share a filter bit.
        assert!(accepts(r#"{"abc":1,"axc":2,"ayc":3}"#, 2));
        assert!(!accepts(r#"{"abc":1,"axc":2,"abc":3}"#, 2));
    }

    /// Strings built from pieces that matter to JSON.
    fn json_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("{".to_owned()),
            Just("}".to_owned()),
            Just("[".to_owned()),
            Just("]".to_owned()),
            Just(",".to_owned()),
            Just(":".to_owned()),
            Just("\"".to_owned()),
            Just("\"a\"".to_owned()),
            Just("\"a\":".to_owned()),
            Just("\"b\":".to_owned()),
            Just("\\".to_owned()),
            Just("\\u".to_owned()),
            Just("d800".to_owned()),
            Just("\\udc00".to_owned()),
            Just("\\ud83d\\ude00".to_owned()),
            Just("true".to_owned()),
            Just("null".to_owned()),
            Just("-".to_owned()),
            Just("0".to_owned()),
            Just("12".to_owned()),
            Just(".".to_owned()),
            Just("e".to_owned()),
            Just(" ".to_owned()),
            Just("\n".to_owned()),
            Just("\u{1}".to_owned()),
            Just("é".to_owned()),
            "[a-z]{1,3}",
            "[0-9]{1,20}",
        ];
        proptest::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn never_accepts_what_serde_json_refuses(json in json_text()) {
            check(&json);
        }

        #[test]
        fn accepts_what_serde_json_writes(value in crate::scan::tests::arbitrary_json()) {
            let json = value.to_string();
            prop_assert!(reference(&json, 16));
            // serde_json writes no duplicate names, no exponent for these numbers, escapes only
            // where needed: the scanner must accept all of it (this is the fast path's reach).
            prop_assert!(accepts(&json, 16), "{}", json);
        }
    }

    /// JSON texts of the shapes JOSE headers and claims have, and their near misses: registered
    /// names (also escaped), values of every type including the edge cases of the scanner's
    /// contract (exponents, long integers, `-0`, surrogates, control characters), nested and
    /// duplicated members, odd whitespace, and sometimes one byte inserted, deleted or replaced.
    pub(crate) fn jose_json() -> impl Strategy<Value = String> {
        let name = prop_oneof![
            12 => proptest::sample::select(vec![
                "iss", "sub", "aud", "exp", "nbf", "iat", "jti", "alg", "kid", "typ", "cty", "jku",
                "x5u", "x5c", "x5t", "x5t#S256", "crit", "b64", "jwk", "nonce", "",
            ])
            .prop_map(|name| format!("\"{name}\"")),
            1 => proptest::sample::select(vec![
                r#""\u0061ud""#, r#""\u0061lg""#, r#""e\u0078p""#, r#""k\"""#, "\"a\u{1}\"",
            ])
            .prop_map(str::to_owned),
            1 => "[a-z]{1,3}".prop_map(|name| format!("\"{name}\"")),
        ];
        let usual = proptest::sample::select(vec![
            r#""HS256""#,
            r#""ES256""#,
            r#""JWT""#,
            r#""at+jwt""#,
            r#""k1""#,
            r#""""#,
            r#""a\u0062c""#,
            r#""\ud83d\ude00""#,
            r#""x\ny""#,
            r#""\/""#,
            r#""é""#,
            r#""b64""#,
            "0",
            "1",
            "-1",
            "1.5",
            "-0.25",
            "0.0",
            "253402300799",
            "-377705116800",
            "1700000000",
            "999999999999999999",
            "-999999999999999999",
            "true",
            "false",
            "null",
            "[]",
            r#"["a"]"#,
            r#"["a","b"]"#,
            "[1]",
            "{}",
            r#"{"k":1}"#,
            r#"["b64"]"#,
        ]);
        let unusual = proptest::sample::select(vec![
            r#""none""#,
            r#""\ud800""#,
            r#""\udc00x""#,
            "\"\u{1}\"",
            r#""\q""#,
            "-0",
            "1e3",
            "1E+3",
            "2.5e-3",
            "01",
            "-",
            "1.",
            "253402300800",
            "-377705116801",
            "1000000000000000000",
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551616",
            "-9223372036854775809",
            "1e400",
            "tru",
            "nul",
            r#"["a",]"#,
            r#"{"k":1,"k":2}"#,
            r#"{"kty":"oct","k":"AAAA"}"#,
        ]);
        let leaf = prop_oneof![16 => usual, 1 => unusual].prop_map(str::to_owned);
        let space = || proptest::sample::select(vec!["", "", "", " ", "\n", "\t", "\r", "\u{a0}"]);
        let value = leaf.prop_recursive(3, 24, 4, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4)
                    .prop_map(|items| format!("[{}]", items.join(","))),
                proptest::collection::vec(
                    (
                        proptest::sample::select(vec!["\"a\"", "\"b\"", r#""\u0061""#]),
                        inner
                    ),
                    0..4
                )
                .prop_map(|members| {
                    let members: Vec<String> = members
                        .into_iter()
                        .map(|(n, v)| format!("{n}:{v}"))
                        .collect();
                    format!("{{{}}}", members.join(","))
                }),
            ]
        });
        let member = (name, space(), space(), value)
            .prop_map(|(name, before, after, value)| format!("{name}{before}:{after}{value}"));
        let object = (
            proptest::collection::vec(member, 0..8),
            space(),
            space(),
            any::<proptest::sample::Index>(),
            proptest::bool::weighted(0.2),
        )
            .prop_map(|(mut members, open, close, which, duplicate)| {
                if duplicate && !members.is_empty() {
                    let copy = which.get(&members).clone();
                    members.push(copy);
                }
                format!("{open}{{{}}}{close}", members.join(","))
            });
        let mutation = prop_oneof![
            8 => Just(None),
            1 => (any::<proptest::sample::Index>(), 0u8..4, proptest::sample::select(
                b"{}[],:\"\\u0-1.eE tfn\x01\x7f".to_vec()
            ))
            .prop_map(Some),
        ];
        (object, mutation).prop_map(|(text, mutation)| {
            let mut bytes = text.into_bytes();
            if let Some((at, kind, byte)) = mutation {
                let at = at.index(bytes.len() + 1);
                match kind {
                    0 => bytes.insert(at, byte),
                    1 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    _ if at < bytes.len() => bytes[at] = byte,
                    _ => bytes.push(byte),
                }
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    }

    /// Claims objects as issuers write them: registered claims of the right types, other members
    /// of any shape the scanner handles, serialized by serde_json in some member order.
    pub(crate) fn usual_claims() -> impl Strategy<Value = String> {
        // Printable, and nothing serde_json escapes (the fast path leaves escaped claims to serde).
        let text = || "[ !#-\\[\\]-~]{0,20}|[a-zé/:.-]{0,10}".prop_map(serde_json::Value::String);
        let date = || (-377_705_116_800i64..=253_402_300_799).prop_map(serde_json::Value::from);
        let registered = (
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::option::of(prop_oneof![
                text(),
                proptest::collection::vec(text(), 0..4).prop_map(serde_json::Value::Array),
            ]),
            proptest::option::of(date()),
            proptest::option::of(date()),
            proptest::option::of(date()),
            proptest::option::of(text()),
        );
        let others = proptest::collection::btree_map("[a-z_]{1,10}", arbitrary_json(), 0..6);
        (registered, others).prop_map(|((iss, sub, aud, exp, nbf, iat, jti), others)| {
            let mut claims = serde_json::Map::new();
            // Other members never reuse a registered name: an absent registered claim must stay
            // absent (a generated `"nbf": null` is not what issuers write).
            for (name, value) in others {
                let registered = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];
                if !registered.contains(&name.as_str()) {
                    claims.insert(name, value);
                }
            }
            for (name, value) in [
                ("iss", iss),
                ("sub", sub),
                ("aud", aud),
                ("exp", exp),
                ("nbf", nbf),
                ("iat", iat),
                ("jti", jti),
            ] {
                if let Some(value) = value {
                    claims.insert(name.to_owned(), value);
                }
            }
            serde_json::Value::Object(claims).to_string()
        })
    }

    /// Protected headers as signers write them (without `jwk`, `crit`, `b64`).
    pub(crate) fn usual_header() -> impl Strategy<Value = String> {
        let alg = proptest::sample::select(vec![
            "HS256", "HS384", "HS512", "RS256", "PS384", "ES256", "ES384", "EdDSA", "none", "XX",
        ]);
        let text = || proptest::option::of("[ !#-\\[\\]-~]{0,20}");
        let others = proptest::collection::btree_map("[a-z_5#]{1,8}", arbitrary_json(), 0..4);
        (alg, text(), text(), text(), others).prop_map(|(alg, typ, kid, cty, others)| {
            let mut header = serde_json::Map::new();
            for (name, value) in others {
                // Neither the members the scanner leaves to serde nor the registered ones (an
                // absent `typ` must stay absent, not become a generated number).
                if !matches!(
                    name.as_str(),
                    "jwk" | "crit" | "b64" | "alg" | "kid" | "typ" | "cty" | "jku" | "x5u"
                ) {
                    header.insert(name, value);
                }
            }
            header.insert("alg".to_owned(), alg.into());
            for (name, value) in [("typ", typ), ("kid", kid), ("cty", cty)] {
                if let Some(value) = value {
                    header.insert(name.to_owned(), value.into());
                }
            }
            serde_json::Value::Object(header).to_string()
        })
    }

    /// Arbitrary JSON values of the shapes the scanner handles (integers of at most 18 digits,
    /// no floats that serde_json would print with an exponent).
    pub(crate) fn arbitrary_json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            (-999_999_999_999_999_999i64..=999_999_999_999_999_999).prop_map(Into::into),
            (-1000i32..1000, 1u32..1000).prop_map(|(a, b)| {
                serde_json::Value::from(f64::from(a) + f64::from(b) / 1024.0)
            }),
            any::<String>().prop_map(serde_json::Value::String),
            "[ -~]{0,12}".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                proptest::collection::btree_map("[a-z_]{0,8}", inner, 0..6)
                    .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
            ]
        })
    }
}
