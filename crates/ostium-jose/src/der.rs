//! A minimal DER reader for the key containers this crate imports: PKCS#8 `PrivateKeyInfo`
//! (RFC 5208, RFC 5958) and X.509 `SubjectPublicKeyInfo` (RFC 5280 §4.1.2.7), for RSA
//! (RFC 8017 Appendix A.1), EC P-256/P-384 (RFC 5480, RFC 5915) and Ed25519 (RFC 8410).
//!
//! Definite lengths in minimal form only, no high tag numbers: anything else is not DER.

use crate::crypto::EcCurve;
use crate::error::KeyError;

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const NULL: u8 = 0x05;
const OID: u8 = 0x06;

const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

/// The key inside a DER container, as raw components.
pub(crate) enum DerKey<'a> {
    /// RSA public (`d` etc. empty) or private key; integers without leading zeros.
    Rsa {
        n: &'a [u8],
        e: &'a [u8],
        private: Option<[&'a [u8]; 6]>,
    },
    /// EC key: uncompressed public point (when present) and private scalar (when private).
    Ec {
        curve: EcCurve,
        point: Option<&'a [u8]>,
        d: Option<&'a [u8]>,
    },
    /// Ed25519 key: public key (when present) and seed (when private).
    Ed25519 {
        x: Option<&'a [u8]>,
        seed: Option<&'a [u8]>,
    },
}

fn malformed(why: &'static str) -> KeyError {
    KeyError::Der(why)
}

struct Reader<'a> {
    input: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(input: &'a [u8]) -> Self {
        Reader { input }
    }

    fn is_empty(&self) -> bool {
        self.input.is_empty()
    }

    fn peek(&self) -> Option<u8> {
        self.input.first().copied()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], KeyError> {
        if n > self.input.len() {
            return Err(malformed("truncated"));
        }
        let (head, rest) = self.input.split_at(n);
        self.input = rest;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8, KeyError> {
        let b = self.take(1)?;
        b.first().copied().ok_or(malformed("truncated"))
    }

    fn tlv(&mut self) -> Result<(u8, &'a [u8]), KeyError> {
        let tag = self.byte()?;
        if tag & 0x1f == 0x1f {
            return Err(malformed("high tag numbers are not used in key containers"));
        }
        let first = self.byte()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 {
                return Err(malformed("indefinite or oversized length"));
            }
            let mut len = 0usize;
            for (i, b) in self.take(count)?.iter().enumerate() {
                if i == 0 && *b == 0 {
                    return Err(malformed("non-minimal length"));
                }
                len = (len << 8) | usize::from(*b);
            }
            if len < 0x80 {
                return Err(malformed("non-minimal length"));
            }
            len
        };
        Ok((tag, self.take(len)?))
    }

    fn expect(&mut self, tag: u8) -> Result<&'a [u8], KeyError> {
        let (actual, value) = self.tlv()?;
        if actual == tag {
            Ok(value)
        } else {
            Err(malformed("unexpected tag"))
        }
    }

    fn finish(&self) -> Result<(), KeyError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(malformed("trailing data"))
        }
    }

    /// A non-negative INTEGER, returned without its sign octet.
    fn unsigned(&mut self) -> Result<&'a [u8], KeyError> {
        let value = self.expect(INTEGER)?;
        match value {
            [] => Err(malformed("empty INTEGER")),
            [first, ..] if first & 0x80 != 0 => Err(malformed("negative INTEGER")),
            [0, second, ..] if second & 0x80 == 0 => Err(malformed("non-minimal INTEGER")),
            [0, rest @ ..] if !rest.is_empty() => Ok(rest),
            _ => Ok(value),
        }
    }

    fn small(&mut self) -> Result<u8, KeyError> {
        match self.unsigned()? {
            [v] => Ok(*v),
            _ => Err(malformed("version out of range")),
        }
    }

    /// A BIT STRING with no unused bits.
    fn bits(&mut self) -> Result<&'a [u8], KeyError> {
        match self.expect(BIT_STRING)? {
            [0, rest @ ..] => Ok(rest),
            _ => Err(malformed("BIT STRING with unused bits")),
        }
    }
}

