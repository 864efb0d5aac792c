//! The parameters a request parser reads, found in one pass: each read name has a slot, filled
//! straight from the query string or form body ([`Fields::read_pairs`], values borrowed unless
//! they had escapes) or from a [`Params`] already parsed ([`Fields::read_params`]).
//!
//! Repetition is tracked on the way (RFC 6749 §3.1, §3.2): a name with a [`Slot::One`] or no
//! slot at all may appear once; [`Fields::first_repeated`] names the first that appeared again,
//! as [`Params::ensure_no_repeats_except`] would with the [`Slot::Many`] names allowed.

use std::ops::Range;

use crate::form::{Pairs, Piece};
use crate::params::{Params, ParamsError, clip};

/// Where a parameter a parser reads goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    /// A parameter that may appear once; its index among the single ones.
    One(usize),
    /// A parameter that may repeat (`resource`, `audience`); its index among the lists.
    Many(usize),
}

/// What a single parameter was seen as.
#[derive(Clone, Debug, Default, PartialEq)]
enum Seen<'a> {
    #[default]
    Absent,
    Once(Text<'a>),
    Repeated,
}

/// A value: borrowed from the request, or decoded into [`Fields::decoded`].
#[derive(Clone, Debug, PartialEq)]
enum Text<'a> {
    Borrowed(&'a str),
    Decoded(Range<usize>),
}

/// The values of the `ONE` single and `MANY` repeatable parameters a parser reads.
#[derive(Debug, PartialEq)]
pub(crate) struct Fields<'a, const ONE: usize, const MANY: usize> {
    one: [Seen<'a>; ONE],
    many: [Vec<Text<'a>>; MANY],
    /// The values that had escapes, decoded.
    decoded: String,
    /// The first name, other than a [`Slot::Many`] one, that appeared again (clipped).
    repeated: Option<String>,
}

impl<'a, const ONE: usize, const MANY: usize> Fields<'a, ONE, MANY> {
    /// No parameters yet. (Filled in place: the fields are too large to move around cheaply.)
    pub(crate) fn new() -> Self {
        Self {
            one: std::array::from_fn(|_| Seen::Absent),
            many: std::array::from_fn(|_| Vec::new()),
            decoded: String::new(),
            repeated: None,
        }
    }

    /// Files a value under `slot`; a single parameter seen before becomes repeated.
    fn file(&mut self, name: &str, slot: Slot, value: Text<'a>) {
        match slot {
            Slot::One(index) => {
                if let Some(seen) = self.one.get_mut(index) {
                    if matches!(seen, Seen::Absent) {
                        *seen = Seen::Once(value);
                    } else {
                        *seen = Seen::Repeated;
                        self.repeated.get_or_insert_with(|| clip(name));
                    }
                }
            }
            Slot::Many(index) => {
                if let Some(list) = self.many.get_mut(index) {
                    list.push(value);
                }
            }
        }
    }

    /// Reads parameters already parsed; `slot` says where each read name goes.
    pub(crate) fn read_params(&mut self, params: &'a Params, slot: fn(&str) -> Option<Slot>) {
        // Names no slot takes, kept only to find a repeated one.
        let mut others: Vec<&str> = Vec::new();
        for (name, value) in params.iter() {
            match slot(name) {
                Some(slot) => self.file(name, slot, Text::Borrowed(value)),
                None if others.contains(&name) => {
                    self.repeated.get_or_insert_with(|| clip(name));
                }
                None => others.push(name),
            }
        }
    }

    /// Reads a query string's or body's pairs; `slot` says where each read name goes.
    ///
    /// # Errors
    ///
    /// The first error of decoding ([`Pairs`]).
    pub(crate) fn read_pairs(
        &mut self,
        mut pairs: Pairs<'a>,
        slot: fn(&str) -> Option<Slot>,
    ) -> Result<(), ParamsError> {
        let mut decoded = Vec::new();
        let mut others: Vec<Piece> = Vec::new();
        while let Some(pair) = pairs.next_into(&mut decoded, false) {
            let (name, value) = pair?;
            let name_text = match &name {
                Piece::Input(range) => pairs.input_text(range.clone()),
                // Checked as UTF-8 when it was returned.
                Piece::Output(range) => decoded
                    .get(range.clone())
                    .and_then(|bytes| std::str::from_utf8(bytes).ok())
                    .unwrap_or_default(),
            };
            match slot(name_text) {
                Some(slot) => {
                    let value = match value {
                        Piece::Input(range) => Text::Borrowed(pairs.input_text(range)),
                        Piece::Output(range) => Text::Decoded(range),
                    };
                    self.file(name_text, slot, value);
                }
                None => {
                    let bytes = pairs.bytes(&name, &decoded);
                    if others
                        .iter()
                        .any(|other| pairs.bytes(other, &decoded) == bytes)
                    {
                        self.repeated.get_or_insert_with(|| clip(name_text));
                    } else {
                        others.push(name);
                    }
                }
            }
        }
        // Every decoded value was checked as UTF-8 when it was returned, so this cannot fail.
        self.decoded = String::from_utf8(decoded).map_err(|_| ParamsError::NotUtf8 { at: 0 })?;
        Ok(())
    }

    /// Refuses a repeated parameter other than the [`Slot::Many`] ones (RFC 6749 §3.1, §3.2).
    ///
    /// # Errors
    ///
    /// [`ParamsError::Repeated`] naming the first one.
    pub(crate) fn ensure_no_repeats(&self) -> Result<(), ParamsError> {
        match &self.repeated {
            Some(name) => Err(ParamsError::Repeated { name: name.clone() }),
            None => Ok(()),
        }
    }

    fn text(&self, text: &Text<'a>) -> &str {
        match text {
            Text::Borrowed(text) => text,
            Text::Decoded(range) => self.decoded.get(range.clone()).unwrap_or_default(),
        }
    }

    /// The value of the single parameter `index` when it appears exactly once, as
    /// `params.single(name).ok().flatten()` reads it.
    pub(crate) fn one(&self, index: usize) -> Option<&str> {
        match self.one.get(index) {
            Some(Seen::Once(text)) => Some(self.text(text)),
            _ => None,
        }
    }

    /// Every value of the repeatable parameter `index`, in arrival order.
    pub(crate) fn many(&self, index: usize) -> impl Iterator<Item = &str> {
        self.many
            .get(index)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|text| self.text(text))
    }
}
