//! The one format of guest input and journal values: postcard 1.x (serde).

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::Error;

/// `value` as the guest's `env::read::<T>()` reads it.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    postcard::to_allocvec(value).map_err(|e| Error::Encode(e.to_string()))
}

/// Decodes bytes that hold exactly one `T` (commits of `a` then `b` decode as `(A, B)`).
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let (value, rest) = postcard::take_from_bytes(bytes)
        .map_err(|e| Error::Decode(format!("not a {}: {e}", std::any::type_name::<T>())))?;
    if !rest.is_empty() {
        return Err(Error::Decode(format!(
            "{} bytes left after a {}",
            rest.len(),
            std::any::type_name::<T>()
        )));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_concatenate_as_tuples() {
        let a = encode(&300u32).unwrap();
        assert_eq!(a, [0xac, 0x02], "u32 is a varint");
        let mut both = a.clone();
        both.extend(encode("hi").unwrap());
        assert_eq!(
            decode::<(u32, String)>(&both).unwrap(),
            (300, "hi".to_string())
        );
        assert!(decode::<u32>(&both)
            .unwrap_err()
            .to_string()
            .contains("bytes left"));
        assert!(decode::<(u32, String)>(&a).is_err());
    }

    /// The same vectors as the CLI's `--input-postcard` tokens (core/guest/postcard.test.ts).
    #[test]
    fn the_cli_typed_tokens_match_postcard() {
        let hex = |v: Vec<u8>| v.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            hex(encode(&(255u8, 300u32, 0u16, u64::MAX)).unwrap()),
            "ffac0200ffffffffffffffffff01"
        );
        assert_eq!(
            hex(encode(&(-1i8, -1i32, 1i32, -2i64, 63i128)).unwrap()),
            "ff0102037e"
        );
        let v = (
            "hi",
            vec![10u8, 11],
            [10u8, 11],
            true,
            None::<u8>,
            Some(7u8),
        );
        assert_eq!(hex(encode(&v).unwrap()), "026869020a0b0a0b01000107");
        assert_eq!(hex(encode(&vec![1u32, 2, 3]).unwrap()), "03010203");
    }
}