enum AlgorithmId {
    Rsa,
    Ec(EcCurve),
    Ed25519,
}

fn algorithm_identifier(reader: &mut Reader<'_>) -> Result<AlgorithmId, KeyError> {
    let mut alg = Reader::new(reader.expect(SEQUENCE)?);
    let oid = alg.expect(OID)?;
    let id = if oid == OID_RSA {
        // Parameters are NULL (RFC 8017 Appendix A.1); tolerate their absence as many encoders do.
        if !alg.is_empty() && !alg.expect(NULL)?.is_empty() {
            return Err(malformed("RSA parameters must be NULL"));
        }
        AlgorithmId::Rsa
    } else if oid == OID_EC {
        let curve = alg.expect(OID)?;
        if curve == OID_P256 {
            AlgorithmId::Ec(EcCurve::P256)
        } else if curve == OID_P384 {
            AlgorithmId::Ec(EcCurve::P384)
        } else {
            return Err(malformed("unsupported curve (only P-256 and P-384)"));
        }
    } else if oid == OID_ED25519 {
        AlgorithmId::Ed25519
    } else {
        return Err(malformed(
            "unsupported key algorithm (only RSA, EC P-256/P-384, Ed25519)",
        ));
    };
    alg.finish()?;
    Ok(id)
}

/// Parses an X.509 `SubjectPublicKeyInfo`.
pub(crate) fn parse_spki(der: &[u8]) -> Result<DerKey<'_>, KeyError> {
    let mut outer = Reader::new(der);
    let mut spki = Reader::new(outer.expect(SEQUENCE)?);
    outer.finish()?;
    let id = algorithm_identifier(&mut spki)?;
    let key = spki.bits()?;
    spki.finish()?;
    Ok(match id {
        AlgorithmId::Rsa => {
            let mut outer = Reader::new(key);
            let mut rsa = Reader::new(outer.expect(SEQUENCE)?);
            outer.finish()?;
            let n = rsa.unsigned()?;
            let e = rsa.unsigned()?;
            rsa.finish()?;
            DerKey::Rsa {
                n,
                e,
                private: None,
            }
        }
        AlgorithmId::Ec(curve) => DerKey::Ec {
            curve,
            point: Some(key),
            d: None,
        },
        AlgorithmId::Ed25519 => DerKey::Ed25519 {
            x: Some(key),
            seed: None,
        },
    })
}

/// Parses a PKCS#8 `PrivateKeyInfo` / `OneAsymmetricKey` (v1 or v2).
pub(crate) fn parse_pkcs8(der: &[u8]) -> Result<DerKey<'_>, KeyError> {
    let mut outer = Reader::new(der);
    let mut info = Reader::new(outer.expect(SEQUENCE)?);
    outer.finish()?;
    let version = info.small()?;
    if version > 1 {
        return Err(malformed("unknown PKCS#8 version"));
    }
    let id = algorithm_identifier(&mut info)?;
    let private_key = info.expect(OCTET_STRING)?;
    // [0] attributes (ignored) and [1] public key (v2).
    let mut public_key = None;
    if info.peek() == Some(0xa0) {
        info.tlv()?;
    }
    if info.peek() == Some(0x81) || info.peek() == Some(0xa1) {
        if version != 1 {
            return Err(malformed("public key in a v1 PKCS#8"));
        }
        let (tag, value) = info.tlv()?;
        public_key = Some(if tag == 0x81 {
            match value {
                [0, rest @ ..] => rest,
                _ => return Err(malformed("public key BIT STRING with unused bits")),
            }
        } else {
            Reader::new(value).bits()?
        });
    }
    info.finish()?;
    match id {
        AlgorithmId::Rsa => {
            let mut outer = Reader::new(private_key);
            let mut rsa = Reader::new(outer.expect(SEQUENCE)?);
            outer.finish()?;
            if rsa.small()? != 0 {
                return Err(malformed("multi-prime RSA keys are not supported"));
            }
            let n = rsa.unsigned()?;
            let e = rsa.unsigned()?;
            let mut private = [&[][..]; 6];
            for slot in &mut private {
                *slot = rsa.unsigned()?;
            }
            rsa.finish()?;
            Ok(DerKey::Rsa {
                n,
                e,
                private: Some(private),
            })
        }
        AlgorithmId::Ec(curve) => {
            let mut outer = Reader::new(private_key);
            let mut ec = Reader::new(outer.expect(SEQUENCE)?);
            outer.finish()?;
            if ec.small()? != 1 {
                return Err(malformed("ECPrivateKey version must be 1"));
            }
            let d = ec.expect(OCTET_STRING)?;
            let mut point = public_key;
            if ec.peek() == Some(0xa0) {
                let params = Reader::new(ec.tlv()?.1).expect(OID)?;
                let expected = match curve {
                    EcCurve::P256 => OID_P256,
                    EcCurve::P384 => OID_P384,
                };
                if params != expected {
                    return Err(malformed("ECPrivateKey curve differs from the algorithm's"));
                }
            }
            if ec.peek() == Some(0xa1) {
                point = Some(Reader::new(ec.tlv()?.1).bits()?);
            }
            ec.finish()?;
            Ok(DerKey::Ec {
                curve,
                point,
                d: Some(d),
            })
        }
        AlgorithmId::Ed25519 => {
            let mut inner = Reader::new(private_key);
            let seed = inner.expect(OCTET_STRING)?;
            inner.finish()?;
            Ok(DerKey::Ed25519 {
                x: public_key,
                seed: Some(seed),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_an_ed25519_spki() {
        // RFC 8410 §10.1.
        let der = [
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00, 0x19, 0xbf,
            0x44, 0x09, 0x69, 0x84, 0xcd, 0xfe, 0x85, 0x41, 0xba, 0xc1, 0x67, 0xdc, 0x3b, 0x96,
            0xc8, 0x50, 0x86, 0xaa, 0x30, 0xb6, 0xb6, 0xcb, 0x0c, 0x5c, 0x38, 0xad, 0x70, 0x31,
            0x66, 0xe1,
        ];
        let Ok(DerKey::Ed25519 {
            x: Some(x),
            seed: None,
        }) = parse_spki(&der)
        else {
            panic!("not parsed");
        };
        assert_eq!(x.len(), 32);
        assert_eq!(x[0], 0x19);
    }

    #[test]
    fn parses_an_ed25519_pkcs8_v1() {
        // RFC 8410 §10.3.
        let der = [
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20, 0xd4, 0xee, 0x72, 0xdb, 0xf9, 0x13, 0x58, 0x4a, 0xd5, 0xb6, 0xd8, 0xf1,
            0xf7, 0x69, 0xf8, 0xad, 0x3a, 0xfe, 0x7c, 0x28, 0xcb, 0xf1, 0xd4, 0xfb, 0xe0, 0x97,
            0xa8, 0x8f, 0x44, 0x75, 0x58, 0x42,
        ];
        let Ok(DerKey::Ed25519 {
            x: None,
            seed: Some(seed),
        }) = parse_pkcs8(&der)
        else {
            panic!("not parsed");
        };
        assert_eq!(seed.len(), 32);
    }

    #[test]
    fn rejects_non_der() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x80, 0x00, 0x00],             // indefinite length
            &[0x30, 0x81, 0x05, 1, 2, 3, 4, 5],    // non-minimal length
            &[0x30, 0x00, 0x00],                   // trailing data
            &[0x1f, 0x01, 0x00],                   // high tag number
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff], // huge length
        ] {
            assert!(parse_spki(bad).is_err());
            assert!(parse_pkcs8(bad).is_err());
        }
    }

    #[test]
    fn integers_must_be_minimal_and_non_negative() {
        assert!(Reader::new(&[INTEGER, 2, 0, 0x7f]).unsigned().is_err());
        assert!(Reader::new(&[INTEGER, 1, 0x80]).unsigned().is_err());
        assert_eq!(
            Reader::new(&[INTEGER, 2, 0, 0x80]).unsigned().unwrap(),
            &[0x80]
        );
        assert_eq!(Reader::new(&[INTEGER, 1, 0]).unsigned().unwrap(), &[0]);
    }
}
